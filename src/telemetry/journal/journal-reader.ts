/**
 * How a consumer (the InfluxWriter) reads the journal: a consumer group on the journal's stream,
 * read in three ways (its own pending entries after a restart, entries abandoned by dead
 * consumers, new entries) and acknowledged by the journal's ack script, which deletes the entries
 * and lowers the unwritten count atomically. The consumer sees entries (ids and parsed records)
 * and never the stream's keys.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { RedisConnector } from '../../kernel/redis.js';
import { forgetIdleConsumers } from './journal-consumers.js';
import { journalBacklog, journalKey, TelemetryJournal, unwrittenKey, type JournalRecord } from './telemetry-journal.js';

/** XACK + XDEL + the unwritten count (see the script for its keys and arguments). */
const ACK_SCRIPT = readFileSync(new URL('./journal-ack.lua', import.meta.url), 'utf8');

/** Entries read at once: every id (to acknowledge) and the records of those not deleted meanwhile. */
export interface JournalRead {
  readonly ids: readonly string[];
  readonly records: readonly JournalRecord[];
}

export interface JournalBacklog {
  /** Unwritten publishes (read or not). */
  readonly pending: number;
  /** Age of the oldest unwritten entry, ms (0 when none). */
  readonly oldestAgeMs: number;
}

/** What a journal consumer may do. One reader per consumer and start: close() ends it. */
export interface JournalReader {
  /** Creates the consumer group if it does not exist (again, e.g. after FLUSHALL). */
  ensureGroup(): Promise<void>;
  /** Entries delivered to this consumer and not acknowledged (a restart after a crash), oldest first. */
  readOwnPending(count: number): Promise<JournalRead>;
  /**
   * Takes over entries other consumers left pending for at least `minIdleMs`, scanning the
   * group's pending list `count` at a time; `scanned` is true once a pass reached its end.
   */
  claimStale(minIdleMs: number, count: number): Promise<JournalRead & { scanned: boolean }>;
  /** New entries; waits up to `blockMs` for one (no wait when undefined). */
  readNew(count: number, blockMs?: number): Promise<JournalRead>;
  /** Acknowledges and deletes entries; resolves with the publishes they held (each entry counted once). */
  acknowledge(ids: readonly string[]): Promise<number>;
  /** Resets the idle time of entries this consumer holds, so that live peers do not claim them. */
  keepOwnership(ids: readonly string[]): Promise<void>;
  /** Deletes the group's other consumers that own nothing and have been idle `minIdleMs`; returns how many. */
  forgetIdleConsumers(minIdleMs: number): Promise<number>;
  backlog(): Promise<JournalBacklog>;
  /** Disconnects the reading connection: a blocking read in progress ends. */
  close(): void;
}

export interface RedisJournalReaderOptions {
  /** A connection for acknowledgements and stats (not closed by close()). */
  readonly redis: Redis;
  /** URL for the reader's own blocking connection. Default: a duplicate of `redis`. */
  readonly redisUrl?: string;
  /** Makes the blocking connection instead (the platform's outage-logging factory). */
  readonly connector?: RedisConnector;
  /** Prefix of the Redis keys (REDIS_PREFIX). */
  readonly prefix: string;
  readonly group: string;
  /** Consumer name, unique per process. */
  readonly consumer: string;
}

type StreamEntries = [id: string, fields: string[] | null][];

export class RedisJournalReader implements JournalReader {
  private readonly key: string;
  private reader: Redis | undefined;
  private closed = false;
  private claimCursor = '0-0';

  constructor(private readonly options: RedisJournalReaderOptions) {
    this.key = journalKey(options.prefix);
  }

  async ensureGroup(): Promise<void> {
    try {
      await this.options.redis.xgroup('CREATE', this.key, this.options.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.includes('BUSYGROUP'))) throw error;
    }
  }

  async readOwnPending(count: number): Promise<JournalRead> {
    const { group, consumer } = this.options;
    return toRead(entriesOf(await this.blocking().xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', this.key, '0')));
  }

  async claimStale(minIdleMs: number, count: number): Promise<JournalRead & { scanned: boolean }> {
    const { group, consumer } = this.options;
    const [cursor, claimed] = (await this.blocking().xautoclaim(this.key, group, consumer, minIdleMs, this.claimCursor, 'COUNT', count)) as [
      string,
      StreamEntries,
    ];
    this.claimCursor = cursor;
    return { ...toRead(claimed), scanned: cursor === '0-0' };
  }

  async readNew(count: number, blockMs?: number): Promise<JournalRead> {
    const { group, consumer } = this.options;
    const reply =
      blockMs === undefined
        ? await this.blocking().xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', this.key, '>')
        : await this.blocking().xreadgroup('GROUP', group, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.key, '>');
    return toRead(entriesOf(reply));
  }

  async acknowledge(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return Number(await this.options.redis.eval(ACK_SCRIPT, 2, this.key, unwrittenKey(this.key), this.options.group, ...ids));
  }

  async keepOwnership(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.options.redis.xclaim(this.key, this.options.group, this.options.consumer, 0, ...ids, 'JUSTID');
  }

  forgetIdleConsumers(minIdleMs: number): Promise<number> {
    return forgetIdleConsumers(this.options.redis, this.key, this.options.group, this.options.consumer, minIdleMs);
  }

  backlog(): Promise<JournalBacklog> {
    return journalBacklog(this.options.redis, this.options.prefix);
  }

  close(): void {
    this.closed = true;
    this.reader?.disconnect();
  }

  /** The reading connection (XREADGROUP BLOCK holds it), made on first use. */
  private blocking(): Redis {
    if (this.reader) return this.reader;
    if (this.closed) throw new Error('journal reader closed');
    const { connector, redisUrl, redis } = this.options;
    const reader = connector ? connector.connect('writer') : redisUrl ? new Redis(redisUrl, { connectionName: 'telemend-writer' }) : redis.duplicate();
    reader.on('error', () => undefined); // reconnects by itself; the consumer retries failed reads
    this.reader = reader;
    return reader;
  }
}

function entriesOf(reply: unknown): StreamEntries {
  const streams = reply as [key: string, entries: StreamEntries][] | null;
  return streams?.[0]?.[1] ?? [];
}

function toRead(entries: StreamEntries): JournalRead {
  const ids: string[] = [];
  const records: JournalRecord[] = [];
  for (const [id, fields] of entries) {
    ids.push(id);
    const record = TelemetryJournal.parse(id, fields);
    if (record) records.push(record);
  }
  return { ids, records };
}
