/**
 * Moves the journal into InfluxDB. Reads the stream with a consumer group (XREADGROUP COUNT
 * batchSize BLOCK flushIntervalMs), writes each batch, and only then XACKs and XDELs it, so an
 * entry leaves Redis only once InfluxDB answered 204 for it (or refused it, see below).
 *
 * - InfluxDB unreachable, 5xx, 429, auth or missing database: the batch stays pending and is
 *   retried with exponential backoff (capped, default 5 s), one log line per outage. Nothing
 *   is dropped; the journal's backpressure refuses new publishes if the outage lasts.
 * - 400/413 (a line InfluxDB will never take): the batch is bisected until the refused lines
 *   are isolated; the rest is written, each refused line goes to the rejection log
 *   (influx_refused, with InfluxDB's message) and is then acknowledged.
 * - On start the consumer first re-processes its own pending entries (a restart after
 *   SIGKILL); periodically it XAUTOCLAIMs entries idle longer than claimIdleMs from consumers
 *   that died. Writes are idempotent in InfluxDB (same series and timestamp overwrite), so
 *   delivering an entry twice is harmless: delivery is at-least-once, never at-most-once.
 */
import os from 'node:os';
import { Redis } from 'ioredis';
import type { WriteApi } from '@influxdata/influxdb-client';
import { toInfluxError, type InfluxConnection } from '../influx/influx.connection.js';
import { InfluxRefusedError } from '../influx/influx.errors.js';
import type { Logger } from '../platform/logger.js';
import type { RejectionInput } from './rejection-log.js';
import { journalKey, TelemetryJournal, type JournalRecord } from './telemetry-journal.js';

export interface InfluxWriterOptions {
  /** A connection to the journal's Redis, for acks and stats (not closed by stop()). */
  readonly redis: Redis;
  /** URL for the writer's own blocking connection. Default: a duplicate of `redis`. */
  readonly redisUrl?: string;
  /** Prefix of the Redis keys (REDIS_PREFIX); the journal is `${prefix}:journal:telemetry`. */
  readonly prefix: string;
  readonly influx: InfluxConnection;
  readonly rejections: { record(input: RejectionInput): Promise<void> };
  readonly logger: Logger;
  /** Consumer group. Default 'influx-writer'. */
  readonly group?: string;
  /** Consumer name, unique per process. Default os.hostname(). */
  readonly consumer?: string;
  /** Most journal entries per batch (INFLUX_BATCH_SIZE). Default 5000. */
  readonly batchSize?: number;
  /** Longest wait for more entries before writing what there is (INFLUX_FLUSH_INTERVAL_MS). Default 200. */
  readonly flushIntervalMs?: number;
  /** Pending entries idle this long are taken over from their (presumably dead) consumer. Default 30000. */
  readonly claimIdleMs?: number;
  /** How often to look for such entries. Default claimIdleMs / 3. */
  readonly claimIntervalMs?: number;
  /** Most lines per HTTP request. Default 10000. */
  readonly maxLinesPerRequest?: number;
  /** Most bytes per HTTP request (InfluxDB 1.x refuses bodies over 25 MB). Default 8 MiB. */
  readonly maxBytesPerRequest?: number;
  /** First retry delay after a failed write. Default 100 ms. */
  readonly retryMinMs?: number;
  /** Longest retry delay. Default 5000 ms. */
  readonly retryMaxMs?: number;
  /**
   * Called with each batch after InfluxDB has it and before it is acknowledged (e.g. to hand
   * readings to detection). A throw keeps the batch pending and it is retried.
   */
  readonly onWritten?: (records: readonly JournalRecord[]) => Promise<void>;
}

export interface InfluxWriterStats {
  /** Lines InfluxDB accepted. */
  written: number;
  /** Journal entries acknowledged. */
  entries: number;
  /** Batches written. */
  batches: number;
  /** Failed write attempts that were retried. */
  retries: number;
  /** Lines InfluxDB refused (moved to the rejection log). */
  refused: number;
  /** Unwritten entries in the journal. */
  pending: number;
  /** Age of the oldest unwritten entry, ms (0 when none). */
  lagMs: number;
}

interface Line {
  readonly text: string;
  readonly record: JournalRecord;
}

type StreamEntries = [id: string, fields: string[] | null][];

