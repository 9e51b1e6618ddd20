/**
 * The durable hand-off between MQTT and InfluxDB: a Redis stream `${prefix}:journal:telemetry`.
 * `append()` resolves once Redis holds the publish, and only then does the broker acknowledge
 * it. The InfluxWriter consumes the stream through a JournalReader (journal-reader.ts: consumer
 * group, acknowledgement) and has entries deleted once InfluxDB has them. Nothing outside this
 * folder touches the journal's keys or scripts.
 *
 * Group commit: the appends made during one turn of the event loop (at most maxBatch) are
 * written as ONE stream entry by one script call, and all their promises resolve when Redis
 * answers. One XADD per publish cost more CPU (ioredis commands, Lua calls, Redis itself on
 * the same cores) than everything else in ingest together; a batch costs about what a single
 * publish did. Durability is unchanged: a promise resolves only after Redis has its entry.
 *
 * Entry fields (all strings):
 *   p     publishes in the entry
 *   lp    line protocol of every publish, one line per reading/event, '\n'-separated (ms timestamps)
 * The line protocol is the only copy: it carries the device identity as tags (asset, customer,
 * device, model, site), the measurement says the channel (telemetry, events), and the fields
 * and timestamp are the reading. Consumers other than InfluxDB (detection) read it back with
 * parseLine(). A second, JSON copy of each publish cost a third of ingest's CPU in string
 * building and doubled the bytes sent to Redis.
 *
 * Unwritten publishes are counted in `${key}:unwritten` (appends add, the writer's ack
 * subtracts, both atomically with the stream change), so maxUnwritten and length() are in
 * publishes whatever the batching was.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { DeviceIdentity } from '../devices/devices.types.js';
import type { IngestChannel } from '../ingest/ingest.types.js';
import type { Logger } from '../../kernel/logger.js';
import { closeRedis, type RedisConnector } from '../../kernel/redis.js';
import { JournalFullError } from '../ingest/ingest.errors.js';
import type { DeviceEvent, TelemetryReading } from '../ingest/telemetry.validator.js';
import { EVENTS_MEASUREMENT, TAGS } from '../ingest/line-protocol.js';

export interface JournalEntry {
  readonly device: DeviceIdentity;
  readonly channel: IngestChannel;
  readonly lines: readonly string[];
  readonly items: readonly TelemetryReading[] | readonly DeviceEvent[];
}

/** An entry as read back from the stream. */
export interface JournalRecord {
  readonly id: string;
  /** Publishes in the entry (several when they were group-committed). */
  readonly publishes: number;
  readonly lines: string[];
}

/** Where a journal line came from. */
export interface LineSource {
  readonly channel: IngestChannel;
  readonly deviceId: string;
  readonly assetId: string;
}

export interface TelemetryJournalOptions {
  /** Prefix of the Redis keys (REDIS_PREFIX). */
  readonly prefix: string;
  /** Redis URL: the journal opens its own connection from it (see createJournalRedis). */
  readonly redisUrl?: string;
  /** Or an existing connection (not closed by close()); preferably one made by createJournalRedis. */
  readonly redis?: Redis;
  /**
   * Most unwritten publishes before append() rejects with JournalFullError. Default 500000.
   * A group commit is admitted whole while the count is below the limit, so the journal may
   * exceed it by at most maxBatch publishes.
   */
  readonly maxUnwritten?: number;
  /** Most publishes in one group commit. Default 1000. */
  readonly maxBatch?: number;
  /** An append not answered by Redis within this many ms rejects. Default 5000. */
  readonly commandTimeoutMs?: number;
  readonly logger?: Logger;
  /** Makes the journal's own connection (the platform's outage-logging factory). */
  readonly connector?: RedisConnector;
}

/** Count check, XADD and count update in one atomic round trip (see the script for its keys and arguments). */
const APPEND_SCRIPT = readFileSync(new URL('./journal-append.lua', import.meta.url), 'utf8');

type JournalRedis = Redis & {
  telemendJournalAppend(key: string, counter: string, ...args: string[]): Promise<string>;
};

/** The journal's stream key for a Redis prefix. */
export function journalKey(prefix: string): string {
  return `${prefix}:journal:telemetry`;
}

/** The key counting unwritten publishes of a journal stream key. */
export function unwrittenKey(streamKey: string): string {
  return `${streamKey}:unwritten`;
}

