/**
 * A background task that runs one function every `everyMs` through a BullMQ job scheduler: every
 * worker process upserts the same scheduler (one schedule, whatever the number of processes) and
 * BullMQ hands each repetition to exactly one worker. The work itself must still be idempotent
 * (a repetition retried after a crash, or an on-demand run at the same time).
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { BackgroundTask } from '../platform/background.js';
import type { Logger } from '../platform/logger.js';

export interface RepeatingJobOptions {
  /** Queue and scheduler name, e.g. 'preventive-generation'. */
  readonly name: string;
  readonly redisUrl: string;
  /** REDIS_PREFIX; BullMQ keys are `${prefix}:bull:<name>:...`. */
  readonly prefix: string;
  readonly logger: Logger;
  /** Interval between two runs in ms. */
  readonly everyMs: number;
  /** The work of one run; what it returns is logged at debug level. */
  readonly run: () => Promise<unknown>;
}

export class RepeatingJob implements BackgroundTask {
  private connections: Redis[] = [];
  private queue?: Queue;
  private worker?: Worker;

  constructor(private readonly options: RepeatingJobOptions) {}

  get name(): string {
    return this.options.name;
  }

  async start(): Promise<void> {
    const { name, redisUrl, logger } = this.options;
    const prefix = `${this.options.prefix}:bull`;
    const connect = () => {
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: `telemend-${name}` });
      redis.on('error', (error) => logger.debug({ err: error }, `${name} redis connection error`));
      this.connections.push(redis);
      return redis;
    };
    this.queue = new Queue(name, { connection: connect(), prefix });
    await this.queue.upsertJobScheduler(name, { every: this.options.everyMs }, { name, opts: { removeOnComplete: 50, removeOnFail: 200 } });
    this.worker = new Worker(
      name,
      async () => {
        const result = await this.options.run();
        logger.debug({ task: name, result }, 'background run finished');
      },
      { connection: connect(), prefix, concurrency: 1 },
    );
    this.worker.on('failed', (_job, error) => logger.warn({ err: error, task: name }, 'background run failed'));
    this.worker.on('error', (error) => logger.warn({ err: error, task: name }, 'background worker error'));
    await this.worker.waitUntilReady();
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
    await Promise.all(this.connections.map((c) => c.quit().catch(() => undefined)));
    this.connections = [];
  }
}
