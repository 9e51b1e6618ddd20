/**
 * Journal batches → shard jobs (BullMQ, real Redis) → detection worker → auto-tickets (PGlite):
 * a fault that needs three consecutive jobs of one asset evaluated in order to fire, two worker
 * instances on the same queues, the state round-tripping through Redis, a repeated job (and a
 * lost state) not doubling the ticket, and an invalid job failing without retries.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test, inject } from 'vitest';
import type { DeviceIdentity } from '../../src/telemetry/devices/devices.types.js';
import type { AssetDetectionState, LearnedState } from '../../src/telemetry/detection/detection.types.js';
import type { JournalRecord } from '../../src/telemetry/journal/telemetry-journal.js';
import { telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { createLogger } from '../../src/kernel/logger.js';
import { bullPrefix, decodeJob, groupByShard, shardOf, shardQueueName } from '../../src/telemetry/detection/worker/detection.jobs.js';
import { DetectionQueue } from '../../src/telemetry/detection/worker/detection.queue.js';
import { DetectionStateStore } from '../../src/telemetry/detection/worker/detection-state.store.js';
import { DetectionWorker } from '../../src/telemetry/detection/worker/detection.worker.js';
import { waitFor } from '../harness/servers.js';
import { noise } from '../detection/detection-fixtures.js';
import { counts, PUMP, SEAL, seedAsset, START, startWorld, type World } from '../autotickets/autotickets-fixture.js';

const SHARDS = 4;
let world: World;
let redis: Redis;
let models: ModelRegistry;
let prefix: string;
let queue: DetectionQueue;
const workers: DetectionWorker[] = [];

function newWorker(mergeJobs = 0): DetectionWorker {
  const worker = new DetectionWorker({
    redisUrl: inject('redisUrl'),
    prefix,
    models,
    autotickets: world.service,
    logger: createLogger('silent'),
    shards: SHARDS,
    retryMinMs: 10,
    mergeJobs,
  });
  workers.push(worker);
  return worker;
}

beforeAll(async () => {
  world = await startWorld();
  models = await ModelRegistry.fromDirectory(new URL('../../devices', import.meta.url).pathname);
  redis = new Redis(inject('redisUrl'));
  prefix = `tp${randomBytes(4).toString('hex')}`;
  queue = new DetectionQueue({ connection: redis, prefix, shards: SHARDS });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await queue?.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis?.quit();
  await world?.close();
});

let seq = 0;
/** One journal record holding a publish per reading: every 10 s from `fromMin`, seal at `seal` °C. */
function records(device: DeviceIdentity, t0: number, fromMin: number, toMin: number, seal: (minute: number) => number): JournalRecord[] {
  const readings = [];
  for (let s = fromMin * 60; s < toMin * 60; s += 10) readings.push({ ts: t0 + s * 1000, metrics: { motor_current: 20, seal_temp: seal(s / 60), flow: 100 } });
  return [{ id: `${Date.now()}-${seq++}`, publishes: readings.length, lines: telemetryLines(device, readings) }];
}

async function identity(): Promise<DeviceIdentity> {
  const seeded = await seedAsset(world.db, { modelId: PUMP });
  return { deviceId: `dev-${randomBytes(3).toString('hex')}`, assetId: seeded.assetId, modelId: PUMP, siteId: seeded.siteId, customerId: seeded.customerId };
}

async function completed(shard: number, n: number): Promise<void> {
  await waitFor(async () => (await queue.queue(shard).getJobCounts('completed')).completed >= n, `${n} completed jobs on shard ${shard}`);
}

const openTickets = async (assetId: string) =>
  (
    await world.db.query<{ id: string; fault_code: string; channel: string }>(
      `SELECT id, fault_code, channel FROM tickets WHERE asset_id = $1 AND status NOT IN ('closed', 'cancelled')`,
      [assetId],
    )
  ).rows;

