/**
 * The baseline lifecycle end to end on a real Redis: readings as journal batches → shard jobs →
 * detection worker → alarms and auto-tickets (PGlite), and the baselines API sending commands
 * through the same shard queues. Learning progress then an active baseline in GET; a regime
 * shift fires; a repair visit closed as fixed relearns after the model's settle time and the
 * alarm clears; freezing stops drift following and survives a worker restart; accepting an
 * alarm as normal clears it (learned and anomaly rules; fixed limits refused); roles.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditTrail } from '../../src/access/audit/audit.service.js';
import type { DeviceIdentity } from '../../src/telemetry/devices/devices.types.js';
import { DetectionStateStore } from '../../src/telemetry/detection/worker/detection-state.store.js';
import { waitFor } from '../harness/servers.js';
import { pumpReadings, startBaselinesWorld, type BaselinesWorld } from './baselines-fixture.js';

let world: BaselinesWorld;
beforeAll(async () => {
  world = await startBaselinesWorld();
});
afterAll(async () => {
  await world?.close();
});

interface ModeView {
  mode: string;
  state: string;
  frozen: boolean;
  progress: { samples: number; needed: number; spanMs: number; neededSpanMs: number } | null;
  trainingWindow: { from: string; to: string } | null;
  samples: number | null;
  metrics: { metric: string; learnedCentre: number; centre: number; spread: number }[];
  limit: number | null;
}

async function baseline(assetId: string): Promise<{ firing: boolean; mode: ModeView }> {
  const res = await world.call('GET', `/api/v1/assets/${assetId}/baselines`);
  expect(res.status).toBe(200);
  const rule = res.body.rules.find((r: { ruleId: string }) => r.ruleId === 'behaviour');
  return { firing: rule.firing, mode: rule.modes[0] };
}

const openAlarms = async (assetId: string) =>
  (await world.call('GET', `/api/v1/alarms?assetId=${assetId}&open=true`)).body.items as {
    id: string;
    ruleId: string;
    state: string;
    ticketId: string | null;
  }[];

/** Learns the asset's baseline (100 readings + margin) and waits until it is active. */
async function learnt(device: DeviceIdentity): Promise<ModeView> {
  await world.send(device, pumpReadings(0, 120));
  let mode: ModeView | undefined;
  await waitFor(async () => (mode = (await baseline(device.assetId)).mode).state === 'active', 'an active baseline');
  return mode!;
}

/** A regime that breaks the learnt relation (current up, flow as before): the learned rule fires. */
async function shifted(device: DeviceIdentity, from = 120): Promise<{ id: string; ticketId: string | null }> {
  await world.send(device, pumpReadings(from, 10, { current: 26, flow: 100 }));
  let alarm: { id: string; ruleId: string; ticketId: string | null } | undefined;
  await waitFor(async () => !!(alarm = (await openAlarms(device.assetId)).find((a) => a.ruleId === 'behaviour')), 'the learned alarm');
  return alarm!;
}

/** Waits until the worker has evaluated the asset's readings up to the last of `readings`. */
async function evaluated(device: DeviceIdentity, readings: readonly { ts: number }[]): Promise<void> {
  const last = readings[readings.length - 1]!.ts;
  const store = new DetectionStateStore(world.redis, world.prefix, world.models);
  await waitFor(async () => ((await store.read(device.assetId)).state?.watermark ?? 0) >= last, 'the readings evaluated');
}

const alarmState = async (id: string) => (await world.call('GET', `/api/v1/alarms/${id}`)).body.state as string;

