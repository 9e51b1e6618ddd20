/**
 * Moves the journal into InfluxDB. Reads it through the journal's JournalReader (a consumer
 * group; new entries wait up to flushIntervalMs), writes each batch, and only then acknowledges
 * it, so an entry leaves Redis only once InfluxDB answered 204 for it (or refused it, see
 * below). An entry is one group commit of the journal (one or many publishes): the entries read
 * at once are chosen from the publishes per entry seen so far, so that a batch holds about
 * batchSize publishes.
 *
 * - InfluxDB unreachable, 5xx, 429, auth or missing database: the batch stays pending and is
 *   retried with exponential backoff (p-retry, capped, default 5 s), one log line per outage.
 *   Nothing is dropped; the journal's backpressure refuses new publishes if the outage lasts.
 * - 400/413 (a line InfluxDB will never take): the batch is bisected until the refused lines
 *   are isolated; the rest is written, each refused line goes to the rejection log
 *   (influx_refused, with InfluxDB's message) and is then acknowledged.
 * - On start the consumer first re-processes its own pending entries (a restart after
 *   SIGKILL); periodically it takes over entries idle longer than claimIdleMs from consumers
 *   that died. Writes are idempotent in InfluxDB (same series and timestamp overwrite), so
 *   delivering an entry twice is harmless: delivery is at-least-once, never at-most-once.
 */
import os from 'node:os';
import { retry, type RetryOptions } from '../../kernel/retry.js';
import { RedisJournalReader, type JournalRead, type JournalReader } from '../journal/journal-reader.js';
import { lineSource, type JournalRecord } from '../journal/telemetry-journal.js';
import { InfluxLineSender, type Refusal } from './influx-line.sender.js';
import type { InfluxWriterOptions, InfluxWriterStats } from './influx-writer.options.js';

export type { InfluxWriterOptions, InfluxWriterStats } from './influx-writer.options.js';

interface Batch {
  readonly ids: readonly string[];
  readonly records: readonly JournalRecord[];
  readonly lines: string[];
}

const NOTHING_READ: JournalRead = { ids: [], records: [] };

