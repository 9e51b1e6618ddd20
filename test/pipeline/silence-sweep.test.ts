/**
 * The no-data sweep through the real queues: a device that stopped reporting for longer than its
 * model allows opens one NO_DATA auto-ticket; a device that reported recently does not; the
 * silent device's next reading clears the condition (the ticket says so). The sweep's jobs go
 * through the shard queues, so they are ordered with the asset's readings.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { DeviceIdentity } from '../../src/telemetry/devices/devices.types.js';
import { telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { compileModel } from '../../src/telemetry/detection/detection.engine.js';
import { createLogger } from '../../src/kernel/logger.js';
import { DetectionQueue } from '../../src/telemetry/detection/worker/detection.queue.js';
import { DetectionWorker } from '../../src/telemetry/detection/worker/detection.worker.js';
import { SilenceSweep } from '../../src/telemetry/detection/worker/silence.sweep.js';
import { waitFor } from '../harness/servers.js';
import { PUMP, seedAsset, START, startWorld, type World } from '../autotickets/autotickets-fixture.js';

const SHARDS = 4;
let world: World;
let redis: Redis;
let models: ModelRegistry;
let prefix: string;
let queue: DetectionQueue;
let worker: DetectionWorker;
let now = Date.parse(START);
let sweep: SilenceSweep;

beforeAll(async () => {
  world = await startWorld();
  models = await ModelRegistry.fromDirectory(new URL('../../devices', import.meta.url).pathname);
  redis = new Redis(inject('redisUrl'));
  prefix = `ts${randomBytes(4).toString('hex')}`;
  queue = new DetectionQueue({ connection: redis, prefix, shards: SHARDS });
  worker = new DetectionWorker({
    redisUrl: inject('redisUrl'),
    prefix,
    models,
    autotickets: world.service,
    logger: createLogger('silent'),
    shards: SHARDS,
    retryMinMs: 10,
  });
  await worker.start();
  sweep = new SilenceSweep({
    redisUrl: inject('redisUrl'),
    prefix,
    db: world.db,
    logger: createLogger('silent'),
    shards: SHARDS,
    now: () => now,
    intervalMs: 3_600_000,
  });
});

afterAll(async () => {
  await worker?.stop();
  await sweep?.stop();
  await queue?.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis?.quit();
  await world?.close();
});

const CHILLER = 'water-chiller-wc200';

async function device(modelId = PUMP): Promise<DeviceIdentity> {
  const seeded = await seedAsset(world.db, { modelId });
  const deviceId = `dev-${randomBytes(3).toString('hex')}`;
  await world.db.query(`INSERT INTO devices (id, asset_id, token_hash, status, last_seen_at) VALUES ($1, $2, 'x', 'active', now())`, [
    deviceId,
    seeded.assetId,
  ]);
  return { deviceId, assetId: seeded.assetId, modelId, siteId: seeded.siteId, customerId: seeded.customerId };
}

let seq = 0;
async function publish(d: DeviceIdentity, fromTs: number, count: number): Promise<void> {
  const metrics: Record<string, number> = d.modelId === PUMP ? { motor_current: 20, seal_temp: 45, flow: 100 } : { chw_supply_temp: 7, chw_return_temp: 12 };
  const readings = Array.from({ length: count }, (_, i) => ({ ts: fromTs + i * 10_000, metrics }));
  await queue.enqueue([{ id: `${Date.now()}-${seq++}`, publishes: count, lines: telemetryLines(d, readings) }]);
}

const processed = async () => worker.stats().assets;
const noDataTickets = async (assetId: string) =>
  (await world.db.query<{ id: string; status: string }>(`SELECT id, status FROM tickets WHERE asset_id = $1 AND fault_code = 'NO_DATA'`, [assetId])).rows;

describe('silence sweep', () => {
  test('a silent device opens one NO_DATA ticket; a reporting one does not; the next reading clears it', async () => {
    const allowance = compileModel(models.get(PUMP)!).silence.afterMs;
    const silent = await device();
    const talking = await device();
    const t0 = now - 3_600_000;
    let before = await processed();
    await publish(silent, t0, 6);
    await publish(talking, t0, 6);
    await waitFor(async () => (await processed()) >= before + 2, 'readings evaluated');

    // Within the allowance: nobody is silent.
    now = t0 + 50_000 + allowance - 1_000;
    before = await processed();
    expect(await sweep.sweep()).toBeGreaterThanOrEqual(2);
    await waitFor(async () => (await processed()) >= before + 2, 'first sweep evaluated');
    expect(await noDataTickets(silent.assetId)).toEqual([]);

    // The talking device reports again; the silent one does not; then the allowance passes.
    before = await processed();
    await publish(talking, now, 3);
    await waitFor(async () => (await processed()) >= before + 1, 'talking device evaluated');
    now += 5_000;
    before = await processed();
    await sweep.sweep();
    await waitFor(async () => (await processed()) >= before + 2, 'second sweep evaluated');
    expect(await noDataTickets(silent.assetId)).toEqual([expect.objectContaining({ status: 'new' })]);
    expect(await noDataTickets(talking.assetId)).toEqual([]);

    // Sweeping again does not open a second ticket.
    now += 60_000;
    before = await processed();
    await sweep.sweep();
    await waitFor(async () => (await processed()) >= before + 2, 'third sweep evaluated');
    expect(await noDataTickets(silent.assetId)).toHaveLength(1);

    // The device speaks: the condition clears and the ticket says so.
    before = await processed();
    await publish(silent, now, 1);
    await waitFor(async () => (await processed()) >= before + 1, 'silent device evaluated');
    const [ticket] = await noDataTickets(silent.assetId);
    const { rows } = await world.db.query<{ condition_cleared_at: Date | null }>('SELECT condition_cleared_at FROM ticket_autofill WHERE ticket_id = $1', [
      ticket!.id,
    ]);
    expect(rows[0]!.condition_cleared_at).not.toBeNull();
  });

  test('a model whose silence is transient (autoCancel) cancels the NO_DATA ticket when the device speaks again before dispatch', async () => {
    const allowance = compileModel(models.get(CHILLER)!).silence.afterMs;
    expect(allowance).toBe(15 * 60_000);
    const chiller = await device(CHILLER);
    let before = await processed();
    await publish(chiller, now, 2);
    await waitFor(async () => (await processed()) >= before + 1, 'chiller evaluated');
    now += 10_000 + allowance + 1_000;
    before = await processed();
    await sweep.sweep();
    await waitFor(async () => (await noDataTickets(chiller.assetId)).length === 1, 'NO_DATA ticket');
    before = await processed();
    await publish(chiller, now, 1);
    await waitFor(async () => (await noDataTickets(chiller.assetId))[0]?.status === 'cancelled', 'ticket cancelled');
  });

  test('the job scheduler runs sweeps by itself', async () => {
    const quick = new SilenceSweep({
      redisUrl: inject('redisUrl'),
      prefix: `${prefix}q`,
      db: world.db,
      logger: createLogger('silent'),
      shards: SHARDS,
      intervalMs: 200,
    });
    try {
      await quick.start();
      const sweepQueue = new (await import('bullmq')).Queue('detection-sweep', { connection: redis, prefix: `${prefix}q:bull` });
      await waitFor(async () => (await sweepQueue.getJobCounts('completed')).completed >= 2, 'two scheduled sweeps');
      await sweepQueue.close();
    } finally {
      await quick.stop();
      const keys = await redis.keys(`${prefix}q:*`);
      if (keys.length) await redis.del(...keys);
    }
  });
});
