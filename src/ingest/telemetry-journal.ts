/**
 * The durable hand-off between MQTT and InfluxDB: a Redis stream `${prefix}:journal:telemetry`.
 * `append()` resolves once Redis holds the publish, and only then does the broker acknowledge
 * it. The InfluxWriter consumes the stream with a consumer group and deletes entries once
 * InfluxDB has them.
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
 *   json  compact JSON array of the publishes, in order, each
 *         {device:{deviceId,assetId,modelId,siteId,customerId},channel,items:[...]}
 *         where items are {ts,metrics} readings or {ts,code,severity,message?} events; the
 *         lines of a publish follow its items one for one (see lineSource()).
 * Entries written before group commit (fields ch, dev, asset, n, lp, json = one object) are
 * still read.
 *
 * Unwritten publishes are counted in `${key}:unwritten` (appends add, the writer's ack
 * subtracts, both atomically with the stream change), so maxUnwritten and length() are in
 * publishes whatever the batching was.
 */
import { Redis } from 'ioredis';
import type { DeviceIdentity } from '../devices/devices.types.js';
import type { IngestChannel } from './ingest.types.js';
import type { Logger } from '../platform/logger.js';
import { JournalFullError } from './ingest.errors.js';
import type { DeviceEvent, TelemetryReading } from './telemetry.validator.js';

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
  /** JSON array of the publishes (see the file comment), for consumers other than InfluxDB. */
  readonly json: string;
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
}

/**
 * Count check, XADD and count update in one atomic round trip. KEYS: stream, counter.
 * ARGV: max, publishes, lp, json. An empty stream means nothing is unwritten, whatever the
 * counter says (e.g. after the stream was deleted): the count is re-based on it.
 */
const APPEND_SCRIPT = `
local n = tonumber(redis.call('GET', KEYS[2]) or '0')
if n ~= 0 and redis.call('XLEN', KEYS[1]) == 0 then n = 0 end
if n >= tonumber(ARGV[1]) then return redis.error_reply('JOURNALFULL ' .. n) end
local id = redis.call('XADD', KEYS[1], '*', 'p', ARGV[2], 'lp', ARGV[3], 'json', ARGV[4])
redis.call('SET', KEYS[2], n + tonumber(ARGV[2]))
return id
`;

/**
 * The writer's acknowledgement: XACK and XDEL each id and subtract the publishes of the
 * entries actually deleted (an entry delivered twice is counted once). KEYS: stream,
 * counter. ARGV: group, ids...
 */
export const ACK_SCRIPT = `
local freed = 0
for i = 2, #ARGV do
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  local e = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  if e[1] and redis.call('XDEL', KEYS[1], ARGV[i]) == 1 then
    local f, p = e[1][2], 1
    for j = 1, #f, 2 do if f[j] == 'p' then p = tonumber(f[j + 1]) end end
    freed = freed + p
  end
end
local left = redis.call('DECRBY', KEYS[2], freed)
if left < 0 or redis.call('XLEN', KEYS[1]) == 0 then redis.call('SET', KEYS[2], 0) end
return freed
`;

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

/**
 * A dedicated connection for the journal: auto-pipelined (many concurrent appends share round
 * trips) and with a command timeout that also covers commands queued while Redis is away, so
 * an append fails within the timeout (the broker then refuses the publish) instead of hanging.
 */
export function createJournalRedis(url: string, options: { commandTimeoutMs?: number; logger?: Logger } = {}): Redis {
  const redis = new Redis(url, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    connectionName: 'telemend-journal',
  });
  redis.on('error', (error) => options.logger?.debug({ err: error }, 'journal redis connection error'));
  return redis;
}

/** The group commit being gathered: its publishes and the one promise they all share. */
interface Batch {
  readonly lines: string[];
  readonly jsons: string[];
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
  return { lines: [], jsons: [], done, resolve, reject };
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
  /** Compact JSON of each device identity (one object per MQTT session), reused per publish. */
  private readonly deviceJson = new WeakMap<DeviceIdentity, string>();

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
    batch.jsons.push(`{"device":${this.deviceJsonOf(entry.device)},"channel":"${entry.channel}","items":${JSON.stringify(entry.items)}}`);
    if (batch.jsons.length >= this.maxBatch) this.commit();
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
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private commit(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    const lp = batch.lines.join('\n');
    const json = `[${batch.jsons.join(',')}]`;
    this.redis.telemendJournalAppend(this.key, this.counterKey, String(this.maxUnwritten), String(batch.jsons.length), lp, json).then(batch.resolve, (error: unknown) => {
      batch.reject(
        error instanceof Error && error.message.startsWith('JOURNALFULL')
          ? new JournalFullError(Number(error.message.split(' ')[1]), this.maxUnwritten)
          : error,
      );
    });
  }

  private deviceJsonOf(d: DeviceIdentity): string {
    let json = this.deviceJson.get(d);
    if (json === undefined) {
      json = JSON.stringify({ deviceId: d.deviceId, assetId: d.assetId, modelId: d.modelId, siteId: d.siteId, customerId: d.customerId });
      this.deviceJson.set(d, json);
    }
    return json;
  }

  /** Parses an entry as returned by XREADGROUP/XAUTOCLAIM; undefined when it was deleted. */
  static parse(id: string, fields: string[] | null | undefined): JournalRecord | undefined {
    if (!fields) return undefined;
    let lp = '';
    let json = '';
    let publishes = 1;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = fields[i];
      if (name === 'lp') lp = fields[i + 1]!;
      else if (name === 'json') json = fields[i + 1]!;
      else if (name === 'p') publishes = Number(fields[i + 1]) || 1;
    }
    // An entry from before group commit holds one publish object, not an array.
    if (json.startsWith('{')) json = `[${json}]`;
    return { id, publishes, lines: lp === '' ? [] : lp.split('\n'), json };
  }
}

/**
 * The publish that line `index` of a record belongs to (parses record.json: meant for the
 * rare refused line, not for every line). Undefined if the record's JSON is unreadable.
 */
export function lineSource(record: JournalRecord, index: number): LineSource | undefined {
  let publishes: { device?: { deviceId?: string; assetId?: string }; channel?: string; items?: unknown[] }[];
  try {
    publishes = JSON.parse(record.json) as typeof publishes;
  } catch {
    return undefined;
  }
  let end = 0;
  for (const publish of Array.isArray(publishes) ? publishes : []) {
    end += publish.items?.length ?? 0;
    if (index < end) {
      return {
        channel: publish.channel === 'events' ? 'events' : 'telemetry',
        deviceId: publish.device?.deviceId ?? '',
        assetId: publish.device?.assetId ?? '',
      };
    }
  }
  return undefined;
}