export class InfluxWriter {
  private readonly group: string;
  private readonly consumer: string;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly minBatchIntervalMs: number;
  private readonly claimIdleMs: number;
  private readonly claimIntervalMs: number;
  private readonly sender: InfluxLineSender;
  private journal: JournalReader | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  /** Aborted by stop(): ends the backoff delays of the batches being retried. */
  private abort = new AbortController();
  private readOwnPending = true;
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
    this.sender = new InfluxLineSender(options.influx, {
      maxLinesPerRequest: options.maxLinesPerRequest ?? 10_000,
      maxBytesPerRequest: options.maxBytesPerRequest ?? 8 * 1024 * 1024,
      ...(options.onWriteRequest ? { onWriteRequest: options.onWriteRequest } : {}),
    });
  }

  /** Creates the consumer group if needed and starts consuming in the background. */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    this.readOwnPending = true;
    this.nextClaimAt = 0;
    this.drainUntil = undefined;
    this.abort = new AbortController();
    this.halted = new Promise<void>((resolve) => (this.halt = resolve));
    const { redis, redisUrl, connector, prefix } = this.options;
    const journal = new RedisJournalReader({
      redis,
      prefix,
      group: this.group,
      consumer: this.consumer,
      ...(redisUrl ? { redisUrl } : {}),
      ...(connector ? { connector } : {}),
    });
    await journal.ensureGroup();
    this.journal = journal;
    await this.forgetIdleConsumers();
    this.loop = this.run();
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
    this.journal = undefined;
  }

  private halting(): void {
    this.stopping = true;
    this.wake?.();
    // A read pending on a reconnecting client never settles (ioredis keeps it queued): the loop
    // stops waiting for it, and the disconnect ends a blocking read. Entries it had already been
    // handed stay pending for this consumer (same WORKER_ID) and are re-processed at the next start.
    this.halt();
    this.abort.abort();
    this.journal?.close();
  }

  /** Deletes the group's other consumers that own nothing and have been idle for forgetIdleMs. */
  private async forgetIdleConsumers(): Promise<void> {
    const idle = this.options.forgetIdleMs ?? this.claimIdleMs * 10;
    try {
      const forgotten = (await this.journal?.forgetIdleConsumers(idle)) ?? 0;
      if (forgotten > 0) this.options.logger.info({ forgotten }, 'deleted idle consumers without pending entries from the journal group');
    } catch (error) {
      this.options.logger.debug({ err: error }, 'could not prune idle journal consumers');
    }
  }

  async stats(): Promise<InfluxWriterStats> {
    const { pending, oldestAgeMs } = await (this.journal ?? this.idleJournal()).backlog();
    return { ...this.counters, pending, lagMs: oldestAgeMs };
  }

  /** A reader for stats while stopped; it never opens a connection of its own. */
  private idleJournal(): JournalReader {
    return new RedisJournalReader({ redis: this.options.redis, prefix: this.options.prefix, group: this.group, consumer: this.consumer });
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
        const read = await Promise.race([this.nextEntries(), this.halted.then(() => NOTHING_READ)]);
        if (this.stopping) break;
        lastFull = read.ids.length >= this.readCount;
        if (read.ids.length === 0 && this.drainUntil !== undefined && !this.readOwnPending) {
          // Draining and nothing left to read: finish what is being written, then end (unless
          // an acknowledgement failed and its entries must be read again).
          await Promise.allSettled([...inFlight]);
          if (!this.readOwnPending) break;
          continue;
        }
        if (read.ids.length > 0) {
          const batch = prepare(read);
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
        if (error instanceof Error && error.message.includes('NOGROUP')) await this.journal?.ensureGroup().catch(() => undefined);
      }
    }
    await Promise.allSettled([...inFlight]);
  }

  /** Own pending entries first, then entries abandoned by dead consumers, then new ones. */
  private async nextEntries(): Promise<JournalRead> {
    const journal = this.journal!;
    if (this.readOwnPending) {
      const own = await journal.readOwnPending(this.readCount);
      if (own.ids.length > 0) return own;
      this.readOwnPending = false;
    }
    if (Date.now() >= this.nextClaimAt) {
      const claimed = await journal.claimStale(this.claimIdleMs, this.readCount);
      if (claimed.scanned) {
        this.nextClaimAt = Date.now() + this.claimIntervalMs;
        await this.forgetIdleConsumers();
      }
      if (claimed.ids.length > 0) {
        this.options.logger.info({ count: claimed.ids.length, consumer: this.consumer }, 'took over telemetry journal entries from an idle consumer');
        return claimed;
      }
    }
    // Draining: no wait, so an empty journal ends the drain at once.
    return journal.readNew(this.readCount, this.drainUntil !== undefined ? undefined : this.flushIntervalMs);
  }

  /** Backoff of a batch's retries (p-retry, with jitter); stop() ends a pending delay. */
  private retryOptions(ids: readonly string[], onFailure: (error: unknown, attempt: number) => void): RetryOptions {
    return {
      minDelayMs: this.options.retryMinMs ?? 100,
      maxDelayMs: this.options.retryMaxMs ?? 5000,
      jitter: true,
      signal: this.abort.signal,
      onFailedAttempt: async (error, attempt) => {
        this.counters.retries++;
        onFailure(error, attempt);
        if (!this.stopping) await this.keepOwnership(ids); // else left pending: re-processed at the next start
      },
      shouldRetry: () => !this.stopping,
    };
  }

  /** Hands the batch to detection (onWritten), retried until it works or the writer stops. */
  private async handOff(batch: Batch): Promise<void> {
    const onWritten = this.options.onWritten;
    if (!onWritten) return;
    await retry(
      () => onWritten(batch.records),
      this.retryOptions(batch.ids, (error, attempt) => {
        if (attempt === 1) this.options.logger.warn({ err: error, entries: batch.ids.length }, 'handing a journal batch to detection failed; retrying');
      }),
    );
  }

  /** Writes the batch to InfluxDB (retried while it is down), then — once detection has it too — acknowledges it. */
  private async writeAndAck(batch: Batch, handedOff: Promise<void>): Promise<void> {
    const { ids, records, lines } = batch;
    let refused: Refusal[];
    this.ownershipRefreshedAt = Date.now();
    try {
      refused = await retry(
        () => this.sender.writeAll(lines),
        this.retryOptions(ids, (error) => {
          if (this.outageSince !== undefined) return;
          this.outageSince = Date.now();
          this.options.logger.warn({ err: error, entries: ids.length }, 'writing a journal batch failed; its entries stay in the journal and are retried');
        }),
      );
    } catch (error) {
      if (this.stopping) return; // left pending: re-processed at the next start
      throw error;
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
    // Only now does an entry leave Redis (acknowledged, deleted and uncounted atomically).
    await this.journal!.acknowledge(ids);
    this.counters.written += lines.length - refused.length;
    this.counters.refused += refused.length;
    this.counters.entries += ids.length;
    this.counters.publishes += records.reduce((n, r) => n + r.publishes, 0);
    this.counters.batches++;
    const perEntry = records.length ? records.reduce((n, r) => n + r.publishes, 0) / records.length : 1;
    this.readCount = Math.max(1, Math.min(this.batchSize, Math.floor(this.batchSize / perEntry)));
  }

  /** During a long outage, reset the idle time of our pending entries so live peers do not claim them. */
  private async keepOwnership(ids: readonly string[]): Promise<void> {
    if (Date.now() - this.ownershipRefreshedAt < this.claimIdleMs / 3) return;
    this.ownershipRefreshedAt = Date.now();
    await this.journal?.keepOwnership(ids).catch(() => undefined);
  }

  /**
   * Delay after the `attempt`-th failed journal read in a row (exponential, capped, ±20 % jitter).
   * Not p-retry: the failed read is not repeated as such; the loop goes round again and reads
   * whatever is due then (its own pending entries first).
   */
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

/** One flat array of lines (no object per line): a refused line is attributed from its index. */
function prepare(read: JournalRead): Batch {
  const lines: string[] = [];
  for (const record of read.records) for (const line of record.lines) lines.push(line);
  return { ids: read.ids, records: read.records, lines };
}