/** Unwritten publishes and the age of the oldest stream entry (its id is its append time), for monitoring. */
export async function journalBacklog(redis: Redis, prefix: string, now = Date.now()): Promise<{ pending: number; oldestAgeMs: number }> {
  const key = journalKey(prefix);
  const [count, entries, oldest] = await Promise.all([redis.get(unwrittenKey(key)), redis.xlen(key), redis.xrange(key, '-', '+', 'COUNT', 1)]);
  const first = oldest[0]?.[0];
  return { pending: entries === 0 ? 0 : Number(count ?? 0), oldestAgeMs: first ? Math.max(0, now - Number(first.split('-')[0])) : 0 };
}

/**
 * A dedicated connection for the journal: auto-pipelined (many concurrent appends share round
 * trips) and with a command timeout that also covers commands queued while Redis is away, so
 * an append fails within the timeout (the broker then refuses the publish) instead of hanging.
 */
export function createJournalRedis(url: string, options: { commandTimeoutMs?: number; logger?: Logger; connector?: RedisConnector } = {}): Redis {
  const redisOptions = { enableAutoPipelining: true, maxRetriesPerRequest: 1, commandTimeout: options.commandTimeoutMs ?? 5000 };
  if (options.connector) return options.connector.connect('journal', redisOptions);
  const redis = new Redis(url, { ...redisOptions, connectionName: 'telemend-journal' });
  redis.on('error', (error) => options.logger?.debug({ err: error }, 'journal redis connection error'));
  return redis;
}

/** The group commit being gathered: its publishes and the one promise they all share. */
interface Batch {
  readonly lines: string[];
  publishes: number;
  readonly done: Promise<string>;
  resolve(id: string): void;
  reject(error: unknown): void;
}

function newBatch(): Batch {
  let resolve!: (id: string) => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { lines: [], publishes: 0, done, resolve, reject };
}

export class TelemetryJournal {
  readonly key: string;
  readonly maxUnwritten: number;
  private readonly counterKey: string;
  private readonly maxBatch: number;
  private readonly redis: JournalRedis;
  private readonly owned: boolean;
  private batch: Batch | undefined;
  private scheduled: NodeJS.Immediate | undefined;

  constructor(options: TelemetryJournalOptions) {
    this.key = journalKey(options.prefix);
    this.counterKey = unwrittenKey(this.key);
    this.maxUnwritten = options.maxUnwritten ?? 500_000;
    this.maxBatch = options.maxBatch ?? 1000;
    let redis = options.redis;
    this.owned = !redis;
    if (!redis) {
      if (!options.redisUrl) throw new TypeError('TelemetryJournal needs redisUrl or redis');
      redis = createJournalRedis(options.redisUrl, options);
    }
    if (!('telemendJournalAppend' in redis)) redis.defineCommand('telemendJournalAppend', { numberOfKeys: 2, lua: APPEND_SCRIPT });
    this.redis = redis as JournalRedis;
  }

  /**
   * Appends one publish; resolves with the id of the stream entry holding it once Redis has
   * it. Publishes appended in the same event-loop turn share the entry (and the id).
   */
  append(entry: JournalEntry): Promise<string> {
    const batch = (this.batch ??= newBatch());
    for (const line of entry.lines) batch.lines.push(line);
    batch.publishes++;
    if (batch.publishes >= this.maxBatch) this.commit();
    // setImmediate runs after the I/O phase: every publish read from every socket in this
    // turn joins the batch.
    else this.scheduled ??= setImmediate(() => this.commit());
    return batch.done;
  }

  /** Unwritten publishes (read or not). */
  async length(): Promise<number> {
    const [count, entries] = await Promise.all([this.redis.get(this.counterKey), this.redis.xlen(this.key)]);
    return entries === 0 ? 0 : Number(count ?? 0);
  }

  /** Commits what is gathered, then closes the journal's own connection (not one passed in). */
  async close(): Promise<void> {
    this.commit();
    if (this.owned) await closeRedis(this.redis, 2000);
  }

  private commit(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    const lp = batch.lines.join('\n');
    this.redis
      .telemendJournalAppend(this.key, this.counterKey, String(this.maxUnwritten), String(batch.publishes), lp)
      .then(batch.resolve, (error: unknown) => {
        batch.reject(
          error instanceof Error && error.message.startsWith('JOURNALFULL')
            ? new JournalFullError(Number(error.message.split(' ')[1]), this.maxUnwritten)
            : error,
        );
      });
  }