export class InfluxWriter {
  private readonly group: string;
  private readonly consumer: string;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly claimIdleMs: number;
  private readonly claimIntervalMs: number;
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly api: WriteApi;
  private readonly key: string;
  private reader: Redis | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private readOwnPending = true;
  private claimCursor = '0-0';
  private nextClaimAt = 0;
  private outageSince: number | undefined;
  private ownershipRefreshedAt = 0;
  private readonly counters = { written: 0, entries: 0, batches: 0, retries: 0, refused: 0 };

  constructor(private readonly options: InfluxWriterOptions) {
    this.group = options.group ?? 'influx-writer';
    this.consumer = options.consumer ?? os.hostname();
    this.batchSize = options.batchSize ?? 5000;
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
    this.claimIntervalMs = options.claimIntervalMs ?? Math.max(100, Math.floor(this.claimIdleMs / 3));
    this.maxLines = options.maxLinesPerRequest ?? 10_000;
    this.maxBytes = options.maxBytesPerRequest ?? 8 * 1024 * 1024;
    this.key = journalKey(options.prefix);
    this.api = options.influx.writeApi({ maxLinesPerFlush: this.maxLines });
  }


  /** Creates the consumer group if needed and starts consuming in the background. */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    this.readOwnPending = true;
    this.nextClaimAt = 0;
    await this.createGroup();
    const reader = this.options.redisUrl
      ? new Redis(this.options.redisUrl, { connectionName: 'telemend-writer' })
      : this.options.redis.duplicate();
    reader.on('error', () => undefined); // reconnects by itself; failed reads are retried by the loop
    this.reader = reader;
    this.loop = this.run();
  }

  private async createGroup(): Promise<void> {
    try {
      await this.options.redis.xgroup('CREATE', this.key, this.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.includes('BUSYGROUP'))) throw error;
    }
  }

  /** Stops reading, finishes the batch in flight (or leaves it pending if InfluxDB is down) and returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    // Ends a blocking read at once (even while Redis is away). Entries it had already been
    // handed stay pending for this consumer and are re-processed at the next start.
    this.reader?.disconnect();
    await this.loop;
    this.loop = undefined;
    this.reader = undefined;
  }

  async stats(): Promise<InfluxWriterStats> {
    const [pending, oldest] = await Promise.all([
      this.options.redis.xlen(this.key),
      this.options.redis.xrange(this.key, '-', '+', 'COUNT', 1),
    ]);
    const first = oldest[0]?.[0];
    const lagMs = first ? Math.max(0, Date.now() - Number(first.split('-')[0])) : 0;
    return { ...this.counters, pending, lagMs };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const entries = await this.nextEntries();
        if (entries.length > 0) await this.process(entries);
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        // Redis trouble (InfluxDB trouble is retried inside process()): what was read stays
        // pending; re-read our own pending entries once Redis is back.
        failures++;
        this.readOwnPending = true;
        if (failures === 1) this.options.logger.error({ err: error }, 'telemetry journal read failed; retrying');
        await this.sleep(this.backoff(failures));
        // The stream (and with it the group) was deleted, e.g. by FLUSHALL: start over.
        if (error instanceof Error && error.message.includes('NOGROUP')) await this.createGroup().catch(() => undefined);
      }
    }
  }

  /** Own pending entries first, then entries abandoned by dead consumers, then new ones. */
  private async nextEntries(): Promise<StreamEntries> {
    const reader = this.reader!;
    if (this.readOwnPending) {
      const own = await reader.xreadgroup('GROUP', this.group, this.consumer, 'COUNT', this.batchSize, 'STREAMS', this.key, '0');
      const entries = entriesOf(own);
      if (entries.length > 0) return entries;
      this.readOwnPending = false;
    }
    if (Date.now() >= this.nextClaimAt) {
      const [cursor, claimed] = (await reader.xautoclaim(this.key, this.group, this.consumer, this.claimIdleMs, this.claimCursor, 'COUNT', this.batchSize)) as [
        string,
        StreamEntries,
      ];
      this.claimCursor = cursor;
      if (cursor === '0-0') this.nextClaimAt = Date.now() + this.claimIntervalMs;
      if (claimed.length > 0) {
        this.options.logger.info({ count: claimed.length, consumer: this.consumer }, 'took over telemetry journal entries from an idle consumer');
        return claimed;
      }
    }
    const fresh = await reader.xreadgroup(
      'GROUP', this.group, this.consumer,
      'COUNT', this.batchSize,
      'BLOCK', this.flushIntervalMs,
      'STREAMS', this.key, '>',
    );
    return entriesOf(fresh);
  }

  private async process(entries: StreamEntries): Promise<void> {
    const ids = entries.map(([id]) => id);
    const records = entries.map(([id, fields]) => TelemetryJournal.parse(id, fields)).filter((r): r is JournalRecord => r !== undefined);
    const lines: Line[] = records.flatMap((record) => record.lines.map((text) => ({ text, record })));

    let refused: { line: Line; message: string }[];
    this.ownershipRefreshedAt = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        refused = await this.writeAll(lines);
        await this.options.onWritten?.(records);
        break;
      } catch (error) {
        this.counters.retries++;
        if (this.outageSince === undefined) {
          this.outageSince = Date.now();
          this.options.logger.warn({ err: error, entries: ids.length }, 'writing a journal batch failed; its entries stay in the journal and are retried');
        }
        if (this.stopping) return; // left pending: re-processed at the next start
        await this.keepOwnership(ids);
        await this.sleep(this.backoff(attempt));
        if (this.stopping) return;
      }
    }
    if (this.outageSince !== undefined) {
      this.options.logger.info({ downMs: Date.now() - this.outageSince }, 'journal batches are being written again');
      this.outageSince = undefined;
    }
    for (const { line, message } of refused) {
      await this.options.rejections.record({
        deviceId: line.record.deviceId,
        assetId: line.record.assetId || undefined,
        reason: 'influx_refused',
        detail: message,
        topic: `devices/${line.record.deviceId}/${line.record.channel}`,
        payloadSample: line.text,
      });
    }
    await this.options.redis.multi().xack(this.key, this.group, ...ids).xdel(this.key, ...ids).exec();
    this.counters.written += lines.length - refused.length;
    this.counters.refused += refused.length;
    this.counters.entries += ids.length;
    this.counters.batches++;
  }

  /** Writes every line, request by request; returns the lines InfluxDB refused. Throws if InfluxDB is unavailable. */
  private async writeAll(lines: readonly Line[]): Promise<{ line: Line; message: string }[]> {
    const refused: { line: Line; message: string }[] = [];
    let start = 0;
    while (start < lines.length) {
      let end = start;
      let bytes = 0;
      while (end < lines.length && end - start < this.maxLines && (end === start || bytes + lines[end]!.text.length < this.maxBytes)) {
        bytes += lines[end]!.text.length + 1;
        end++;
      }
      await this.bisect(lines.slice(start, end), refused);
      start = end;
    }
    return refused;
  }

  /** Sends the lines; on a refusal splits them in halves until each refused line stands alone. */
  private async bisect(lines: readonly Line[], refused: { line: Line; message: string }[]): Promise<void> {
    try {
      await this.send(lines);
    } catch (error) {
      if (!(error instanceof InfluxRefusedError)) throw error;
      if (lines.length === 1) {
        refused.push({ line: lines[0]!, message: error.message });
        return;
      }
      const half = Math.ceil(lines.length / 2);
      await this.bisect(lines.slice(0, half), refused);
      await this.bisect(lines.slice(half), refused);
    }
  }

  private async send(lines: readonly Line[]): Promise<void> {
    // writeRecords + flush in the same tick: flush() takes exactly these lines, so concurrent
    // users of the WriteApi cannot mix batches, and it resolves only on InfluxDB's 204.
    this.api.writeRecords(lines.map((l) => l.text));
    try {
      await this.api.flush();
    } catch (error) {
      throw toInfluxError(error);
    }
  }

  /** During a long outage, reset the idle time of our pending entries so live peers do not claim them. */
  private async keepOwnership(ids: readonly string[]): Promise<void> {
    if (Date.now() - this.ownershipRefreshedAt < this.claimIdleMs / 3) return;
    this.ownershipRefreshedAt = Date.now();
    await this.options.redis.xclaim(this.key, this.group, this.consumer, 0, ...ids, 'JUSTID').catch(() => undefined);
  }

  private backoff(attempt: number): number {
    const min = this.options.retryMinMs ?? 100;
    const max = this.options.retryMaxMs ?? 5000;
    const delay = Math.min(max, min * 2 ** Math.min(attempt - 1, 20));
    return Math.round(delay * (0.8 + Math.random() * 0.4));
  }

  /** Waits, or less if stop() is called. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const wake = () => done();
      this.wake = wake;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}

function entriesOf(reply: unknown): StreamEntries {
  const streams = reply as [key: string, entries: StreamEntries][] | null;
  return streams?.[0]?.[1] ?? [];
}
