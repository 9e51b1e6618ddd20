/**
 * The detector state store on a real Redis: a snapshot plus a log of batches. What another
 * process loads (no cache: snapshot + replay) is exactly the state that was saved, saves stay
 * compare-and-set, the log never outgrows the snapshot, and anything unreadable starts afresh.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test, inject } from 'vitest';
import { evaluateBatch } from '../../src/telemetry/detection/detection.engine.js';
import type { AssetDetectionState, ControllerEvent, Reading } from '../../src/telemetry/detection/detection.types.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import { DetectionStateStore, type LoadedState } from '../../src/telemetry/detection/worker/detection-state.store.js';
import { encodeReading } from '../../src/telemetry/detection/worker/detection.jobs.js';
import { noise } from '../detection/detection-fixtures.js';

let redis: Redis;
let models: ModelRegistry;
let pump: EquipmentModel;
let prefix: string;
const T0 = Date.UTC(2026, 0, 5);

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  models = await ModelRegistry.fromDirectory(new URL('../../devices', import.meta.url).pathname);
  pump = models.get('centrifugal-pump-cp80')!;
  prefix = `tss${randomBytes(4).toString('hex')}`;
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

/** `count` noisy pump readings every 10 s from `from`; every 7th lacks one metric (a partial reading). */
function readings(from: number, count: number, seed: number): Reading[] {
  const jitter = noise(seed, 0.5);
  const out: Reading[] = [];
  for (let i = 0; i < count; i++) {
    const metrics: Record<string, number> = {};
    for (const [name, m] of Object.entries(pump.metrics)) metrics[name] = ((m.normal?.min ?? m.min) + (m.normal?.max ?? m.max)) / 2 + jitter();
    if (i % 7 === 3) delete metrics[Object.keys(metrics)[0]!];
    out.push({ ts: from + i * 10_000, metrics });
  }
  return out;
}

const assetId = () => `00000000-0000-4000-8000-${randomBytes(6).toString('hex')}`;

/** Evaluates and saves `batches` one by one the way the worker does; returns the last state in memory. */
async function run(
  store: DetectionStateStore,
  asset: string,
  batches: { readings: Reading[]; events?: ControllerEvent[]; silenceCheckAt?: number; wire?: boolean }[],
  onSaved?: () => Promise<void>,
): Promise<AssetDetectionState> {
  let state: AssetDetectionState | null = null;
  for (const b of batches) {
    const loaded = await store.load(asset);
    // As a version 2 job hands it over: the readings' wire text along with the decoded readings.
    const text = b.wire ? b.readings.map((r) => encodeReading(r.metrics, r.ts)).join('\n') : undefined;
    const batch = { modelId: pump.id, readings: b.readings, events: b.events ?? [], silenceCheckAt: b.silenceCheckAt, text };
    state = evaluateBatch(pump, loaded.state, batch, { takeOwnership: true }).state;
    expect(await store.save(asset, loaded, state, batch)).toBe(true);
    await onSaved?.();
  }
  return structuredClone(state!);
}

