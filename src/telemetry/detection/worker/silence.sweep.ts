/**
 * The no-data sweep. A silent device sends nothing, so nothing would ever reach its detectors:
 * every `intervalMs` one sweep (a BullMQ job scheduler on the `detection-sweep` queue, so one
 * sweep per interval however many worker processes run it) lists the active devices that have
 * reported at least once and adds, per shard, a job whose asset batches carry no readings and a
 * `silenceCheckAt` time. Those jobs go through the same shard queues as the readings, so an
 * asset's silence check is serialised with its readings (a reading journalled before the sweep
 * is evaluated first and the device is not silent). The worker runs `evaluateSilence` with that
 * time against the model's `detection.silence.after` (default three reporting periods): a
 * device silent for longer opens the NO_DATA fault (an alarm and an auto-ticket like any other
 * fault); its next reading clears it.
 *
 * The sweep uses the wall clock — silence is the one detector that has to — and the readings'
 * own timestamps stay the reference: `lastSeen` is the newest reading time, so a device whose
 * clock runs late looks silent sooner; the model's allowance absorbs small skews.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Database } from '../../../kernel/db/database.js';
import type { Logger } from '../../../kernel/logger.js';
import { closeRedis, connectRedis, type RedisConnector } from '../../../kernel/redis.js';
import { bullPrefix, DEFAULT_SHARDS, shardOf, shardQueueName, type DetectionJobData } from './detection.jobs.js';

export const SWEEP_QUEUE = 'detection-sweep';

export interface SilenceSweepOptions {
  readonly redisUrl: string;
  /** Makes the Redis connection (the platform's outage-logging factory). Default: a plain client of redisUrl. */
  readonly connector?: RedisConnector;
  /** REDIS_PREFIX. */
  readonly prefix: string;
  readonly db: Database;
  readonly logger: Logger;
  /** How often the sweep runs. Default 60 000 ms. */
  readonly intervalMs?: number;
  /** Must equal the detection queues' shard count. Default 4 (DEFAULT_SHARDS). */
  readonly shards?: number;
  /** The clock (tests). Default Date.now. */
  readonly now?: () => number;
}

interface DeviceRow {
  device_id: string;
  asset_id: string;
  model_id: string;
}

export class SilenceSweep {
  private readonly redis: Redis;
  private readonly shards: number;
  private readonly intervalMs: number;
  private readonly queue: Queue;
  private readonly shardQueues = new Map<number, Queue<DetectionJobData>>();
  private worker: Worker | undefined;

  constructor(private readonly options: SilenceSweepOptions) {
    this.redis = connectRedis(options.connector, options.redisUrl, 'silence-sweep', { maxRetriesPerRequest: null }, options.logger);
    this.shards = options.shards ?? DEFAULT_SHARDS;
    this.intervalMs = options.intervalMs ?? 60_000;
    this.queue = new Queue(SWEEP_QUEUE, { connection: this.redis, prefix: bullPrefix(options.prefix) });
    this.queue.on('error', (error) => this.reportError(error));
  }

  /** Registers the job scheduler (idempotent across processes) and starts consuming sweeps. */
  async start(): Promise<void> {
    await this.queue.upsertJobScheduler('silence-sweep', { every: this.intervalMs }, { name: 'sweep', opts: { removeOnComplete: 100, removeOnFail: 100 } });
    this.worker = new Worker(SWEEP_QUEUE, () => this.sweep(), { connection: this.redis, prefix: bullPrefix(this.options.prefix), concurrency: 1 });
    this.worker.on('failed', (_job, error) => this.options.logger.warn({ err: error }, 'silence sweep failed'));
    this.worker.on('error', (error) => this.reportError(error));
  }

  private reportError(error: Error): void {
    if (this.options.connector) this.options.connector.reportError('silence-sweep', error);
    else this.options.logger.warn({ err: error }, 'silence sweep worker error');
  }

  /** One sweep: one job per shard with the devices that have reported; returns the number of assets checked. */
  async sweep(): Promise<number> {
    const at = (this.options.now ?? Date.now)();
    const { rows } = await this.options.db.query<DeviceRow>(
      `SELECT d.id AS device_id, d.asset_id, a.model_id
         FROM devices d JOIN assets a ON a.id = d.asset_id
        WHERE d.status = 'active' AND d.last_seen_at IS NOT NULL`,
    );
    const jobs = new Map<number, DetectionJobData>();
    for (const row of rows) {
      const shard = shardOf(row.asset_id, this.shards);
      let job = jobs.get(shard);
      if (!job) jobs.set(shard, (job = { v: 2, shard, assets: [] }));
      job.assets.push({ assetId: row.asset_id, deviceId: row.device_id, modelId: row.model_id, readings: '', events: [], silenceCheckAt: at });
    }
    await Promise.all(
      [...jobs].map(([shard, data]) =>
        this.shardQueue(shard).add('silence', data, {
          jobId: `silence-${at}-${shard}`,
          removeOnComplete: 1000,
          removeOnFail: 5000,
          attempts: 3,
          backoff: { type: 'exponential', delay: 1000 },
        }),
      ),
    );
    return rows.length;
  }

  private shardQueue(shard: number): Queue<DetectionJobData> {
    let queue = this.shardQueues.get(shard);
    if (!queue) {
      queue = new Queue<DetectionJobData>(shardQueueName(shard), { connection: this.redis, prefix: bullPrefix(this.options.prefix) });
      queue.on('error', (error) => this.reportError(error));
      this.shardQueues.set(shard, queue);
    }
    return queue;
  }

  async stop(): Promise<void> {
    // Redis away: force-close (Worker.close() would wait for the reconnecting connection forever).
    const force = this.redis.status !== 'ready';
    await this.worker?.close(force);
    if (!force) {
      await Promise.all([...this.shardQueues.values()].map((q) => q.close()));
      await this.queue.close();
    }
    await closeRedis(this.redis);
  }
}