describe('baselines', () => {
  test('GET shows learning progress, then an active baseline with centre, spread and limit', async () => {
    const device = await world.asset();
    const before = await baseline(device.assetId);
    expect(before.mode).toMatchObject({
      mode: 'all',
      state: 'learning',
      progress: { samples: 0, needed: 100 },
      trainingWindow: null,
      metrics: [],
      limit: null,
    });

    const first = pumpReadings(0, 40);
    await world.send(device, first);
    await waitFor(async () => (await baseline(device.assetId)).mode.progress?.samples === 40, 'learning progress');
    const learning = (await baseline(device.assetId)).mode;
    expect(learning).toMatchObject({ state: 'learning', progress: { samples: 40, needed: 100, spanMs: 39 * 10_000 } });
    expect(learning.trainingWindow).toEqual({ from: new Date(first[0]!.ts).toISOString(), to: new Date(first[39]!.ts).toISOString() });

    await world.send(device, pumpReadings(40, 70));
    let active: ModeView | undefined;
    await waitFor(async () => (active = (await baseline(device.assetId)).mode).state === 'active', 'an active baseline');
    expect(active!.progress).toBeNull();
    expect(active!.samples).toBe(100);
    expect(active!.limit).toBeGreaterThan(0);
    expect(active!.metrics.map((m) => m.metric)).toEqual(['current', 'flow', 'temperature']);
    const current = active!.metrics[0]!;
    expect(current.learnedCentre).toBeCloseTo(20, 0);
    expect(current.spread).toBeGreaterThan(0.1);
    expect(current.spread).toBeLessThan(1);
    expect(active!.metrics[1]!.learnedCentre).toBeCloseTo(100, -1);
  });

  test('a repair visit closed as fixed relearns after the settle time: the baseline learns again and the alarm clears', async () => {
    const device = await world.asset();
    await learnt(device);
    const alarm = await shifted(device);
    expect((await baseline(device.assetId)).firing).toBe(true);
    expect(alarm.ticketId).not.toBeNull();

    const technician = await world.user('technician');
    expect((await world.call('POST', `/api/v1/tickets/${alarm.ticketId}/assignment`, { technicianId: technician.id })).status).toBe(200);
    const visit = await world.call('POST', `/api/v1/tickets/${alarm.ticketId}/visits`, {
      technicianId: technician.id,
      plannedStart: '2025-03-10T09:00:00Z',
      plannedEnd: '2025-03-10T10:00:00Z',
    });
    expect(visit.status).toBe(201);
    const closed = await world.call('POST', `/api/v1/visits/${visit.body.id}/close`, {
      outcome: 'fixed',
      resolutionNotes: 'Replaced the impeller',
      actualStart: '2025-03-10T09:05:00Z',
      actualEnd: '2025-03-10T09:40:00Z',
      acceptance: { name: 'Ms Berg', confirmation: 'Running again' },
    });
    expect(closed.status).toBe(200);

    // One delayed job per visit and rule (relearnAfterRepair: 1s), with an id of its own.
    const jobs = await world.redis.keys(`${world.prefix}:bull:detection-*:relearn-${visit.body.id}-behaviour`);
    expect(jobs).toHaveLength(1);
    await waitFor(async () => (await alarmState(alarm.id)) === 'cleared', 'the alarm cleared by the relearn', 15_000);
    const after = await baseline(device.assetId);
    expect(after.firing).toBe(false);
    expect(after.mode).toMatchObject({ state: 'learning', progress: { samples: 0 } });

    // It learns the repaired machine's normal from the next readings.
    await world.send(device, pumpReadings(130, 110, { current: 26, flow: 130 }));
    await waitFor(async () => (await baseline(device.assetId)).mode.state === 'active', 'the relearnt baseline');
    expect((await baseline(device.assetId)).mode.metrics[0]!.learnedCentre).toBeCloseTo(26, 0);
  });

  test('a frozen baseline does not follow drift and stays frozen across a worker restart', async () => {
    const device = await world.asset();
    await learnt(device);
    const frozen = await world.call('POST', `/api/v1/assets/${device.assetId}/baselines/freeze`, { ruleId: 'behaviour' });
    expect(frozen.status).toBe(202);
    expect(frozen.body.commands).toEqual([{ ruleId: 'behaviour', op: 'freeze' }]);
    await waitFor(async () => (await baseline(device.assetId)).mode.frozen, 'the frozen baseline');
    const atFreeze = (await baseline(device.assetId)).mode.metrics[2]!.centre;

    // The temperature warms by 2 °C over 20 readings: a followed metric, yet its centre stays.
    const drift = pumpReadings(120, 20, { drift: 0.1 });
    await world.send(device, drift);
    await evaluated(device, drift);
    await world.restartWorker();
    const warm = pumpReadings(140, 20, { temperature: 42 });
    await world.send(device, warm);
    await evaluated(device, warm);
    const mode = (await baseline(device.assetId)).mode;
    expect(mode).toMatchObject({ state: 'frozen', frozen: true });
    expect(mode.metrics[2]!.centre).toBe(atFreeze);

    // Unfrozen, the centre follows the warmer fluid.
    expect((await world.call('POST', `/api/v1/assets/${device.assetId}/baselines/unfreeze`)).status).toBe(202);
    await world.send(device, pumpReadings(160, 30, { temperature: 42 }));
    await waitFor(async () => (await baseline(device.assetId)).mode.metrics[2]!.centre > atFreeze + 0.1, 'the centre following');
    expect(await auditTrail(world.db, 'asset', device.assetId)).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'baseline_freeze' }), expect.objectContaining({ action: 'baseline_unfreeze' })]),
    );
  });

  test('accept-as-normal on a learned alarm relearns its rule: the alarm clears through the normal path; audited', async () => {
    const device = await world.asset();
    await learnt(device);
    const alarm = await shifted(device);
    const dispatcher = await world.user('dispatcher');
    const accepted = await world.call('POST', `/api/v1/alarms/${alarm.id}/accept-as-normal`, undefined, dispatcher.auth);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ alarmId: alarm.id, kind: 'learned', commands: [{ ruleId: 'behaviour', op: 'relearn' }] });
    await waitFor(async () => (await alarmState(alarm.id)) === 'cleared', 'the accepted alarm cleared');
    expect((await baseline(device.assetId)).mode.state).toBe('learning');
    const audit = await auditTrail(world.db, 'alarm', alarm.id);
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'accept_as_normal', actorId: dispatcher.id })]));
    // Cleared: nothing left to accept.
    expect((await world.call('POST', `/api/v1/alarms/${alarm.id}/accept-as-normal`)).status).toBe(409);
  });

  test('accept-as-normal restarts an anomaly rule baseline; a fixed limit is refused with a problem', async () => {
    const device = await world.asset();
    await world.send(device, pumpReadings(0, 60));
    // Flow jumps (current with it: the learned rule fires too; the anomaly alarm is the one accepted).
    await world.send(device, pumpReadings(60, 5, { current: 120, flow: 600 }));
    let alarms: Awaited<ReturnType<typeof openAlarms>> = [];
    await waitFor(
      async () => (alarms = await openAlarms(device.assetId)).some((a) => a.ruleId === 'flow-unusual') && alarms.some((a) => a.ruleId === 'current-high'),
      'anomaly and threshold alarms',
    );
    const anomaly = alarms.find((a) => a.ruleId === 'flow-unusual')!;
    const threshold = alarms.find((a) => a.ruleId === 'current-high')!;

    const refused = await world.call('POST', `/api/v1/alarms/${threshold.id}/accept-as-normal`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('CONFLICT');
    expect(refused.body.detail).toContain('fixed limits cannot be accepted; change the model');

    const accepted = await world.call('POST', `/api/v1/alarms/${anomaly.id}/accept-as-normal`);
    expect(accepted.status).toBe(202);
    expect(accepted.body.kind).toBe('anomaly');
    await waitFor(async () => (await alarmState(anomaly.id)) === 'cleared', 'the anomaly alarm cleared');
    // The new level is the new normal: the window warms up on it and does not fire again.
    const newLevel = pumpReadings(65, 60, { current: 20, flow: 600 });
    await world.send(device, newLevel);
    await evaluated(device, newLevel);
    expect((await openAlarms(device.assetId)).some((a) => a.ruleId === 'flow-unusual')).toBe(false);
  });

  test('unknown rule → 404 naming it, a rule without a baseline → 409, bad mode → 400; roles', async () => {
    const device = await world.asset();
    const url = `/api/v1/assets/${device.assetId}/baselines`;
    const unknown = await world.call('POST', `${url}/relearn`, { ruleId: 'no-such-rule' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toContain('no-such-rule');
    const notLearned = await world.call('POST', `${url}/relearn`, { ruleId: 'current-high' });
    expect(notLearned.status).toBe(409);
    expect(notLearned.body.detail).toContain('current-high');
    const badMode = await world.call('POST', `${url}/freeze`, { ruleId: 'behaviour', mode: '3' });
    expect(badMode.status).toBe(400);
    expect((await world.call('POST', `${url}/relearn`, { extra: 1 })).status).toBe(400);
    expect((await world.call('GET', `/api/v1/assets/00000000-0000-4000-8000-000000000000/baselines`)).status).toBe(404);

    const technician = await world.user('technician');
    const agent = await world.user('agent');
    const dispatcher = await world.user('dispatcher');
    expect((await world.call('GET', url, undefined, technician.auth)).status).toBe(200);
    expect((await world.call('GET', url, undefined, agent.auth)).status).toBe(403);
    expect((await world.call('POST', `${url}/relearn`, {}, technician.auth)).status).toBe(403);
    const relearn = await world.call('POST', `${url}/relearn`, {}, dispatcher.auth);
    expect(relearn.status).toBe(202);
    expect(relearn.body.commands).toEqual([{ ruleId: 'behaviour', op: 'relearn' }]);
  });
});