describe('DetectionStateStore', () => {
  test.each([
    ['readings as rows', () => false],
    ['the wire text of version 2 jobs', () => true],
    ['both (an upgrade with version 1 jobs still queued)', (i: number) => i % 3 === 0],
  ])('another process rebuilds exactly the saved state from the snapshot and the log: %s', async (_, wire) => {
    const store = new DetectionStateStore(redis, prefix, models);
    const asset = assetId();
    const event = pump.detection!.rules.find((r) => r.kind === 'event')!;
    const code = (event as { codes: string[] }).codes[0]!;
    const batches = Array.from({ length: 40 }, (_, i) => ({
      wire: wire(i),
      readings: readings(T0 + i * 100_000, 10, i + 1),
      ...(i === 17 ? { events: [{ ts: T0 + i * 100_000 + 5_000, code, severity: 'critical' }] } : {}),
      ...(i === 39 ? { silenceCheckAt: T0 + i * 100_000 + 3_600_000 } : {}),
    }));
    const [hashKey, logKey] = store.keys(asset);
    let longestLog = 0;
    const expected = await run(store, asset, batches, async () => {
      longestLog = Math.max(longestLog, await redis.llen(logKey));
    });

    const [rev, base] = await redis.hmget(hashKey, 'rev', 'base');
    const logLength = await redis.llen(logKey);
    expect(Number(rev)).toBe(40);
    // Both snapshots after the first save and saves appended to the log (whether the last save
    // happened to write a snapshot depends on how fast the model's state grows).
    expect(Number(base)).toBeGreaterThan(1);
    expect(longestLog).toBeGreaterThan(1);
    expect(Number(base) + logLength).toBe(40);
    const entries = (await redis.lrange(logKey, 0, -1)).map((e) => JSON.parse(e) as Record<string, unknown>);
    expect(entries.every((e, i) => 't' in e === batches[Number(base) + i]!.wire && 'r' in e !== batches[Number(base) + i]!.wire)).toBe(true);

    const fresh = await new DetectionStateStore(redis, prefix, models).load(asset);
    expect(fresh.rev).toBe(40);
    expect(fresh.state).toEqual(expected);
    expect(fresh.state!.rules[event.id]!.firing).toBe(true);
    expect(fresh.state!.silence.firing).toBe(true);
  });

  test('the log never holds more bytes than the snapshot, so Redis keeps at most twice the state', async () => {
    const store = new DetectionStateStore(redis, prefix, models);
    const asset = assetId();
    const [hashKey, logKey] = store.keys(asset);
    let snapshots = 0;
    let lastBase = '';
    for (let i = 0; i < 60; i++) {
      await run(store, asset, [{ readings: readings(T0 + i * 60_000, 6, 100 + i) }]);
      const [base, json] = await redis.hmget(hashKey, 'base', 'state');
      const log = await redis.lrange(logKey, 0, -1);
      expect(log.reduce((n, e) => n + e.length, 0)).toBeLessThanOrEqual(json!.length);
      if (base !== lastBase) snapshots++;
      lastBase = base!;
    }
    // Far fewer snapshots than saves: most saves append a small entry.
    expect(snapshots).toBeGreaterThan(1);
    expect(snapshots).toBeLessThan(15);
  });

  test('a save is compare-and-set: a stale writer gets false and the stored chain is unchanged', async () => {
    const a = new DetectionStateStore(redis, prefix, models);
    const b = new DetectionStateStore(redis, prefix, models);
    const asset = assetId();
    await run(a, asset, [{ readings: readings(T0, 10, 1) }, { readings: readings(T0 + 100_000, 10, 2) }]);
    const staleLoad = await b.load(asset);
    const current = await run(a, asset, [{ readings: readings(T0 + 200_000, 10, 3) }]);
    const batch = { modelId: pump.id, readings: readings(T0 + 300_000, 10, 4), events: [] };
    const stale = evaluateBatch(pump, staleLoad.state, batch, { takeOwnership: true }).state;
    expect(await b.save(asset, staleLoad, stale, batch)).toBe(false);
    const reloaded = await new DetectionStateStore(redis, prefix, models).load(asset);
    expect(reloaded.rev).toBe(3);
    expect(reloaded.state).toEqual(current);
  });

  test('a cached state is handed over without a replay, and dropped once another process saved', async () => {
    const a = new DetectionStateStore(redis, prefix, models);
    const asset = assetId();
    await run(a, asset, [{ readings: readings(T0, 10, 1) }, { readings: readings(T0 + 100_000, 10, 2) }]);
    const first = await a.load(asset);
    const batch = { modelId: pump.id, readings: readings(T0 + 200_000, 10, 3), events: [] };
    const next = evaluateBatch(pump, first.state, batch, { takeOwnership: true }).state;
    expect(await a.save(asset, first, next, batch)).toBe(true);
    // The same object back (a cache hit), since nobody else saved.
    const hit = await a.load(asset);
    expect(hit.state).toBe(next);
    const batch2 = { modelId: pump.id, readings: readings(T0 + 300_000, 10, 4), events: [] };
    expect(await a.save(asset, hit, evaluateBatch(pump, hit.state, batch2, { takeOwnership: true }).state, batch2)).toBe(true);
    // Another process saves: the cached state is stale and must not be handed over.
    const theirs = await run(new DetectionStateStore(redis, prefix, models), asset, [{ readings: readings(T0 + 400_000, 10, 5) }]);
    const mine = await a.load(asset);
    expect(mine.rev).toBe(5);
    expect(mine.state).not.toBe(next);
    expect(mine.state).toEqual(theirs);
  });

  test('an unreadable log entry or a gap in the revisions starts the asset afresh, and the next save is a snapshot', async () => {
    const store = new DetectionStateStore(redis, prefix, models);
    for (const damage of ['garbage', 'gap', 'bad wire text'] as const) {
      const asset = assetId();
      const [hashKey, logKey] = store.keys(asset);
      const wire = damage === 'bad wire text';
      await run(store, asset, [
        { readings: readings(T0, 10, 1) },
        { readings: readings(T0 + 100_000, 10, 2), wire },
        { readings: readings(T0 + 200_000, 10, 3), wire },
      ]);
      expect(await redis.llen(logKey)).toBe(2);
      if (damage === 'garbage') await redis.lset(logKey, 0, '{"v":2,"m":');
      else if (damage === 'gap') await redis.lpop(logKey);
      else {
        const entry = JSON.parse((await redis.lindex(logKey, 1))!) as { t: string };
        await redis.lset(logKey, 1, JSON.stringify({ ...entry, t: entry.t.replace('=', '=oops') }));
      }
      const loaded: LoadedState = await new DetectionStateStore(redis, prefix, models).load(asset);
      expect(loaded).toMatchObject({ rev: 3, state: null });
      const batch = { modelId: pump.id, readings: readings(T0 + 300_000, 10, 4), events: [] };
      const state = evaluateBatch(pump, loaded.state, batch, { takeOwnership: true }).state;
      expect(await store.save(asset, loaded, state, batch)).toBe(true);
      expect(await redis.hget(hashKey, 'base')).toBe('4');
      expect(await redis.llen(logKey)).toBe(0);
      expect((await new DetectionStateStore(redis, prefix, models).load(asset)).state).toEqual(structuredClone(state));
    }
  });

  test('a log entry of a model that no longer exists starts the asset afresh', async () => {
    const store = new DetectionStateStore(redis, prefix, models);
    const asset = assetId();
    await run(store, asset, [{ readings: readings(T0, 10, 1) }, { readings: readings(T0 + 100_000, 10, 2) }]);
    const withoutPump = new DetectionStateStore(redis, prefix, { get: () => undefined });
    expect(await withoutPump.load(asset)).toMatchObject({ rev: 2, state: null });
  });
});
