/**
 * The producer side of detection: turns one journal batch (InfluxWriter's `onWritten`) into ONE
 * BullMQ job per asset shard that has readings in it — never one job per reading. The writer
 * calls it while it writes the batch to InfluxDB and before it acknowledges the journal entries,
 * so a failed enqueue (or write) keeps the batch pending and it is retried (at-least-once).
 *
 * The job id is derived from the journal entry ids and the shard: a batch re-delivered while
 * the first job still exists is ignored by BullMQ. When it does run twice, detection is still a
 * no-op the second time (readings at or before an asset's watermark are skipped) and tickets
 * rest on the database's unique open asset+fault key.
 */
import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JournalRecord } from '../../journal/telemetry-journal.js';
import { bullPrefix, DEFAULT_SHARDS, groupByShard, shardQueueName, type DetectionJobData } from './detection.jobs.js';

export interface DetectionQueueOptions {
  /** A connection for the producers (shared, not closed by close()). */
  readonly connection: Redis;
  /** REDIS_PREFIX; BullMQ keys are `${prefix}:bull:detection-<shard>:...`. */
  readonly prefix: string;
  /** Number of shard queues; must be the same in every producer and worker. Default 4 (DEFAULT_SHARDS). */
  readonly shards?: number;
  /** Completed jobs kept per shard queue (for inspection and job-id de-duplication). Default 1000. */
  readonly keepCompleted?: number;
  /** Failed jobs kept per shard queue. Default 5000. */
  readonly keepFailed?: number;
  /**
   * BullMQ attempts per job, a last resort: the worker already retries an asset inside the job,
   * and a job retried by BullMQ runs after the shard's later jobs (its readings then count as
   * late). Default 3 (exponential backoff from 1 s).
   */
  readonly attempts?: number;
  /** The queues' connection errors (BullMQ prints them to stderr when nobody listens). */
  readonly onError?: (error: Error) => void;
}

export class DetectionQueue {
  readonly shards: number;
  private readonly queues: Queue<DetectionJobData>[];
  private readonly keepCompleted: number;
  private readonly keepFailed: number;
  private readonly attempts: number;

  constructor(options: DetectionQueueOptions) {
    this.shards = options.shards ?? DEFAULT_SHARDS;
    this.keepCompleted = options.keepCompleted ?? 1000;
    this.keepFailed = options.keepFailed ?? 5000;
    this.attempts = options.attempts ?? 3;
    const prefix = bullPrefix(options.prefix);
    this.queues = Array.from({ length: this.shards }, (_, shard) => {
      const queue = new Queue<DetectionJobData>(shardQueueName(shard), { connection: options.connection, prefix });
      queue.on('error', options.onError ?? (() => undefined));
      return queue;
    });
  }

  /** The hook to pass to InfluxWriter as `onWritten`. */
  readonly onWritten = (records: readonly JournalRecord[]): Promise<void> => this.enqueue(records).then(() => undefined);

  /** Adds one job per shard with readings or events in the batch; resolves with the number of jobs. */
  async enqueue(records: readonly JournalRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const jobs = groupByShard(records, this.shards);
    if (jobs.size === 0) return 0;
    const batchId = createHash('sha1')
      .update(records.map((r) => r.id).join(','))
      .digest('hex');
    await Promise.all(
      [...jobs].map(([shard, data]) =>
        this.queues[shard]!.add('detect', data, {
          jobId: `${batchId}-${shard}`,
          removeOnComplete: this.keepCompleted,
          removeOnFail: this.keepFailed,
          attempts: this.attempts,
          backoff: { type: 'exponential', delay: 1000 },
        }),
      ),
    );
    return jobs.size;
  }

  /** The queue of a shard (tests, monitoring). */
  queue(shard: number): Queue<DetectionJobData> {
    const queue = this.queues[shard];
    if (!queue) throw new RangeError(`no shard ${shard} (shards: ${this.shards})`);
    return queue;
  }

  /** Jobs by state over every shard, and the age of the oldest waiting one (monitoring). */
  async backlog(now = Date.now()): Promise<{ waiting: number; active: number; delayed: number; oldestWaitingAgeMs: number }> {
    const total = { waiting: 0, active: 0, delayed: 0, oldestWaitingAgeMs: 0 };
    await Promise.all(
      this.queues.map(async (queue) => {
        const [counts, oldest] = await Promise.all([queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized'), queue.getJobs(['wait'], 0, 0, true)]);
        total.waiting += (counts.waiting ?? 0) + (counts.prioritized ?? 0);
        total.active += counts.active ?? 0;
        total.delayed += counts.delayed ?? 0;
        const first = oldest[0];
        if (first) total.oldestWaitingAgeMs = Math.max(total.oldestWaitingAgeMs, now - first.timestamp);
      }),
    );
    return total;
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
  }
}
