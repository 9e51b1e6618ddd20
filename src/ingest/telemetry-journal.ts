/**
 * The durable hand-off between MQTT and InfluxDB: a Redis stream `${prefix}:journal:telemetry`.
 * `append()` resolves once Redis holds the publish (one XADD entry per publish), and only then
 * does the broker acknowledge it. The InfluxWriter consumes the stream with a consumer group
 * and deletes entries once InfluxDB has them, so the stream length is the unwritten backlog.
 *
 * Entry fields (all strings):
 *   ch    'telemetry' | 'events'
 *   dev   device id            asset  asset id
 *   n     readings/events in the publish
 *   lp    ready line protocol, one line per reading/event, '\n'-separated (ms timestamps)
 *   json  compact JSON {device:{deviceId,assetId,modelId,siteId,customerId},channel,items:[...]}
 *         where items are {ts,metrics} readings or {ts,code,severity,message?} events
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
  readonly channel: IngestChannel;
  readonly deviceId: string;
  readonly assetId: string;
  readonly lines: string[];
  /** The structured publish (see the file comment), for consumers other than InfluxDB. */
  readonly json: string;
}

export interface TelemetryJournalOptions {
  /** Prefix of the Redis keys (REDIS_PREFIX). */
  readonly prefix: string;
  /** Redis URL: the journal opens its own connection from it (see createJournalRedis). */
  readonly redisUrl?: string;
  /** Or an existing connection (not closed by close()); preferably one made by createJournalRedis. */
  readonly redis?: Redis;
  /** Most unwritten entries the stream may hold before append() rejects with JournalFullError. Default 500000. */
  readonly maxUnwritten?: number;
  /** An append not answered by Redis within this many ms rejects. Default 5000. */
  readonly commandTimeoutMs?: number;
  readonly logger?: Logger;
}

/** XLEN check and XADD in one atomic round trip. */
const APPEND_SCRIPT = `
local n = redis.call('XLEN', KEYS[1])
if n >= tonumber(ARGV[1]) then return redis.error_reply('JOURNALFULL ' .. n) end
return redis.call('XADD', KEYS[1], '*', 'ch', ARGV[2], 'dev', ARGV[3], 'asset', ARGV[4], 'n', ARGV[5], 'lp', ARGV[6], 'json', ARGV[7])
`;

type JournalRedis = Redis & {
  telemendJournalAppend(key: string, ...args: string[]): Promise<string>;
};

/** The journal's stream key for a Redis prefix. */
export function journalKey(prefix: string): string {
  return `${prefix}:journal:telemetry`;
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

export class TelemetryJournal {
  readonly key: string;
  readonly maxUnwritten: number;
  private readonly redis: JournalRedis;
  private readonly owned: boolean;

  constructor(options: TelemetryJournalOptions) {
    this.key = journalKey(options.prefix);
    this.maxUnwritten = options.maxUnwritten ?? 500_000;
    let redis = options.redis;
    this.owned = !redis;
    if (!redis) {
      if (!options.redisUrl) throw new TypeError('TelemetryJournal needs redisUrl or redis');
      redis = createJournalRedis(options.redisUrl, options);
    }
    if (!('telemendJournalAppend' in redis)) redis.defineCommand('telemendJournalAppend', { numberOfKeys: 1, lua: APPEND_SCRIPT });
    this.redis = redis as JournalRedis;
  }

  /** Appends one publish as one entry; resolves with the entry id once Redis has it. */
  async append(entry: JournalEntry): Promise<string> {
    const json = JSON.stringify({ device: deviceOf(entry.device), channel: entry.channel, items: entry.items });
    try {
      return await this.redis.telemendJournalAppend(
        this.key,
        String(this.maxUnwritten),
        entry.channel,
        entry.device.deviceId,
        entry.device.assetId,
        String(entry.items.length),
        entry.lines.join('\n'),
        json,
      );
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('JOURNALFULL')) {
        throw new JournalFullError(Number(error.message.split(' ')[1]), this.maxUnwritten);
      }
      throw error;
    }
  }

  /** Unwritten entries (read or not). */
  length(): Promise<number> {
    return this.redis.xlen(this.key);
  }

  /** Closes the journal's own connection (not one passed in). */
  async close(): Promise<void> {
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Parses an entry as returned by XREADGROUP/XAUTOCLAIM; undefined when it was deleted. */
  static parse(id: string, fields: string[] | null | undefined): JournalRecord | undefined {
    if (!fields) return undefined;
    const map = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
    const lp = map.get('lp') ?? '';
    return {
      id,
      channel: map.get('ch') === 'events' ? 'events' : 'telemetry',
      deviceId: map.get('dev') ?? '',
      assetId: map.get('asset') ?? '',
      lines: lp === '' ? [] : lp.split('\n'),
      json: map.get('json') ?? '',
    };
  }
}

function deviceOf(d: DeviceIdentity): DeviceIdentity {
  return { deviceId: d.deviceId, assetId: d.assetId, modelId: d.modelId, siteId: d.siteId, customerId: d.customerId };
}
