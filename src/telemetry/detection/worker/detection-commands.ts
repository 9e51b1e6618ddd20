/**
 * The producer of rule commands (relearn, freeze, accept an alarm as normal): a detection job
 * on the asset's shard queue whose batch carries the commands and no readings. The worker that
 * owns the asset's state applies them in order with the readings journalled before (see
 * detection.worker.ts: a job with commands is never merged behind earlier readings), and the
 * state log records them, so a replay rebuilds the same state.
 *
 * A delayed command (a relearn after a repair, once the machine has settled) is a delayed BullMQ
 * job: it joins the shard's queue when its time comes. Its job id is given by the caller (per
 * visit and rule), so a retried request does not add it twice.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RuleCommand } from '../detection.types.js';
import { bullPrefix, DEFAULT_SHARDS, shardOf, shardQueueName, type DetectionJobData } from './detection.jobs.js';

export interface CommandTarget {
  readonly assetId: string;
  readonly deviceId: string;
  readonly modelId: string;
}

export interface SendOptions {
  /** Run no earlier than this many ms from now (BullMQ delayed job). Default 0. */
  readonly delayMs?: number;
  /** BullMQ job id: a second send with the same id is ignored while the first is kept. */
  readonly jobId?: string;
}

/** What the API and services need: send commands to an asset's detection state. */
export interface DetectionCommandsPort {
  send(target: CommandTarget, commands: readonly RuleCommand[], options?: SendOptions): Promise<void>;
}

export interface DetectionCommandsOptions {
  /** A shared connection (not closed by close()). */
  readonly connection: Redis;
  /** REDIS_PREFIX. */
  readonly prefix: string;
  /** Must equal the workers' shard count. Default 4 (DEFAULT_SHARDS). */
  readonly shards?: number;
}

export class DetectionCommands implements DetectionCommandsPort {
  private readonly shards: number;
  private readonly queues = new Map<number, Queue<DetectionJobData>>();

  constructor(private readonly options: DetectionCommandsOptions) {
    this.shards = options.shards ?? DEFAULT_SHARDS;
  }

  async send(target: CommandTarget, commands: readonly RuleCommand[], options: SendOptions = {}): Promise<void> {
    if (commands.length === 0) return;
    const shard = shardOf(target.assetId, this.shards);
    const data: DetectionJobData = {
      v: 2,
      shard,
      assets: [
        { assetId: target.assetId, deviceId: target.deviceId, modelId: target.modelId, readings: '', events: [], commands: commands.map(stripUndefined) },
      ],
    };
    await this.queue(shard).add('commands', data, {
      ...(options.jobId ? { jobId: options.jobId } : {}),
      ...(options.delayMs ? { delay: options.delayMs } : {}),
      removeOnComplete: 1000,
      removeOnFail: 5000,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
    });
  }

  private queue(shard: number): Queue<DetectionJobData> {
    let queue = this.queues.get(shard);
    if (!queue) {
      queue = new Queue<DetectionJobData>(shardQueueName(shard), { connection: this.options.connection, prefix: bullPrefix(this.options.prefix) });
      this.queues.set(shard, queue);
    }
    return queue;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}

/** The job schema is strict about absent optional fields: no `mode: undefined` on the wire. */
function stripUndefined(command: RuleCommand): RuleCommand {
  const { ruleId, op, mode, at, auto } = command;
  return { ruleId, op, at, ...(mode !== undefined ? { mode } : {}), ...(auto ? { auto } : {}) };
}