describe('detection pipeline', () => {
  test('a batch becomes one job per shard, grouped per asset', async () => {
    const a = await identity();
    const b = await identity();
    const t0 = Date.parse(START) - 3 * 3_600_000;
    const batch = [...records(a, t0, 0, 1, () => 40), ...records(b, t0, 0, 1, () => 40), ...records(a, t0, 1, 2, () => 40)];
    const jobs = groupByShard(batch, SHARDS);
    const shards = new Set([shardOf(a.assetId, SHARDS), shardOf(b.assetId, SHARDS)]);
    expect(jobs.size).toBe(shards.size);
    const assetA = [...jobs.values()].flatMap((j) => decodeJob(j).assets).find((x) => x.assetId === a.assetId)!;
    expect(assetA.readings).toHaveLength(12);
    expect(assetA.readings.map((r) => r.ts)).toEqual([...assetA.readings.map((r) => r.ts)].sort((x, y) => x - y));
    expect(assetA.readings[0]!.metrics).toEqual({ motor_current: 20, seal_temp: 40, flow: 100 });
  });

  test("an asset's jobs run in order across two workers; the state round-trips through Redis; the fault opens one ticket", async () => {
    const device = await identity();
    const shard = shardOf(device.assetId, SHARDS);
    const before = (await queue.queue(shard).getJobCounts('completed')).completed;
    const t0 = Date.parse(START) - 2 * 3_600_000;
    const seal = (m: number) => (m < 12 ? 50 : 80);
    // Running settles at 10 min, seal above 70 from 12 min, fires at 22 min: only if the three
    // jobs are evaluated in order with the state carried between them.
    for (const [from, to] of [
      [0, 10],
      [10, 20],
      [20, 30],
    ] as const)
      expect(await queue.enqueue(records(device, t0, from, to, seal))).toBe(1);
    const w1 = newWorker();
    const w2 = newWorker();
    await Promise.all([w1.start(), w2.start()]);
    expect(await queue.queue(shard).getGlobalConcurrency()).toBe(1);
    await completed(shard, before + 3);

    expect(w1.stats().late + w2.stats().late).toBe(0);
    const stored = await new DetectionStateStore(redis, prefix, models).load(device.assetId);
    expect(stored.rev).toBe(3);
    const state = stored.state as AssetDetectionState;
    expect(state.watermark).toBe(t0 + (30 * 60 - 10) * 1000);
    expect(state.rules['seal-temp-high']!.firing).toBe(true);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);

    const tickets = await openTickets(device.assetId);
    expect(tickets).toEqual([expect.objectContaining({ fault_code: SEAL, channel: 'iot' })]);
    expect((await counts(world.db, device.assetId)).evidence).toBe(1);
  });

  test('a backlog is caught up in one evaluation: waiting jobs of the shard are merged into the running one', async () => {
    const device = await identity();
    const shard = shardOf(device.assetId, SHARDS);
    const t0 = Date.parse(START) - 80 * 60_000;
    const seal = (m: number) => (m < 12 ? 50 : 80);
    // A separate prefix: these jobs wait until this test's worker starts.
    const own = `${prefix}m`;
    const backlog = new DetectionQueue({ connection: redis, prefix: own, shards: SHARDS });
    const worker = new DetectionWorker({
      redisUrl: inject('redisUrl'),
      prefix: own,
      models,
      autotickets: world.service,
      logger: createLogger('silent'),
      shards: SHARDS,
      retryMinMs: 10,
    });
    try {
      for (const [from, to] of [
        [0, 10],
        [10, 20],
        [20, 30],
      ] as const)
        expect(await backlog.enqueue(records(device, t0, from, to, seal))).toBe(1);
      await worker.start();
      await waitFor(async () => {
        const c = await backlog.queue(shard).getJobCounts('waiting', 'active', 'completed');
        return c.waiting === 0 && c.active === 0 && c.completed >= 1;
      }, 'the backlog caught up');
      expect(worker.stats()).toMatchObject({ merged: 2, late: 0, readings: 180 });
      // One evaluation, one save: the state's revision is 1, and the fault fired.
      const stored = await new DetectionStateStore(redis, own, models).load(device.assetId);
      expect(stored.rev).toBe(1);
      expect((stored.state as AssetDetectionState).rules['seal-temp-high']!.firing).toBe(true);
      expect(await openTickets(device.assetId)).toEqual([expect.objectContaining({ fault_code: SEAL, channel: 'iot' })]);
    } finally {
      await worker.stop();
      await backlog.close();
      const keys = await redis.keys(`${own}:*`);
      if (keys.length) await redis.del(...keys);
    }
  });

  test('after DETECTION_SHARDS is lowered, jobs left in the former shard queues are evaluated, then those queues are closed', async () => {
    const device = await identity();
    const t0 = Date.parse(START) - 85 * 60_000;
    const seal = (m: number) => (m < 12 ? 50 : 80);
    const own = `${prefix}r`;
    // Produced by a deployment with more shards: the job sits in a queue numbered beyond SHARDS.
    const retired = SHARDS + 2;
    const former = new Queue(shardQueueName(retired), { connection: redis, prefix: bullPrefix(own) });
    const empty = new Queue(shardQueueName(SHARDS + 1), { connection: redis, prefix: bullPrefix(own) });
    const worker = new DetectionWorker({
      redisUrl: inject('redisUrl'),
      prefix: own,
      models,
      autotickets: world.service,
      logger: createLogger('silent'),
      shards: SHARDS,
      retryMinMs: 10,
      retiredCheckMs: 50,
    });
    try {
      const data = [...groupByShard(records(device, t0, 0, 30, seal), SHARDS).values()][0]!;
      await former.add('detect', { ...data, shard: retired });
      // A former queue without jobs left: nothing to drain, no worker for it.
      await empty.add('detect', data);
      await empty.obliterate({ force: true });
      await empty.setGlobalConcurrency(1);
      await worker.start();
      await waitFor(async () => (await former.getJobCounts('completed')).completed === 1, 'the job of the former shard evaluated');
      expect(await openTickets(device.assetId)).toEqual([expect.objectContaining({ fault_code: SEAL, channel: 'iot' })]);
      expect((await new DetectionStateStore(redis, own, models).load(device.assetId)).rev).toBe(1);
      // Drained: the worker closes its consumer of that queue.
      await waitFor(async () => (await former.getWorkersCount()) === 0, 'the former shard queue closed');
      expect(await empty.getWorkersCount()).toBe(0);
      expect(await worker['queues'][0]!.getWorkersCount()).toBeGreaterThan(0);
    } finally {
      await worker.stop();
      await former.close();
      await empty.close();
      const keys = await redis.keys(`${own}:*`);
      if (keys.length) await redis.del(...keys);
    }
  });

  test('assets with controller events are evaluated, and their findings applied, before the other assets of the job start', async () => {
    const own = `${prefix}e`;
    const rule = models.get(PUMP)!.detection!.rules.find((r) => r.kind === 'event') as { codes: string[] };
    const uuid = () => `00000000-0000-4000-8000-${randomBytes(6).toString('hex')}`;
    const t0 = Date.parse(START) - 3_600_000;
    const plain = Array.from({ length: 12 }, () => ({
      assetId: uuid(),
      deviceId: 'd',
      modelId: PUMP,
      events: [],
      readings: `flow=100,seal_temp=40,motor_current=20 ${t0}`,
    }));
    const urgent = { assetId: uuid(), deviceId: 'd', modelId: PUMP, events: [{ ts: t0, code: rule.codes[0]! }], readings: '' };
    const log: string[] = [];
    const sink = {
      apply: async (finding: unknown) => {
        log.push(`apply ${(finding as { assetId: string }).assetId}`);
        await new Promise((r) => setTimeout(r, 50));
        log.push('applied');
      },
    };
    const worker = new DetectionWorker({
      redisUrl: inject('redisUrl'),
      prefix: own,
      models,
      autotickets: sink,
      logger: createLogger('silent'),
      shards: SHARDS,
    });
    const store = worker['store'] as DetectionStateStore;
    const load = store.load.bind(store);
    store.load = (assetId: string) => {
      log.push(`load ${assetId}`);
      return load(assetId);
    };
    try {
      // The event asset comes last in the job.
      await worker.process({ id: 'e', data: { v: 2, shard: 0, assets: [...plain, urgent] } });
      expect(log.slice(0, 3)).toEqual([`load ${urgent.assetId}`, `apply ${urgent.assetId}`, 'applied']);
      expect(log.filter((l) => l.startsWith('load '))).toHaveLength(13);
    } finally {
      await worker.stop();
      const keys = await redis.keys(`${own}:*`);
      if (keys.length) await redis.del(...keys);
    }
  });

  test('a repeated job and a lost state do not duplicate the ticket', async () => {
    const device = await identity();
    const shard = shardOf(device.assetId, SHARDS);
    const t0 = Date.parse(START) - 90 * 60_000;
    const data = groupByShard(
      records(device, t0, 0, 30, (m) => (m < 12 ? 50 : 80)),
      SHARDS,
    ).get(shard)!;
    const q = queue.queue(shard);
    const before = (await q.getJobCounts('completed')).completed;
    if (workers.length === 0) await newWorker().start();
    await q.add('detect', data);
    await completed(shard, before + 1);
    expect(await openTickets(device.assetId)).toHaveLength(1);
    const after = await counts(world.db, device.assetId);

    // Same data again (a redelivery BullMQ did not de-duplicate): skipped as late.
    await q.add('detect', data);
    await completed(shard, before + 2);
    // The state is lost (Redis flushed, or a crash before the save): the finding is produced
    // again with the same key and the database de-duplicates it.
    await redis.del(...new DetectionStateStore(redis, prefix, models).keys(device.assetId));
    await q.add('detect', data);
    await completed(shard, before + 3);

    expect(await openTickets(device.assetId)).toHaveLength(1);
    expect(await counts(world.db, device.assetId)).toEqual(after);
    expect((await new DetectionStateStore(redis, prefix, models).load(device.assetId)).state?.rules['seal-temp-high']?.firing).toBe(true);
  });

  test('an invalid job fails once, without retries', async () => {
    if (workers.length === 0) await newWorker().start();
    const job = await queue.queue(0).add('detect', { v: 1, shard: 0, assets: [{ assetId: 'not-a-uuid' }] } as never, { attempts: 5 });
    await waitFor(async () => (await job.getState()) === 'failed', 'the invalid job to fail');
    const failed = (await queue.queue(0).getJob(job.id!))!;
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/invalid detection job/);
  });

  test('a version 2 job whose readings do not decode fails once, naming the asset and the reading', async () => {
    if (workers.length === 0) await newWorker().start();
    const device = await identity();
    const data = {
      v: 2,
      shard: 0,
      assets: [{ assetId: device.assetId, deviceId: device.deviceId, modelId: PUMP, readings: 'flow=1 1700000000000\nflow=oops 1700000010000', events: [] }],
    };
    const job = await queue.queue(0).add('detect', data as never, { attempts: 5 });
    await waitFor(async () => (await job.getState()) === 'failed', 'the undecodable job to fail');
    const failed = (await queue.queue(0).getJob(job.id!))!;
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toContain(`asset ${device.assetId}, reading 1`);
    expect((await new DetectionStateStore(redis, prefix, models).load(device.assetId)).state).toBeNull();
  });

  test('a version 1 job left by an older producer is still evaluated', async () => {
    const device = await identity();
    const shard = shardOf(device.assetId, SHARDS);
    const t0 = Date.parse(START) - 100 * 60_000;
    const q = queue.queue(shard);
    const before = (await q.getJobCounts('completed')).completed;
    if (workers.length === 0) await newWorker().start();
    const v2 = groupByShard(
      records(device, t0, 0, 30, (m) => (m < 12 ? 50 : 80)),
      SHARDS,
    ).get(shard)!;
    // Version 1 carried the readings as objects, and nothing else.
    await q.add('detect', { v: 1, shard, assets: decodeJob(v2).assets.map(({ text: _text, ...v1 }) => v1) } as never);
    await completed(shard, before + 1);
    expect(await openTickets(device.assetId)).toEqual([expect.objectContaining({ fault_code: SEAL, channel: 'iot' })]);
  });

  test('a learned baseline through the worker: 400 readings learn, a broken relation opens one ticket that names the metrics', async () => {
    const seeded = await seedAsset(world.db, { modelId: 'skab-testbed-pump' });
    const device: DeviceIdentity = {
      deviceId: `dev-${randomBytes(3).toString('hex')}`,
      assetId: seeded.assetId,
      modelId: 'skab-testbed-pump',
      siteId: seeded.siteId,
      customerId: seeded.customerId,
    };
    const shard = shardOf(device.assetId, SHARDS);
    const before = (await queue.queue(shard).getJobCounts('completed')).completed;
    const t0 = Date.parse(START) - 3 * 3_600_000;
    const e = noise(21, 1);
    // 1 Hz: vibration tracks the flow (both noisy); from reading 600 vibration is 0.1 g higher at the same
    // flow — each stays inside what it did while learning, only their relation breaks.
    const reading = (i: number) => {
      const flow = 120 + 4 * Math.sin(i / 50) + 0.3 * e();
      const vib = 0.2 + (flow - 120) * 0.02 + 0.003 * e() + (i >= 600 ? 0.1 : 0);
      return {
        ts: t0 + i * 1000,
        metrics: {
          accelerometer_1_rms: vib,
          accelerometer_2_rms: vib + 0.05,
          current: 2.5 + 0.2 * e(),
          pressure: 0.054711,
          motor_temperature: 88 + 0.2 * e(),
          fluid_temperature: 29.3 + 0.05 * e(),
          voltage: 230 + 5 * e(),
          flow,
        },
      };
    };
    for (let from = 0; from < 800; from += 200) {
      const lines = telemetryLines(
        device,
        Array.from({ length: 200 }, (_, k) => reading(from + k)),
      );
      expect(await queue.enqueue([{ id: `${Date.now()}-${seq++}`, publishes: 200, lines }])).toBe(1);
    }
    await newWorker().start();
    await completed(shard, before + 4);
    const state = (await new DetectionStateStore(redis, prefix, models).load(device.assetId)).state as AssetDetectionState;
    const rule = state.rules['pump-behaviour'] as LearnedState;
    expect(rule.modes.all!.phase).toBe('active');
    expect(rule.modes.all!.fit!.samples).toBe(400);
    expect(rule.firing).toBe(true);
    const tickets = await world.db.query<{ fault_code: string; description: string }>('SELECT fault_code, description FROM tickets WHERE asset_id = $1', [
      device.assetId,
    ]);
    expect(tickets.rows).toHaveLength(1);
    expect(tickets.rows[0]!.fault_code).toBe('PUMP_ABNORMAL_BEHAVIOUR');
    expect(tickets.rows[0]!.description).toMatch(/Unusual: .*accelerometer/);
  });
});
