/**
 * Moves the journal into InfluxDB. Reads the stream with a consumer group (XREADGROUP COUNT n
 * BLOCK flushIntervalMs), writes each batch, and only then XACKs and XDELs it, so an entry
 * leaves Redis only once InfluxDB answered 204 for it (or refused it, see below). An entry is
 * one group commit of the journal (one or many publishes): n is chosen from the publishes per
 * entry seen so far so that a batch holds about batchSize publishes.
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
import type { Logger } from '../../kernel/logger.js';
import type { RedisConnector } from '../../kernel/redis.js';
import type { RejectionInput } from '../ingest/rejection-log.js';
import { forgetIdleConsumers } from '../journal/journal-consumers.js';
import { ACK_SCRIPT, journalKey, lineSource, TelemetryJournal, unwrittenKey, type JournalRecord } from '../journal/telemetry-journal.js';

export interface InfluxWriterOptions {
  /** A connection to the journal's Redis, for acks and stats (not closed by stop()). */
  readonly redis: Redis;
  /** URL for the writer's own blocking connection. Default: a duplicate of `redis`. */
  readonly redisUrl?: string;
  /** Makes the blocking connection instead (the platform's outage-logging factory). */
  readonly connector?: RedisConnector;
  /** Prefix of the Redis keys (REDIS_PREFIX); the journal is `${prefix}:journal:telemetry`. */
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
   * an InfluxDB request and a detection job per shard (~60 Redis commands each): 1 000
   * readings/s took 1.6 cores. A full batch (a backlog) is followed at once. 0 = read as soon as
   * the previous batch is handed off. Default 100.
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

interface Refusal {
  /** Index of the refused line in the batch. */
  readonly index: number;
  readonly message: string;
}

type StreamEntries = [id: string, fields: string[] | null][];

interface Batch {
  readonly ids: string[];
  readonly records: JournalRecord[];
  readonly lines: string[];
}

export class InfluxWriter {
  private readonly group: string;
  private readonly consumer: string;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly minBatchIntervalMs: number;
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
  /** Set by stop({ drainUntil }): read without blocking and end once nothing is left to read. */
  private drainUntil: number | undefined;
  /** Resolves when the writer is halted: a read still pending then is abandoned, not awaited. */
  private halted: Promise<void> = Promise.resolve();
  private halt: () => void = () => undefined;
  /**
   * Entries to read at once. Starts low (an entry may hold up to the journal's maxBatch
   * publishes, e.g. a backlog after a crash) and follows the publishes per entry seen.
   */
  private readCount = 16;
  private readonly counters = { written: 0, entries: 0, publishes: 0, batches: 0, retries: 0, refused: 0 };

