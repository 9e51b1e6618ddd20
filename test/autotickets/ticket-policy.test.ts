/**
 * Ticket policy per rule, through the real path: journal records → shard jobs (BullMQ, real
 * Redis) → detection worker → auto-tickets (PGlite), then the ticket-policy sweep on a set clock.
 * `never`: an alarm, no ticket, nothing reserved or dispatched. `persist`: the ticket only once
 * the alarm has stayed uncleared `after` (once, however many sweeps run); none when it cleared
 * before.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { AlarmsService } from '../../src/service/alarms/alarms.service.js';
import { evaluate } from '../../src/telemetry/detection/detection.engine.js';
import { AutoTicketService } from '../../src/service/autotickets/autotickets.service.js';
import { sweepPersistingAlarms } from '../../src/service/autotickets/ticket-policy.task.js';
import { DispatchService } from '../../src/service/dispatch/dispatch.service.js';
import type { DeviceIdentity } from '../../src/telemetry/devices/devices.types.js';
import { telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import { createLogger } from '../../src/kernel/logger.js';
import { shardOf } from '../../src/telemetry/detection/worker/detection.jobs.js';
import { DetectionQueue } from '../../src/telemetry/detection/worker/detection.queue.js';
import { DetectionWorker } from '../../src/telemetry/detection/worker/detection.worker.js';
import { StockService } from '../../src/service/stock/stock.service.js';
import { waitFor } from '../harness/servers.js';
import { PUMP, seedAsset, START, startWorld, type World } from './autotickets-fixture.js';
import { TicketsService } from '../../src/service/tickets/tickets.service.js';
import { VisitsService } from '../../src/service/visits/visits.service.js';

const SHARDS = 2;
const MIN = 60_000;
let world: World;
let redis: Redis;
let queue: DetectionQueue;
let worker: DetectionWorker;
let models: ModelRegistry;
let service: AutoTicketService;
let prefix: string;
const reserved: string[] = [];
const assigned: string[] = [];

beforeAll(async () => {
  world = await startWorld();
  const pump = (await ModelRegistry.fromDirectory(new URL('../../devices', import.meta.url).pathname)).get(PUMP)!;
  // The pump's seal rule only ever raises an alarm; its bearing rule opens a ticket after 1 h.
  const policies: Record<string, unknown> = { 'seal-temp-high': { policy: 'never' }, 'bearing-temp-high': { policy: 'persist', after: '1h' } };
  const model: EquipmentModel = {
    ...pump,
    detection: {
      ...pump.detection!,
      rules: pump.detection!.rules.map((r) => (policies[r.id] ? { ...r, ticket: policies[r.id] } : r)) as NonNullable<EquipmentModel['detection']>['rules'],
    },
  };
  models = ModelRegistry.of([model]);
  // The real stock and dispatch services, watched: which tickets got parts reserved or auto-assign run.
  const stock = new StockService(world.db);
  const tickets = new TicketsService(world.db, world.clock);
  const dispatch = new DispatchService(world.db, { clock: world.clock, tickets, visits: new VisitsService(world.db, world.clock, { tickets, stock }) });
  service = new AutoTicketService(world.db, world.clock, {
    tickets,
    stock: { reserveForTicket: (ticketId, ...rest) => (reserved.push(ticketId), stock.reserveForTicket(ticketId, ...rest)) },
    dispatch: { autoAssign: (ticketId, actor) => (assigned.push(ticketId), dispatch.autoAssign(ticketId, actor)) },
  });
  redis = new Redis(inject('redisUrl'));
  prefix = `tpol${randomBytes(4).toString('hex')}`;
  queue = new DetectionQueue({ connection: redis, prefix, shards: SHARDS });
  worker = new DetectionWorker({
    redisUrl: inject('redisUrl'),
    prefix,
    models,
    autotickets: service,
    logger: createLogger('silent'),
    shards: SHARDS,
    retryMinMs: 10,
  });
  await worker.start();
});

afterAll(async () => {
  await worker?.stop();
  await queue?.close();
  const keys = (await redis?.keys(`${prefix}:*`)) ?? [];
  if (keys.length) await redis.del(...keys);
  await redis?.quit();
  await world?.close();
});

/** Runs the pump's readings for minutes [0, minutes) every 10 s through the worker; `seal` and `bearing` give the temperatures. */
async function run(t0: number, minutes: number, temps: { seal?: (m: number) => number; bearing?: (m: number) => number }): Promise<string> {
  const seeded = await seedAsset(world.db, { modelId: PUMP });
  const device: DeviceIdentity = {
    deviceId: `dev-${randomBytes(3).toString('hex')}`,
    assetId: seeded.assetId,
    modelId: PUMP,
    siteId: seeded.siteId,
    customerId: seeded.customerId,
  };
  const readings = [];
  for (let s = 0; s < minutes * 60; s += 10)
    readings.push({
      ts: t0 + s * 1000,
      metrics: { motor_current: 20, flow: 100, seal_temp: temps.seal?.(s / 60) ?? 40, bearing_temp: temps.bearing?.(s / 60) ?? 50 },
    });
  const shard = shardOf(device.assetId, SHARDS);
  const before = (await queue.queue(shard).getJobCounts('completed')).completed;
  await queue.enqueue([{ id: `${Date.now()}-${randomBytes(2).toString('hex')}`, publishes: readings.length, lines: telemetryLines(device, readings) }]);
  await waitFor(async () => (await queue.queue(shard).getJobCounts('completed')).completed > before, 'the detection job');
  return device.assetId;
}

