/**
 * Per-asset detector state in Redis: a hash `${prefix}:detect:state:${assetId}` with fields
 * `rev` (a counter) and `state` (the engine's plain-JSON AssetDetectionState).
 *
 * Saves are compare-and-set on `rev`: a worker that lost its job lock (stalled, then taken over
 * by another worker) cannot overwrite a newer state with an older one; it gets `false` and
 * starts that asset over from the stored state.
 *
 * The last state this process saved is kept in memory with its rev: a load whose stored rev is
 * unchanged reads only `rev` and hands that object over (no JSON transfer or parse). A load takes
 * the object out of the cache (the caller may change it); only a successful save puts one back,
 * so a failed evaluation never leaves a half-updated state behind.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { AssetDetectionState } from '../detection/detection.types.js';

/**
 * KEYS: state hash. ARGV: expected rev, state JSON, save token. Returns the new rev, or -1 on a
 * conflict. The token (unique per save) tells a cached state from another one with the same rev
 * (after a Redis data loss, revs start over).
 */
const SAVE_SCRIPT = `
local rev = tonumber(redis.call('HGET', KEYS[1], 'rev') or '0')
if rev ~= tonumber(ARGV[1]) then return -1 end
redis.call('HSET', KEYS[1], 'rev', rev + 1, 'state', ARGV[2], 'tok', ARGV[3])
return rev + 1
`;

/** Just enough to tell a state written by the engine from garbage; the engine checks the rest. */
const storedState = z.looseObject({ version: z.literal(1), modelId: z.string(), rules: z.record(z.string(), z.unknown()) });

export interface LoadedState {
  /** Revision to pass to save(); 0 when the asset has no state yet. */
  readonly rev: number;
  /** null when there is none (or it was unreadable: the asset starts afresh). */
  readonly state: AssetDetectionState | null;
}

type StateRedis = Redis & { telemendDetectSave(key: string, rev: string, state: string, token: string): Promise<number> };

export class DetectionStateStore {
  private readonly redis: StateRedis;
  private readonly cache = new Map<string, { rev: number; token: string; state: AssetDetectionState }>();
  private readonly tokenPrefix = randomBytes(6).toString('hex');
  private saves = 0;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    /** States kept in memory (least recently saved dropped first). Default 20 000. */
    private readonly cacheSize = 20_000,
  ) {
    if (!('telemendDetectSave' in redis)) redis.defineCommand('telemendDetectSave', { numberOfKeys: 1, lua: SAVE_SCRIPT });
    this.redis = redis as StateRedis;
  }

  key(assetId: string): string {
    return `${this.prefix}:detect:state:${assetId}`;
  }

  async load(assetId: string): Promise<LoadedState> {
    const cached = this.cache.get(assetId);
    if (cached) {
      this.cache.delete(assetId);
      const [rev, token] = await this.redis.hmget(this.key(assetId), 'rev', 'tok');
      if (token === cached.token && Number(rev) === cached.rev) return { rev: cached.rev, state: cached.state };
    }
    const [rev, json] = await this.redis.hmget(this.key(assetId), 'rev', 'state');
    const revision = Number(rev ?? 0) || 0;
    if (!json) return { rev: revision, state: null };
    try {
      const parsed = storedState.safeParse(JSON.parse(json));
      return { rev: revision, state: parsed.success ? (parsed.data as unknown as AssetDetectionState) : null };
    } catch {
      return { rev: revision, state: null };
    }
  }

  /** Stores the state if nobody saved since `rev` was loaded; false on a conflict. */
  async save(assetId: string, rev: number, state: AssetDetectionState): Promise<boolean> {
    const token = `${this.tokenPrefix}-${++this.saves}`;
    const result = Number(await this.redis.telemendDetectSave(this.key(assetId), String(rev), JSON.stringify(state), token));
    if (result < 0) return false;
    this.cache.delete(assetId);
    this.cache.set(assetId, { rev: result, token, state });
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return true;
  }
}
