/**
 * Per-asset detector state in Redis, as a snapshot plus a log of the batches evaluated since:
 *   - hash `${prefix}:detect:state:${assetId}`: `rev` (a counter), `state` (the engine's plain-JSON
 *     AssetDetectionState at revision `base`) and `tok` (the last save's token);
 *   - list `${prefix}:detect:state:${assetId}:log`: one compact entry per save after `base`, holding
 *     that save's batch (rule commands, readings, events, silence check) and its revision.
 *
 * Why a log: a state holds the detectors' windows (a pump's is ~26 KB of JSON) while a micro-batch
 * adds a few readings to it. Writing the whole state after every job made the saves the worker's
 * and Redis' main cost at high rates. A save now appends the batch (~1 KB) and writes
 * a new snapshot only once the log has grown as large as the snapshot: at most 2× the batch bytes
 * per save, and Redis holds at most twice the state. The engine is deterministic in its input
 * (reading time, never the wall clock), so replaying the log from the snapshot rebuilds exactly the
 * state that was saved.
 *
 * Saves are compare-and-set on `rev`: a worker that lost its job lock (stalled, then taken over
 * by another worker) cannot overwrite a newer state with an older one; it gets `false` and
 * starts that asset over from the stored state.
 *
 * The last state this process saved is kept in memory with its rev: a load whose stored rev and
 * token are unchanged reads only those two fields and hands that object over (no transfer, parse
 * or replay). A load takes the object out of the cache (the caller may change it); only a
 * successful save puts one back, so a failed evaluation never leaves a half-updated state behind.
 *
 * Anything unreadable — a snapshot that is not JSON, a log entry that does not parse, a gap in the
 * revisions, a model that no longer exists — yields no state: the asset starts afresh, and its
 * next save writes a snapshot.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { evaluateBatch, type DetectionBatch } from '../detection.engine.js';
import type { AssetDetectionState, Reading } from '../detection.types.js';
import type { EquipmentModel } from '../../models/models.schema.js';
import { decodeReadings, ruleCommandSchema } from './detection.jobs.js';

/** Saves a state if its rev is the one loaded (see the script for its keys and arguments). */
const SAVE_SCRIPT = readFileSync(new URL('./detection-state-save.lua', import.meta.url), 'utf8');

/** Just enough to tell a state written by the engine from garbage; the engine checks the rest. */
const storedState = z.looseObject({ version: z.literal(1), modelId: z.string(), rules: z.record(z.string(), z.unknown()) });

/**
 * A log entry: `v` the revision it produced, `m` the model, the readings, `e` the events, `s` the
 * silence check, `c` the rule commands applied before the readings (absent in older entries). The readings are either `t`, their wire text as the detection job carried it
 * ('\n'-separated `name=value,... ts`, stored as it came), or — for a batch that had no text (a
 * version 1 job, the silence sweep) — `k` the metric names and `r` rows [ts, value of k[0] or null, ...].
 */
const entryFields = {
  v: z.number().int().positive(),
  m: z.string().min(1),
  e: z.array(z.strictObject({ ts: z.number(), code: z.string(), severity: z.string().optional(), message: z.string().optional() })),
  s: z.number().optional(),
  c: z.array(ruleCommandSchema).optional(),
};
const logEntry = z.union([
  z.strictObject({ ...entryFields, t: z.string() }),
  z.strictObject({ ...entryFields, k: z.array(z.string().min(1)), r: z.array(z.array(z.number().nullable()).min(1)) }),
]);
type LogEntry = z.infer<typeof logEntry>;

/** Most entries in an asset's log before a snapshot is written anyway (bounds a replay). */
const MAX_LOG_ENTRIES = 256;

/** Where the stored chain stands, for choosing snapshot or log entry at the next save. */
interface Chain {
  /** Bytes of the snapshot (0: there is none). */
  readonly snapshotBytes: number;
  readonly logBytes: number;
  readonly logEntries: number;
}