const tickets = async (assetId: string) =>
  (await world.db.query<{ id: string; fault_code: string }>('SELECT id, fault_code FROM tickets WHERE asset_id = $1', [assetId])).rows;
const alarmsOf = async (assetId: string) => (await new AlarmsService(world.db).list({ assetId, limit: 10, sort: 'firstSeenAt' })).items;
const sweepAt = (at: number) => sweepPersistingAlarms({ db: world.db, models, autotickets: service, clock: { now: () => new Date(at) } });

describe('ticket policy', () => {
  test('never: the alarm is raised and visible, but no ticket opens, nothing is reserved or dispatched, whenever the sweep runs', async () => {
    const t0 = Date.parse(START) - 3 * 3_600_000;
    // Running settles at 10 min; seal above 70 from 12 min: the rule fires at 22 min.
    const assetId = await run(t0, 30, { seal: (m) => (m < 12 ? 50 : 80) });
    const alarms = await alarmsOf(assetId);
    expect(alarms).toEqual([
      expect.objectContaining({
        ruleId: 'seal-temp-high',
        faultCode: 'MECHANICAL_SEAL_LEAK',
        state: 'active',
        ticketId: null,
        firstSeenAt: new Date(t0 + 22 * MIN).toISOString(),
      }),
    ]);
    expect((await world.call('GET', `/api/v1/alarms?assetId=${assetId}`)).body.items).toHaveLength(1);
    expect(await sweepAt(Date.parse(START) + 86_400_000)).toBe(0);
    expect(await tickets(assetId)).toEqual([]);
    expect(reserved).toEqual([]);
    expect(assigned).toEqual([]);
  });

  test('persist: no ticket while the alarm is younger than `after`; then one ticket (parts reserved, auto-assign run), once, however many sweeps', async () => {
    const t0 = Date.parse(START) - 5 * 3_600_000;
    // Bearing above 80 from 12 min on: fires at 22 min and stays.
    const assetId = await run(t0, 40, { bearing: (m) => (m < 12 ? 50 : 90) });
    const raised = t0 + 22 * MIN;
    expect(await alarmsOf(assetId)).toEqual([
      expect.objectContaining({ ruleId: 'bearing-temp-high', state: 'active', ticketId: null, firstSeenAt: new Date(raised).toISOString() }),
    ]);
    expect(await sweepAt(raised + 59 * MIN)).toBe(0);
    expect(await tickets(assetId)).toEqual([]);

    const [a, b] = await Promise.all([sweepAt(raised + 60 * MIN), sweepAt(raised + 61 * MIN)]);
    expect(a + b).toBe(1);
    const opened = await tickets(assetId);
    expect(opened).toEqual([expect.objectContaining({ fault_code: 'BEARING_WEAR' })]);
    expect(await sweepAt(raised + 120 * MIN)).toBe(0);
    expect(await tickets(assetId)).toHaveLength(1);
    const [alarm] = await alarmsOf(assetId);
    expect(alarm!.ticketId).toBe(opened[0]!.id);
    const diagnosis = await service.diagnosis(opened[0]!.id);
    expect(diagnosis).toMatchObject({ alarmId: alarm!.id, ruleId: 'bearing-temp-high', evidenceCount: 1 });
    expect(diagnosis.evidence[0]!.at).toBe(new Date(raised).toISOString());
    expect(reserved).toEqual([opened[0]!.id]);
    expect(assigned).toEqual([opened[0]!.id]);
  });

  test('persist: an alarm that clears before `after` never becomes a ticket', async () => {
    const t0 = Date.parse(START) - 8 * 3_600_000;
    // Above 80 from 12 to 35 min: fires at 22, clears after 30 min back under 77, at 65 min (43 min < 1 h).
    const assetId = await run(t0, 75, { bearing: (m) => (m >= 12 && m < 35 ? 90 : 50) });
    expect(await alarmsOf(assetId)).toEqual([
      expect.objectContaining({ ruleId: 'bearing-temp-high', state: 'cleared', ticketId: null, clearedAt: new Date(t0 + 65 * MIN).toISOString() }),
    ]);
    expect(await sweepAt(Date.parse(START) + 86_400_000)).toBe(0);
    expect(await tickets(assetId)).toEqual([]);
  });
});

describe('ticket policy and the detector state', () => {
  test("changing a rule's ticket policy keeps its state (a firing rule stays firing); changing its condition restarts it", async () => {
    const { testModel, series, T0 } = await import('../detection/detection-fixtures.js');
    const rule = { id: 'hot', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 50, for: 0 };
    const hot = series('temp', T0, T0 + 60_000, 10_000, () => 80);
    const fired = evaluate(testModel([rule]), null, hot);
    expect(fired.findings.map((f) => f.state)).toEqual(['firing']);
    const more = series('temp', T0 + 60_000, T0 + 120_000, 10_000, () => 80);
    // Same rule, now alarm-only: still firing, no new finding.
    expect(evaluate(testModel([{ ...rule, ticket: { policy: 'never' } }]), fired.state, more).findings).toEqual([]);
    // A changed limit is a new rule: it starts over and fires again.
    expect(evaluate(testModel([{ ...rule, above: 60 }]), fired.state, more).findings.map((f) => f.state)).toEqual(['firing']);
  });
});
