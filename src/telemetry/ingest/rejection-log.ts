/**
 * The dead-letter store for refused publishes: a capped Redis stream (newest kept, oldest
 * trimmed) plus per-device and total counters per reason. Each device's rejections are logged
 * at most once per interval, with how many were suppressed since.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../kernel/logger.js';
import { REJECTION_REASONS, type RejectionReason } from './ingest.types.js';

export interface RejectionInput {
  readonly deviceId: string;
  readonly assetId?: string | undefined;
  readonly reason: RejectionReason;
  readonly detail: string;
  readonly topic?: string | undefined;
  /** Start of the payload as text; cut to 512 characters. */
  readonly payloadSample: string;
}

export interface RejectionEntry {
  /** Stream id; also the cursor to continue after this entry. */
  readonly id: string;
  readonly at: string;
  readonly deviceId: string;
  readonly assetId: string | null;
  readonly reason: RejectionReason;
  readonly detail: string;
  readonly topic: string | null;
  readonly payloadSample: string;
}

export interface RejectionListQuery {
  readonly deviceId?: string | undefined;
  readonly reason?: RejectionReason | undefined;
  /** Default 50. */
  readonly limit?: number | undefined;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
}

export interface RejectionCounts {
  readonly deviceId: string | null;
  readonly total: number;
  readonly byReason: Record<RejectionReason, number>;
}

export interface RejectionLogOptions {
  /** Prefix of the Redis keys (REDIS_PREFIX). */
  readonly prefix: string;
  /** Entries kept (REJECTION_LOG_SIZE); trimming is approximate (MAXLEN ~). */
  readonly maxEntries: number;
  readonly logger: Logger;
  /** At most one log line per device per this many ms. Default 60000. */
  readonly logIntervalMs?: number;
  /** Entries examined per list() call when filtering, at most. Default 5000. */
  readonly scanBudget?: number;
  readonly clock?: () => number;
}

export const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
const SAMPLE_CHARS = 512;
const DETAIL_CHARS = 1000;

export class RejectionLog {
  private readonly streamKey: string;
  private readonly countsKey: string;
  private readonly logIntervalMs: number;
  private readonly clock: () => number;
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly redis: Redis,
    private readonly options: RejectionLogOptions,
  ) {
    this.streamKey = `${options.prefix}:rejections`;
    this.countsKey = `${options.prefix}:rejections:counts`;
    this.logIntervalMs = options.logIntervalMs ?? 60_000;
    this.clock = options.clock ?? Date.now;
  }

  async record(input: RejectionInput): Promise<void> {
    const now = this.clock();
    const detail = input.detail.slice(0, DETAIL_CHARS);
    await this.redis
      .multi()
      .xadd(
        this.streamKey,
        'MAXLEN',
        '~',
        String(this.options.maxEntries),
        '*',
        'dev',
        input.deviceId,
        'asset',
        input.assetId ?? '',
        'reason',
        input.reason,
        'detail',
        detail,
        'topic',
        input.topic ?? '',
        'sample',
        input.payloadSample.slice(0, SAMPLE_CHARS),
        'at',
        String(now),
      )
      .hincrby(this.countsKey, input.reason, 1)
      .hincrby(`${this.countsKey}:${input.deviceId}`, input.reason, 1)
      .exec();
    this.logOnce(input.deviceId, input.reason, detail, now);
  }

  /** Newest first, filtered; `nextCursor` is null when there is nothing older. */
  async list(query: RejectionListQuery = {}): Promise<{ items: RejectionEntry[]; nextCursor: string | null }> {
    const limit = Math.max(1, Math.min(query.limit ?? 50, 1000));
    const budget = this.options.scanBudget ?? 5000;
    const filtered = query.deviceId !== undefined || query.reason !== undefined;
    const page = filtered ? Math.min(1000, Math.max(limit * 4, 100)) : limit;
    const items: RejectionEntry[] = [];
    let end = query.cursor && STREAM_ID.test(query.cursor) ? `(${query.cursor}` : '+';
    let scanned = 0;
    for (;;) {
      const rows = await this.redis.xrevrange(this.streamKey, end, '-', 'COUNT', page);
      for (const [id, fields] of rows) {
        scanned++;
        const entry = toEntry(id, fields);
        if ((query.deviceId === undefined || entry.deviceId === query.deviceId) && (query.reason === undefined || entry.reason === query.reason)) {
          items.push(entry);
          if (items.length === limit) return { items, nextCursor: id };
        }
        end = `(${id}`;
      }
      if (rows.length < page) return { items, nextCursor: null };
      if (scanned >= budget) return { items, nextCursor: end.slice(1) };
    }
  }

  async counts(deviceId?: string): Promise<RejectionCounts> {
    const raw = await this.redis.hgetall(deviceId === undefined ? this.countsKey : `${this.countsKey}:${deviceId}`);
    const byReason = Object.fromEntries(REJECTION_REASONS.map((r) => [r, Number(raw[r] ?? 0)])) as Record<RejectionReason, number>;
    const total = Object.values(byReason).reduce((a, b) => a + b, 0);
    return { deviceId: deviceId ?? null, total, byReason };
  }

  private logOnce(deviceId: string, reason: RejectionReason, detail: string, now: number): void {
    const last = this.lastLogged.get(deviceId);
    if (last && now - last.at < this.logIntervalMs) {
      last.suppressed++;
      return;
    }
    this.options.logger.warn({ deviceId, reason, detail, suppressed: last?.suppressed ?? 0 }, 'rejected a device publish');
    this.lastLogged.set(deviceId, { at: now, suppressed: 0 });
    if (this.lastLogged.size > 10_000) {
      for (const [id, seen] of this.lastLogged) if (now - seen.at >= this.logIntervalMs) this.lastLogged.delete(id);
    }
  }
}

function toEntry(id: string, fields: string[]): RejectionEntry {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const reason = map.get('reason') as RejectionReason;
  return {
    id,
    at: new Date(Number(map.get('at') ?? id.split('-')[0])).toISOString(),
    deviceId: map.get('dev') ?? '',
    assetId: map.get('asset') || null,
    reason: REJECTION_REASONS.includes(reason) ? reason : 'invalid_shape',
    detail: map.get('detail') ?? '',
    topic: map.get('topic') || null,
    payloadSample: map.get('sample') ?? '',
  };
}