  constructor(private readonly options: InfluxWriterOptions) {
    this.group = options.group ?? 'influx-writer';
    this.consumer = options.consumer ?? os.hostname();
    this.batchSize = options.batchSize ?? 5000;
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.minBatchIntervalMs = options.minBatchIntervalMs ?? 100;
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
    this.drainUntil = undefined;
    this.halted = new Promise<void>((resolve) => (this.halt = resolve));
    await this.createGroup();
    await this.forgetIdleConsumers();
    const reader = this.options.connector
      ? this.options.connector.connect('writer')
      : this.options.redisUrl
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

  /**
   * Stops reading, finishes the batch in flight (or leaves it pending if InfluxDB is down) and
   * returns. With `drainUntil` (epoch ms) it first writes everything it can read from the journal
   * — new entries and its own pending ones — until nothing is left or that time comes: the
   * shutdown of a process whose broker has already stopped accepting.
   */
  async stop(options: { drainUntil?: number } = {}): Promise<void> {
    if (this.loop && !this.stopping && options.drainUntil !== undefined && options.drainUntil > Date.now()) {
      this.drainUntil = options.drainUntil;
      this.wake?.();
      const timer = setTimeout(() => this.halting(), options.drainUntil - Date.now());
      await this.loop;
      clearTimeout(timer);
    }
    this.halting();
    await this.loop;
    this.loop = undefined;
    this.reader = undefined;
  }

  private halting(): void {
    this.stopping = true;
    this.wake?.();
    // A read pending on a reconnecting client never settles (ioredis keeps it queued): the loop
    // stops waiting for it, and the disconnect ends a blocking read. Entries it had already been
    // handed stay pending for this consumer (same WORKER_ID) and are re-processed at the next start.
    this.halt();
    this.reader?.disconnect();
  }

  /** Deletes the group's other consumers that own nothing and have been idle for forgetIdleMs. */
  private async forgetIdleConsumers(): Promise<void> {
    const idle = this.options.forgetIdleMs ?? this.claimIdleMs * 10;
    try {
      const forgotten = await forgetIdleConsumers(this.options.redis, this.key, this.group, this.consumer, idle);
      if (forgotten > 0) this.options.logger.info({ forgotten }, 'deleted idle consumers without pending entries from the journal group');
    } catch (error) {
      this.options.logger.debug({ err: error }, 'could not prune idle journal consumers');
    }
  }

  async stats(): Promise<InfluxWriterStats> {
    const [count, entries, oldest] = await Promise.all([
      this.options.redis.get(unwrittenKey(this.key)),
      this.options.redis.xlen(this.key),
      this.options.redis.xrange(this.key, '-', '+', 'COUNT', 1),
    ]);
    const pending = entries === 0 ? 0 : Number(count ?? 0);
    const first = oldest[0]?.[0];
    const lagMs = first ? Math.max(0, Date.now() - Number(first.split('-')[0])) : 0;
    return { ...this.counters, pending, lagMs };
  }

  private async run(): Promise<void> {
    let failures = 0;
    // Batches whose InfluxDB write (and then ack) is still in flight. The next batch is read
    // while they are written: at most `maxInFlight` at a time. Hand-offs to detection stay
    // strictly in batch order (each is awaited before the next batch is read), so one asset's
    // readings reach detection in the order they were journalled.
    const inFlight = new Set<Promise<void>>();
    const maxInFlight = this.options.maxInFlight ?? 2;
    let lastReadAt = 0;
    let lastFull = false;
    while (!this.stopping) {
      try {
        while (inFlight.size >= maxInFlight && !this.stopping) await Promise.race(inFlight);
        const gather = lastFull || this.drainUntil !== undefined ? 0 : lastReadAt + this.minBatchIntervalMs - Date.now();
        if (gather > 0 && !this.stopping) await this.sleep(gather);
        if (this.stopping) break;
        lastReadAt = Date.now();
        const entries = await Promise.race([this.nextEntries(), this.halted.then((): StreamEntries => [])]);
        if (this.stopping) break;
        lastFull = entries.length >= this.readCount;
        if (entries.length === 0 && this.drainUntil !== undefined && !this.readOwnPending) {
          // Draining and nothing left to read: finish what is being written, then end (unless
          // an acknowledgement failed and its entries must be read again).
          await Promise.allSettled([...inFlight]);
          if (!this.readOwnPending) break;
          continue;
        }
        if (entries.length > 0) {
          const batch = this.prepare(entries);
          const handedOff = this.handOff(batch);
          const written: Promise<void> = this.writeAndAck(batch, handedOff)
            .catch((error: unknown) => {
              if (this.stopping) return;
              // Redis trouble while acknowledging: the entries stay pending; re-read them.
              this.readOwnPending = true;
              this.options.logger.error({ err: error }, 'acknowledging a journal batch failed; it is re-read');
            })
            .finally(() => inFlight.delete(written));
          inFlight.add(written);
          await handedOff;
        }
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        // Redis trouble (InfluxDB trouble is retried inside writeAndAck()): what was read stays
        // pending; re-read our own pending entries once Redis is back.
        failures++;
        this.readOwnPending = true;
        if (failures === 1) this.options.logger.error({ err: error }, 'telemetry journal read failed; retrying');
        await this.sleep(this.backoff(failures));
        // The stream (and with it the group) was deleted, e.g. by FLUSHALL: start over.
        if (error instanceof Error && error.message.includes('NOGROUP')) await this.createGroup().catch(() => undefined);
      }
    }
    await Promise.allSettled([...inFlight]);
  }

  /** Own pending entries first, then entries abandoned by dead consumers, then new ones. */
  private async nextEntries(): Promise<StreamEntries> {
    const reader = this.reader!;
    if (this.readOwnPending) {
      const own = await reader.xreadgroup('GROUP', this.group, this.consumer, 'COUNT', this.readCount, 'STREAMS', this.key, '0');
      const entries = entriesOf(own);
      if (entries.length > 0) return entries;
      this.readOwnPending = false;
    }
    if (Date.now() >= this.nextClaimAt) {
      const [cursor, claimed] = (await reader.xautoclaim(this.key, this.group, this.consumer, this.claimIdleMs, this.claimCursor, 'COUNT', this.readCount)) as [
        string,
        StreamEntries,
      ];
      this.claimCursor = cursor;
      if (cursor === '0-0') {
        this.nextClaimAt = Date.now() + this.claimIntervalMs;
        await this.forgetIdleConsumers();
      }
      if (claimed.length > 0) {
        this.options.logger.info({ count: claimed.length, consumer: this.consumer }, 'took over telemetry journal entries from an idle consumer');
        return claimed;
      }
    }
    // Draining: no BLOCK, so an empty journal ends the drain at once.
    const fresh = this.drainUntil !== undefined
      ? await reader.xreadgroup('GROUP', this.group, this.consumer, 'COUNT', this.readCount, 'STREAMS', this.key, '>')
      : await reader.xreadgroup(
          'GROUP', this.group, this.consumer,
          'COUNT', this.readCount,
          'BLOCK', this.flushIntervalMs,
          'STREAMS', this.key, '>',
        );
    return entriesOf(fresh);
  }

  private prepare(entries: StreamEntries): Batch {
    const ids = entries.map(([id]) => id);
    const records = entries.map(([id, fields]) => TelemetryJournal.parse(id, fields)).filter((r): r is JournalRecord => r !== undefined);
    // One flat array of lines (no object per line): attribution is only needed for the rare
    // refused line and is found from the line's index.
    const lines: string[] = [];
    for (const record of records) for (const line of record.lines) lines.push(line);
    return { ids, records, lines };
  }

  /** Hands the batch to detection (onWritten), retried until it works or the writer stops. */
  private async handOff(batch: Batch): Promise<void> {
    if (!this.options.onWritten) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.onWritten(batch.records);
        return;
      } catch (error) {
        this.counters.retries++;
        if (attempt === 1) this.options.logger.warn({ err: error, entries: batch.ids.length }, 'handing a journal batch to detection failed; retrying');
        if (this.stopping) throw error; // left pending: re-processed at the next start
        await this.keepOwnership(batch.ids);
        await this.sleep(this.backoff(attempt));
      }
    }
  }

  /** Writes the batch to InfluxDB (retried while it is down), then — once detection has it too — acknowledges it. */
  private async writeAndAck(batch: Batch, handedOff: Promise<void>): Promise<void> {
    const { ids, records, lines } = batch;
    let refused: Refusal[];
    this.ownershipRefreshedAt = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        refused = await this.writeAll(lines);
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
    // Not acknowledged before detection has it: a crash in between re-delivers the batch.
    try {
      await handedOff;
    } catch {
      return; // stopping: left pending
    }
    if (this.outageSince !== undefined) {
      this.options.logger.info({ downMs: Date.now() - this.outageSince }, 'journal batches are being written again');
      this.outageSince = undefined;
    }
    for (const { index, message } of refused) {
      const source = lineSource(lines[index]!);
      await this.options.rejections.record({
        deviceId: source?.deviceId ?? '',
        assetId: source?.assetId || undefined,
        reason: 'influx_refused',
        detail: message,
        topic: `devices/${source?.deviceId ?? ''}/${source?.channel ?? 'telemetry'}`,
        payloadSample: lines[index]!,
      });
    }
    // XACK + XDEL + the unwritten count, atomically: only now does an entry leave Redis.
    await this.options.redis.eval(ACK_SCRIPT, 2, this.key, unwrittenKey(this.key), this.group, ...ids);
    this.counters.written += lines.length - refused.length;
    this.counters.refused += refused.length;
    this.counters.entries += ids.length;
    this.counters.publishes += records.reduce((n, r) => n + r.publishes, 0);
    this.counters.batches++;
    const perEntry = records.length ? records.reduce((n, r) => n + r.publishes, 0) / records.length : 1;
    this.readCount = Math.max(1, Math.min(this.batchSize, Math.floor(this.batchSize / perEntry)));
  }

  /** Writes every line, request by request; returns the lines InfluxDB refused. Throws if InfluxDB is unavailable. */
  private async writeAll(lines: readonly string[]): Promise<Refusal[]> {
    const refused: Refusal[] = [];
    let start = 0;
    while (start < lines.length) {
      let end = start;
      let bytes = 0;
      while (end < lines.length && end - start < this.maxLines && (end === start || bytes + lines[end]!.length < this.maxBytes)) {
        bytes += lines[end]!.length + 1;
        end++;
      }
      await this.bisect(lines, start, end, refused);
      start = end;
    }
    return refused;
  }

  /** Sends lines[start, end); on a refusal splits them in halves until each refused line stands alone. */
  private async bisect(lines: readonly string[], start: number, end: number, refused: Refusal[]): Promise<void> {
    try {
      await this.send(start === 0 && end === lines.length ? lines : lines.slice(start, end));
    } catch (error) {
      if (!(error instanceof InfluxRefusedError)) throw error;
      if (end - start === 1) {
        refused.push({ index: start, message: error.message });
        return;
      }
      const half = start + Math.ceil((end - start) / 2);
      await this.bisect(lines, start, half, refused);
      await this.bisect(lines, half, end, refused);
    }
  }

  private async send(lines: readonly string[]): Promise<void> {
    // writeRecords + flush in the same tick: flush() takes exactly these lines, so concurrent
    // users of the WriteApi cannot mix batches, and it resolves only on InfluxDB's 204.
    this.api.writeRecords(lines as string[]);
    const started = performance.now();
    try {
      await this.api.flush();
      this.options.onWriteRequest?.((performance.now() - started) / 1000, 'ok');
    } catch (error) {
      const mapped = toInfluxError(error);
      this.options.onWriteRequest?.((performance.now() - started) / 1000, mapped instanceof InfluxRefusedError ? 'refused' : 'error');
      throw mapped;
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
