/** The InfluxWriter's options, each with its default, and the counters it reports. */
import type { Redis } from 'ioredis';
import type { InfluxConnection } from '../influx/influx.connection.js';
import type { Logger } from '../../kernel/logger.js';
import type { RedisConnector } from '../../kernel/redis.js';
import type { RejectionInput } from '../ingest/rejection-log.js';
import type { JournalRecord } from '../journal/telemetry-journal.js';

export interface InfluxWriterOptions {
  /** A connection to the journal's Redis, for acks and stats (not closed by stop()). */
  readonly redis: Redis;
  /** URL for the writer's own blocking connection. Default: a duplicate of `redis`. */
  readonly redisUrl?: string;
  /** Makes the blocking connection instead (the platform's outage-logging factory). */
  readonly connector?: RedisConnector;
  /** Prefix of the Redis keys (REDIS_PREFIX): which journal to read. */
  readonly prefix: string;
  readonly influx: InfluxConnection;
  readonly rejections: { record(input: RejectionInput): Promise<void> };
  readonly logger: Logger;
  /** Consumer group. Default 'influx-writer'. */
  readonly group?: string;
  /** Consumer name, unique per process. Default os.hostname(). */
  readonly consumer?: string;
  /** Publishes per batch, about: entries are read so as to hold this many (INFLUX_BATCH_SIZE). Default 5000. */
  readonly batchSize?: number;
  /** Longest wait for more entries before writing what there is (INFLUX_FLUSH_INTERVAL_MS). Default 200. */
  readonly flushIntervalMs?: number;
  /**
   * Least time between two journal reads, in ms (INFLUX_MIN_BATCH_INTERVAL_MS): after a batch
   * that was not full the writer waits for the rest of it, so that a batch gathers this much
   * telemetry. Without it a lightly loaded writer reads every few publishes, and each batch costs
   * an InfluxDB request and a detection job per shard (dozens of Redis commands each). A full
   * batch (a backlog) is followed at once. 0 = read as soon as the previous batch is handed off.
   * Default 100.
   */
  readonly minBatchIntervalMs?: number;
  /** Pending entries idle this long are taken over from their (presumably dead) consumer. Default 30000. */
  readonly claimIdleMs?: number;
  /** How often to look for such entries. Default claimIdleMs / 3. */
  readonly claimIntervalMs?: number;
  /**
   * Other consumers of the group idle this long with nothing pending are deleted from it, so
   * consumers of processes that are gone do not pile up (checked and deleted atomically: a
   * consumer that still owns entries is never deleted). Default 10 × claimIdleMs.
   */
  readonly forgetIdleMs?: number;
  /** Most lines per HTTP request. Default 10000. */
  readonly maxLinesPerRequest?: number;
  /** Most bytes per HTTP request (InfluxDB 1.x refuses bodies over 25 MB). Default 8 MiB. */
  readonly maxBytesPerRequest?: number;
  /** First retry delay after a failed write. Default 100 ms. */
  readonly retryMinMs?: number;
  /** Longest retry delay. Default 5000 ms. */
  readonly retryMaxMs?: number;
  /**
   * Called with each batch, in batch order, while it is written to InfluxDB (detection does not
   * wait for the write) and before it is acknowledged, e.g. to hand readings to detection. A throw
   * is retried with backoff before the next batch is read; the hook should be idempotent (the
   * detection queue's job ids are derived from the journal entries).
   */
  readonly onWritten?: (records: readonly JournalRecord[]) => Promise<void>;
  /** Batches being written to InfluxDB at once (the next is read while one is written). Default 2. */
  readonly maxInFlight?: number;
  /** Told the duration and outcome of every InfluxDB write request (metrics). */
  readonly onWriteRequest?: (seconds: number, outcome: 'ok' | 'refused' | 'error') => void;
}

export interface InfluxWriterStats {
  /** Lines InfluxDB accepted. */
  written: number;
  /** Journal entries acknowledged (one group commit of the journal each). */
  entries: number;
  /** Publishes those entries held. */
  publishes: number;
  /** Batches written. */
  batches: number;
  /** Failed write attempts that were retried. */
  retries: number;
  /** Lines InfluxDB refused (moved to the rejection log). */
  refused: number;
  /** Unwritten publishes in the journal. */
  pending: number;
  /** Age of the oldest unwritten entry, ms (0 when none). */
  lagMs: number;
}