  /** Parses an entry as returned by XREADGROUP/XAUTOCLAIM; undefined when it was deleted. */
  static parse(id: string, fields: string[] | null | undefined): JournalRecord | undefined {
    if (!fields) return undefined;
    let lp = '';
    let publishes = 1;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = fields[i];
      if (name === 'lp') lp = fields[i + 1]!;
      else if (name === 'p') publishes = Number(fields[i + 1]) || 1;
    }
    return { id, publishes, lines: lp === '' ? [] : lp.split('\n') };
  }
}

/** Where a journal line came from: its measurement (the channel) and its device and asset tags. */
export function lineSource(line: string): LineSource | undefined {
  const parsed = parseLine(line);
  if (!parsed) return undefined;
  return {
    channel: parsed.measurement === EVENTS_MEASUREMENT ? 'events' : 'telemetry',
    deviceId: parsed.tags[TAGS.device] ?? '',
    assetId: parsed.tags[TAGS.asset] ?? '',
  };
}

/** A journal line read back: measurement, tags, fields (numbers or strings) and the ms timestamp. */
export interface ParsedLine {
  readonly measurement: string;
  readonly tags: Record<string, string>;
  readonly fields: Record<string, number | string>;
  readonly ts: number;
}

/**
 * Parses one line written by line-protocol.ts (escaped `\\`, `,`, `=` and space in names and
 * tag values; double-quoted string fields with `\\` and `"` escaped). Undefined if malformed.
 */
export function parseLine(line: string): ParsedLine | undefined {
  // Fast path — the common telemetry line has no escape and no string field.
  if (line.indexOf('\\') < 0 && line.indexOf('"') < 0) return parsePlainLine(line);
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      current += c + line[++i];
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (c === ' ' && !quoted) {
      tokens.push(current);
      current = '';
    } else current += c;
  }
  tokens.push(current);
  if (tokens.length !== 3) return undefined;
  const [series, fieldSet, time] = tokens as [string, string, string];
  const [measurement, ...tagPairs] = splitUnescaped(series, ',');
  const tags: Record<string, string> = {};
  for (const pair of tagPairs) {
    const [key, value] = splitUnescaped(pair, '=');
    if (key === undefined || value === undefined) return undefined;
    tags[unescape(key)] = unescape(value);
  }
  const fields: Record<string, number | string> = {};
  for (const pair of splitUnescaped(fieldSet, ',')) {
    const eq = indexOfUnescaped(pair, '=');
    if (eq < 0) return undefined;
    const raw = pair.slice(eq + 1);
    fields[unescape(pair.slice(0, eq))] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(["\\])/g, '$1') : Number(raw);
  }
  const ts = Number(time);
  if (!measurement || !Number.isFinite(ts)) return undefined;
  return { measurement: unescape(measurement), tags, fields, ts };
}

/** parseLine for a line without backslashes or quotes (nothing escaped, numeric fields only). */
function parsePlainLine(line: string): ParsedLine | undefined {
  const s1 = line.indexOf(' ');
  const s2 = s1 < 0 ? -1 : line.indexOf(' ', s1 + 1);
  if (s2 < 0 || line.indexOf(' ', s2 + 1) >= 0) return undefined;
  const series = line.slice(0, s1).split(',');
  const measurement = series[0]!;
  const tags: Record<string, string> = {};
  for (let i = 1; i < series.length; i++) {
    const pair = series[i]!;
    const eq = pair.indexOf('=');
    if (eq < 0) return undefined;
    const next = pair.indexOf('=', eq + 1);
    tags[pair.slice(0, eq)] = next < 0 ? pair.slice(eq + 1) : pair.slice(eq + 1, next);
  }
  const fields: Record<string, number | string> = {};
  for (const pair of line.slice(s1 + 1, s2).split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0) return undefined;
    fields[pair.slice(0, eq)] = Number(pair.slice(eq + 1));
  }
  const ts = Number(line.slice(s2 + 1));
  if (!measurement || !Number.isFinite(ts)) return undefined;
  return { measurement, tags, fields, ts };
}

function indexOfUnescaped(s: string, sep: string): number {
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') quoted = !quoted;
    else if (s[i] === sep && !quoted) return i;
  }
  return -1;
}

function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let rest = s;
  for (let i = indexOfUnescaped(rest, sep); i >= 0; i = indexOfUnescaped(rest, sep)) {
    parts.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  parts.push(rest);
  return parts;
}

const unescape = (s: string) => s.replace(/\\(.)/g, '$1');