export interface LoadedState {
  /** Revision to pass to save(); 0 when the asset has no state yet. */
  readonly rev: number;
  /** null when there is none (or it was unreadable: the asset starts afresh). */
  readonly state: AssetDetectionState | null;
  /** The stored chain behind this state (filled by load; save() reads it). */
  readonly chain?: Chain;
}

/** What a save appends: the batch just evaluated, of the asset's model. */
export interface SavedBatch extends DetectionBatch {
  readonly modelId: string;
  /** The readings' wire text, when the batch came as such (a version 2 job): logged as is. */
  readonly text?: string | undefined;
}

/** The models a replay evaluates with (the ModelRegistry). */
export interface ModelLookup {
  get(id: string): EquipmentModel | undefined;
}

type StateRedis = Redis & { telemendDetectSave(state: string, log: string, rev: string, mode: string, payload: string, token: string): Promise<number> };

const NO_CHAIN: Chain = { snapshotBytes: 0, logBytes: 0, logEntries: 0 };

export class DetectionStateStore {
  private readonly redis: StateRedis;
  private readonly cache = new Map<string, { rev: number; token: string; state: AssetDetectionState; chain: Chain }>();
  private readonly tokenPrefix = randomBytes(6).toString('hex');
  private saves = 0;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly models: ModelLookup,
    /** States kept in memory (least recently saved dropped first). Default 20 000. */
    private readonly cacheSize = 20_000,
  ) {
    if (!('telemendDetectSave' in redis)) redis.defineCommand('telemendDetectSave', { numberOfKeys: 2, lua: SAVE_SCRIPT });
    this.redis = redis as StateRedis;
  }

  /** The keys of an asset's state (delete both to forget it). */
  keys(assetId: string): [hash: string, log: string] {
    const hash = `${this.prefix}:detect:state:${assetId}`;
    return [hash, `${hash}:log`];
  }

  async load(assetId: string): Promise<LoadedState> {
    const [hashKey] = this.keys(assetId);
    const cached = this.cache.get(assetId);
    if (cached) {
      this.cache.delete(assetId);
      const [rev, token] = await this.redis.hmget(hashKey, 'rev', 'tok');
      if (token === cached.token && Number(rev) === cached.rev) return { rev: cached.rev, state: cached.state, chain: cached.chain };
    }
    return this.fetch(assetId);
  }

  /**
   * The stored state for reading only (the API's view of baselines): snapshot and log replayed,
   * never taken from or put into the cache, nothing written. The worker's next load and save are
   * not affected (its CAS is on `rev`, which a read does not change).
   */
  async read(assetId: string): Promise<LoadedState> {
    return this.fetch(assetId);
  }

  private async fetch(assetId: string): Promise<LoadedState> {
    const [hashKey, logKey] = this.keys(assetId);
    // Snapshot and log in one MULTI: a save in between cannot pair a snapshot with another log.
    const replies = await this.redis.multi().hmget(hashKey, 'rev', 'base', 'state').lrange(logKey, 0, -1).exec();
    const [rev, base, json] = (replies?.[0]?.[1] ?? []) as (string | null)[];
    const log = (replies?.[1]?.[1] ?? []) as string[];
    const revision = Number(rev ?? 0) || 0;
    if (!json) return { rev: revision, state: null, chain: NO_CHAIN };
    const state = this.rebuild(json, Number(base ?? revision) || 0, revision, log);
    const chain: Chain = state ? { snapshotBytes: json.length, logBytes: log.reduce((n, e) => n + e.length, 0), logEntries: log.length } : NO_CHAIN;
    return { rev: revision, state, chain };
  }

  /**
   * Stores the state reached by evaluating `batch` on the loaded one, if nobody saved since it was
   * loaded; false on a conflict. Appends the batch to the log, or writes a snapshot of `state`
   * when there is none yet or the log has grown as large as it.
   */
  async save(assetId: string, loaded: LoadedState, state: AssetDetectionState, batch: SavedBatch): Promise<boolean> {
    const chain = loaded.chain ?? NO_CHAIN;
    const rev = loaded.rev + 1;
    const entry = chain.snapshotBytes > 0 && chain.logEntries < MAX_LOG_ENTRIES ? encodeEntry(rev, batch) : undefined;
    const snapshot = entry === undefined || chain.logBytes + entry.length > chain.snapshotBytes;
    const payload = snapshot ? JSON.stringify(state) : entry;
    const token = `${this.tokenPrefix}-${++this.saves}`;
    const [hashKey, logKey] = this.keys(assetId);
    const result = Number(await this.redis.telemendDetectSave(hashKey, logKey, String(loaded.rev), snapshot ? 's' : 'l', payload, token));
    if (result < 0) return false;
    const next: Chain = snapshot
      ? { snapshotBytes: payload.length, logBytes: 0, logEntries: 0 }
      : { ...chain, logBytes: chain.logBytes + payload.length, logEntries: chain.logEntries + 1 };
    this.cache.delete(assetId);
    this.cache.set(assetId, { rev: result, token, state, chain: next });
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return true;
  }

  /** The snapshot with the log replayed on it; null when any part is unreadable or missing. */
  private rebuild(json: string, base: number, rev: number, log: readonly string[]): AssetDetectionState | null {
    let state: AssetDetectionState | null;
    try {
      const parsed = storedState.safeParse(JSON.parse(json));
      state = parsed.success ? (parsed.data as unknown as AssetDetectionState) : null;
    } catch {
      return null;
    }
    if (!state || base + log.length !== rev) return null;
    for (let i = 0; i < log.length; i++) {
      const entry = decodeEntry(log[i]!);
      const model = entry ? this.models.get(entry.m) : undefined;
      const batch = entry && toBatch(entry);
      if (!entry || entry.v !== base + i + 1 || !model || !batch) return null;
      state = evaluateBatch(model, state, batch, { takeOwnership: true }).state;
    }
    return state;
  }
}

