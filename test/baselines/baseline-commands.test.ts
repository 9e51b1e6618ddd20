/**
 * Rule commands in the engine and the state log (real Redis): a relearn of a firing learned rule
 * clears it before the batch's readings; an automatic relearn leaves a frozen baseline alone; an
 * anomaly rule restarts its window; the log records commands so another process's replay
 * rebuilds exactly the in-memory state; a job with a malformed command fails unrecoverably.
 */
import { randomBytes } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { evaluateBatch, type DetectionBatch } from '../../src/telemetry/detection/detection.engine.js';
import type { AssetDetectionState, LearnedState, RuleCommand } from '../../src/telemetry/detection/detection.types.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import { DetectionStateStore } from '../../src/telemetry/detection/worker/detection-state.store.js';
import { encodeReading } from '../../src/telemetry/detection/worker/detection.jobs.js';
import { DetectionWorker } from '../../src/telemetry/detection/worker/detection.worker.js';
import { DetectionCommands } from '../../src/telemetry/detection/worker/detection-commands.js';
import { DetectionQueue } from '../../src/telemetry/detection/worker/detection.queue.js';
import { telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import { waitFor } from '../harness/servers.js';
import { createLogger } from '../../src/kernel/logger.js';
import { MODEL, pumpReadings } from './baselines-fixture.js';

let redis: Redis;
let models: ModelRegistry;
let model: EquipmentModel;
let prefix: string;

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  models = await ModelRegistry.fromDirectory(new URL('./models', import.meta.url).pathname);
  model = models.get(MODEL)!;
  prefix = `tbc${randomBytes(4).toString('hex')}`;
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

const AT = Date.parse('2025-03-10T08:00:00Z');
const learned = (state: AssetDetectionState) => state.rules['behaviour'] as LearnedState;

/** A learnt baseline, then a regime that breaks it: the learned rule is firing. */
function firingState(): AssetDetectionState {
  const learnt = evaluateBatch(model, null, { readings: pumpReadings(0, 120), events: [] }).state;
  const fired = evaluateBatch(model, learnt, { readings: pumpReadings(120, 5, { current: 26, flow: 100 }), events: [] });
  expect(fired.findings.map((f) => [f.ruleId, f.state])).toContainEqual(['behaviour', 'firing']);
  return fired.state;
}

describe('rule commands in the engine', () => {
  test('a relearn clears the firing learned rule before the readings of its batch, and learning restarts from them', () => {
    const state = firingState();
    const relearn: RuleCommand = { ruleId: 'behaviour', op: 'relearn', at: AT };
    const result = evaluateBatch(model, state, { readings: pumpReadings(125, 3, { current: 26, flow: 100 }), events: [], commands: [relearn] });
    expect(result.findings[0]).toMatchObject({ ruleId: 'behaviour', state: 'cleared', at: AT, kind: 'learned' });
    expect(learned(result.state).firing).toBe(false);
    expect(learned(result.state).modes['all']).toMatchObject({ phase: 'learning', train: expect.any(Array) });
    expect(learned(result.state).modes['all']!.train).toHaveLength(3);
    expect(learned(state).firing).toBe(true); // the input state is untouched
  });

  test('an automatic relearn (after a repair) leaves a frozen baseline alone; an explicit one relearns it', () => {
    const state = firingState();
    const frozen = evaluateBatch(model, state, { readings: [], events: [], commands: [{ ruleId: 'behaviour', op: 'freeze', at: AT }] }).state;
    const auto = evaluateBatch(model, frozen, { readings: [], events: [], commands: [{ ruleId: 'behaviour', op: 'relearn', at: AT, auto: true }] });
    expect(auto.findings).toEqual([]);
    expect(learned(auto.state).modes['all']).toMatchObject({ phase: 'active', frozen: true });
    expect(learned(auto.state).firing).toBe(true);
    const explicit = evaluateBatch(model, frozen, { readings: [], events: [], commands: [{ ruleId: 'behaviour', op: 'relearn', at: AT }] });
    expect(explicit.findings).toMatchObject([{ ruleId: 'behaviour', state: 'cleared' }]);
    expect(learned(explicit.state).modes['all']).toMatchObject({ phase: 'learning', frozen: false });
  });

  test('a relearn of an anomaly rule restarts its baseline window and clears it; threshold rules ignore commands', () => {
    const warm = evaluateBatch(model, null, { readings: pumpReadings(0, 60), events: [] }).state;
    const fired = evaluateBatch(model, warm, { readings: pumpReadings(60, 3, { flow: 600 }), events: [] });
    expect(fired.findings.map((f) => f.ruleId)).toContain('flow-unusual');
    const reset = evaluateBatch(model, fired.state, {
      readings: [],
      events: [],
      commands: [
        { ruleId: 'flow-unusual', op: 'relearn', at: AT },
        { ruleId: 'current-high', op: 'relearn', at: AT },
      ],
    });
    expect(reset.findings).toMatchObject([{ ruleId: 'flow-unusual', state: 'cleared', kind: 'anomaly', at: AT }]);
    expect(reset.state.rules['flow-unusual']).toMatchObject({ firing: false, buf: [], baseline: null });
    expect(reset.state.rules['current-high']).toEqual(fired.state.rules['current-high']);
  });
});

describe('rule commands in the state log', () => {
  test("a replay of the log with commands rebuilds exactly the worker's state", async () => {
    const store = new DetectionStateStore(redis, prefix, models);
    const assetId = `00000000-0000-4000-8000-${randomBytes(6).toString('hex')}`;
    const batches: DetectionBatch[] = [
      { readings: pumpReadings(0, 120), events: [] },
      { readings: pumpReadings(120, 5, { current: 26, flow: 100 }), events: [] },
      { readings: pumpReadings(125, 5, { current: 26, flow: 100 }), events: [], commands: [{ ruleId: 'behaviour', op: 'relearn', at: AT }] },
      { readings: pumpReadings(130, 110, { current: 26, flow: 130 }), events: [] },
      { readings: [], events: [], commands: [{ ruleId: 'behaviour', op: 'freeze', at: AT + 1 }] },
      { readings: pumpReadings(240, 10, { drift: 0.2 }), events: [], commands: [{ ruleId: 'flow-unusual', op: 'relearn', at: AT + 2 }] },
    ];
    let state: AssetDetectionState | null = null;
    for (const [i, b] of batches.entries()) {
      const loaded = await store.load(assetId);
      state = evaluateBatch(model, loaded.state, b, { takeOwnership: true }).state;
      // Half as wire text (version 2 jobs), half as rows (the other log entry form).
      const text = i % 2 === 0 ? b.readings.map((r) => encodeReading(r.metrics, r.ts)).join('\n') : undefined;
      expect(await store.save(assetId, loaded, state, { ...b, modelId: model.id, text })).toBe(true);
    }
    const log = await redis.lrange(store.keys(assetId)[1], 0, -1);
    expect(log.filter((e) => 'c' in JSON.parse(e)).length).toBeGreaterThanOrEqual(2);
    const replayed = await new DetectionStateStore(redis, prefix, models).read(assetId);
    expect(replayed.state).toEqual(JSON.parse(JSON.stringify(state)));
    expect(learned(replayed.state!).modes['all']).toMatchObject({ phase: 'active', frozen: true });
  });

  test('a command job waiting behind readings is not merged ahead of them: it applies after them', async () => {
    const shards = 2;
    const device = {
      deviceId: 'dev-order',
      assetId: `00000000-0000-4000-8000-${randomBytes(6).toString('hex')}`,
      modelId: MODEL,
      siteId: 's',
      customerId: 'c',
    };
    const queue = new DetectionQueue({ connection: redis, prefix, shards });
    const commands = new DetectionCommands({ connection: redis, prefix, shards });
    const journal = (readings: ReturnType<typeof pumpReadings>) => [
      { id: randomBytes(6).toString('hex'), publishes: readings.length, lines: telemetryLines(device, readings) },
    ];
    // All three wait before the worker starts: a backlog it catches up on by merging.
    await queue.enqueue(journal(pumpReadings(0, 120)));
    await commands.send(device, [{ ruleId: 'behaviour', op: 'relearn', at: AT }]);
    await queue.enqueue(journal(pumpReadings(120, 5)));
    const worker = new DetectionWorker({
      redisUrl: inject('redisUrl'),
      prefix,
      models,
      autotickets: { apply: async () => undefined },
      logger: createLogger('silent'),
      shards,
    });
    const store = new DetectionStateStore(redis, prefix, models);
    try {
      await worker.start();
      await waitFor(async () => (await store.read(device.assetId)).state?.watermark === pumpReadings(124, 1)[0]!.ts, 'the backlog evaluated');
      // Learnt from the first 120, relearnt, then learning from the last 5 (merged in order, the
      // relearn would have come first and the baseline would be active).
      expect(learned((await store.read(device.assetId)).state!).modes['all']).toMatchObject({ phase: 'learning', train: expect.any(Array) });
      expect(learned((await store.read(device.assetId)).state!).modes['all']!.train).toHaveLength(5);
      expect(worker.stats().merged).toBeGreaterThanOrEqual(1);
    } finally {
      await worker.stop();
      await commands.close();
      await queue.close();
    }
  });

  test('a job with a malformed command fails as unrecoverable', async () => {
    const worker = new DetectionWorker({
      redisUrl: inject('redisUrl'),
      prefix,
      models,
      autotickets: { apply: async () => undefined },
      logger: createLogger('silent'),
    });
    try {
      const asset = { assetId: '00000000-0000-4000-8000-000000000001', deviceId: 'd', modelId: MODEL, readings: '', events: [] };
      for (const commands of [[{ ruleId: 'behaviour', op: 'forget', at: AT }], [{ ruleId: 'behaviour', op: 'relearn' }], []]) {
        await expect(worker.process({ id: 'bad', data: { v: 2, shard: 0, assets: [{ ...asset, commands }] } })).rejects.toBeInstanceOf(UnrecoverableError);
      }
    } finally {
      await worker.stop();
    }
  });
});
