/**
 * A background task that runs one function every `everyMs` through a BullMQ job scheduler: every
 * worker process upserts the same scheduler (one schedule, whatever the number of processes) and
 * BullMQ hands each repetition to exactly one worker. The work itself must still be idempotent
 * (a repetition retried after a crash, or an on-demand run at the same time).
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BackgroundTask } from './background-task.js';
import type { Logger } from '../logger.js';
import { closeRedis, connectRedis, type RedisConnector } from '../redis.js';

export interface RepeatingJobOptions {
  /** Queue and scheduler name, e.g. 'preventive-generation'. */
  readonly name: string;
  readonly redisUrl: string;
  /** Makes the Redis connections (the platform's outage-logging factory). Default: plain clients of redisUrl. */
  readonly connector?: RedisConnector;
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
      const redis = connectRedis(this.options.connector, redisUrl, name, { maxRetriesPerRequest: null }, logger);
      this.connections.push(redis);
      return redis;
    };
    const reportError = (error: Error) => {
      if (this.options.connector) this.options.connector.reportError(name, error);
      else logger.warn({ err: error, task: name }, 'background worker error');
    };
    this.queue = new Queue(name, { connection: connect(), prefix });
    this.queue.on('error', reportError);
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
    this.worker.on('error', reportError);
    await this.worker.waitUntilReady();
  }

  async stop(): Promise<void> {
    // Redis away: force-close (Worker.close() would wait for the reconnecting connection forever).
    const force = this.connections.some((c) => c.status !== 'ready');
    await this.worker?.close(force);
    if (!force) await this.queue?.close();
    await Promise.all(this.connections.map((c) => closeRedis(c)));
    this.connections = [];
  }
}
