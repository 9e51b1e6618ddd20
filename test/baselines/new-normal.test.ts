/**
 * "Looks like the new normal" end to end on a real Redis: readings as journal batches → shard
 * jobs → detection worker → alarms (PGlite) → GET /alarms. A step change that persists is marked
 * `newNormal` once it has been steady for the rule's window (10 min of reading time in the test
 * model), since the start of the steady stretch; a fault still worsening is not; accepting the
 * marked alarm as normal clears it and the mark.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DeviceIdentity } from '../../src/telemetry/devices/devices.types.js';
import type { Reading } from '../../src/telemetry/detection/detection.types.js';
import { DetectionStateStore } from '../../src/telemetry/detection/worker/detection-state.store.js';
import { auditTrail } from '../../src/access/audit/audit.service.js';
import { waitFor } from '../harness/servers.js';
import { pumpReadings, startBaselinesWorld, type BaselinesWorld } from './baselines-fixture.js';

let world: BaselinesWorld;
beforeAll(async () => {
  world = await startBaselinesWorld();
});
afterAll(async () => {
  await world?.close();
});

interface AlarmView {
  id: string;
  ruleId: string;
  state: string;
  firstSeenAt: string;
  newNormal: boolean;
  newNormalSince: string | null;
}

const behaviourAlarm = async (assetId: string): Promise<AlarmView | undefined> =>
  ((await world.call('GET', `/api/v1/alarms?assetId=${assetId}&open=true`)).body.items as AlarmView[]).find((a) => a.ruleId === 'behaviour');

async function evaluated(device: DeviceIdentity, readings: readonly Reading[]): Promise<void> {
  const last = readings[readings.length - 1]!.ts;
  const store = new DetectionStateStore(world.redis, world.prefix, world.models);
  await waitFor(async () => ((await store.read(device.assetId)).state?.watermark ?? 0) >= last, 'the readings evaluated');
}

/** An asset whose learned baseline is active (100 readings to learn, 10 s apart). */
async function learnt(): Promise<DeviceIdentity> {
  const device = await world.asset();
  await world.send(device, pumpReadings(0, 120));
  await waitFor(async () => {
    const rules = (await world.call('GET', `/api/v1/assets/${device.assetId}/baselines`)).body.rules as { ruleId: string; modes: { state: string }[] }[];
    return rules.find((r) => r.ruleId === 'behaviour')?.modes[0]?.state === 'active';
  }, 'an active baseline');
  return device;
}

describe('new normal', () => {
  test('a step change that persists is marked newNormal after the window; accepting it clears the alarm and the mark', async () => {
    const device = await learnt();
    // Current up, flow as before: the learnt relation breaks and stays broken at one level.
    const early = pumpReadings(120, 20, { current: 26, flow: 100 });
    await world.send(device, early);
    await evaluated(device, early);
    const raised = await behaviourAlarm(device.assetId);
    expect(raised).toMatchObject({ state: 'active', newNormal: false, newNormalSince: null });

    // 8 min of a steady step: not yet the window.
    const more = pumpReadings(140, 30, { current: 26, flow: 100 });
    await world.send(device, more);
    await evaluated(device, more);
    expect((await behaviourAlarm(device.assetId))?.newNormal).toBe(false);

    // Past 10 min steady: the new normal, since the start of the steady stretch (just after the raise).
    const steady = pumpReadings(170, 60, { current: 26, flow: 100 });
    await world.send(device, steady);
    let alarm: AlarmView | undefined;
    await waitFor(async () => (alarm = await behaviourAlarm(device.assetId))?.newNormal === true, 'the alarm marked as the new normal');
    expect(alarm!.id).toBe(raised!.id);
    const since = Date.parse(alarm!.newNormalSince!);
    const raisedAt = Date.parse(raised!.firstSeenAt);
    expect(since).toBeGreaterThanOrEqual(raisedAt);
    expect(since).toBeLessThan(raisedAt + 60_000);
    const one = await world.call('GET', `/api/v1/alarms/${alarm!.id}`);
    expect(one.body).toMatchObject({ newNormal: true, newNormalSince: alarm!.newNormalSince });
    expect(await auditTrail(world.db, 'alarm', alarm!.id)).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'new_normal' })]));

    const accepted = await world.call('POST', `/api/v1/alarms/${alarm!.id}/accept-as-normal`);
    expect(accepted.status).toBe(202);
    await waitFor(async () => (await world.call('GET', `/api/v1/alarms/${alarm!.id}`)).body.state === 'cleared', 'the accepted alarm cleared');
    expect((await world.call('GET', `/api/v1/alarms/${alarm!.id}`)).body).toMatchObject({ state: 'cleared', newNormal: false, newNormalSince: null });
    expect(await behaviourAlarm(device.assetId)).toBeUndefined();
  });

  test('a fault still worsening stays raised without the mark', async () => {
    const device = await learnt();
    // The current keeps climbing (0.12 A a minute) with the flow unchanged: 35 min, three windows.
    const rising = pumpReadings(120, 210, { flow: 100 }).map((r, i) => ({ ...r, metrics: { ...r.metrics, current: r.metrics.current! + 6 + 0.02 * i } }));
    for (let i = 0; i < rising.length; i += 70) await world.send(device, rising.slice(i, i + 70));
    await evaluated(device, rising);
    const alarm = await behaviourAlarm(device.assetId);
    expect(alarm).toMatchObject({ state: 'active', newNormal: false, newNormalSince: null });
  });
});