/** A batch as a compact log entry: its wire text, or else metric names once and readings as rows. */
export function encodeEntry(rev: number, batch: SavedBatch): string {
  if (batch.text !== undefined) {
    const entry: LogEntry = { v: rev, m: batch.modelId, t: batch.text, e: [...batch.events] };
    if (batch.silenceCheckAt !== undefined) entry.s = batch.silenceCheckAt;
    if (batch.commands?.length) entry.c = [...batch.commands];
    return JSON.stringify(entry);
  }
  const names: string[] = [];
  const column = new Map<string, number>();
  for (const reading of batch.readings) {
    for (const name in reading.metrics) {
      if (!column.has(name)) {
        column.set(name, names.length + 1);
        names.push(name);
      }
    }
  }
  const rows = batch.readings.map((reading) => {
    const row: (number | null)[] = new Array<number | null>(names.length + 1).fill(null);
    row[0] = reading.ts;
    for (const name in reading.metrics) row[column.get(name)!] = reading.metrics[name]!;
    return row;
  });
  const entry: LogEntry = { v: rev, m: batch.modelId, k: names, r: rows, e: [...batch.events] }; // JSON drops undefined severity/message
  if (batch.silenceCheckAt !== undefined) entry.s = batch.silenceCheckAt;
  if (batch.commands?.length) entry.c = [...batch.commands];
  return JSON.stringify(entry);
}

function decodeEntry(text: string): LogEntry | undefined {
  try {
    const parsed = logEntry.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Undefined when the entry's wire text does not decode. */
function toBatch(entry: LogEntry): DetectionBatch | undefined {
  if ('t' in entry) {
    const decoded = decodeReadings(entry.t);
    return 'bad' in decoded ? undefined : { readings: decoded.readings, events: entry.e, silenceCheckAt: entry.s, commands: entry.c };
  }
  const readings: Reading[] = entry.r.map((row) => {
    const metrics: Record<string, number> = {};
    for (let i = 0; i < entry.k.length; i++) {
      const value = row[i + 1];
      if (value !== null && value !== undefined) metrics[entry.k[i]!] = value;
    }
    return { ts: row[0]!, metrics };
  });
  return { readings, events: entry.e, silenceCheckAt: entry.s, commands: entry.c };
}
