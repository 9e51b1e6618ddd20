/**
 * Live detection end to end: a device publishes a controller event mapped to a fault over MQTT →
 * journal → InfluxDB writer → detection job (BullMQ) → detection worker → auto-ticket. Exactly
 * one open IoT ticket with the fault code and its prefilled diagnosis; the same event again, and
 * later evidence, leave it at one ticket.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MqttClient } from 'mqtt';
import { waitFor } from '../harness/servers.js';
import { provisionDevice, startTestPlatform, type ProvisionedDevice, type TestPlatform } from '../harness/platform.js';
import { connectDevice, publish, validMetrics } from '../harness/devices.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import { DetectionStateStore } from '../../src/telemetry/detection/worker/detection-state.store.js';
import { Redis } from 'ioredis';

const MODEL = 'centrifugal-pump-cp80';

interface TicketRow {
  id: string;
  channel: string;
  faultCode: string | null;
  status: string;
}

let t: TestPlatform;
let model: EquipmentModel;
let device: ProvisionedDevice;
let client: MqttClient;
let redis: Redis;

beforeAll(async () => {
  t = await startTestPlatform();
  model = (await t.call<EquipmentModel>('GET', `/api/v1/models/${MODEL}`)).body;
  device = await provisionDevice(t.call, MODEL);
  client = await connectDevice(t.mqttPort, device.deviceId, device.token);
  redis = new Redis(t.config.REDIS_URL);
});

afterAll(async () => {
  client?.end(true);
  await redis?.quit();
  await t?.stop();
});

const openTickets = async () => {
  const res = await t.call<{ items: TicketRow[] }>('GET', `/api/v1/tickets?assetId=${device.assetId}&open=true`);
  expect(res.status).toBe(200);
  return res.body.items;
};

const diagnosis = (ticketId: string) =>
  t.call<{ ruleId: string; evidenceCount: number; prefill: { fault: { code: string; diagnosis: string | null; title: string } } }>(
    'GET',
    `/api/v1/tickets/${ticketId}/diagnosis`,
  );

describe('MQTT event → auto-ticket', () => {
  test('a controller event mapped to a fault opens exactly one prefilled IoT ticket; repeats do not add one', async () => {
    // The model's own declaration: an event rule, its code, and the catalogue entry of its fault.
    const rule = model.detection!.rules.find((r) => r.kind === 'event' && (r.codes?.length ?? 0) > 0) as { id: string; fault: string; codes: string[] };
    expect(rule).toBeDefined();
    const code = rule.codes[0]!;
    const fault = model.faults.find((f) => f.code === rule.fault)!;
    expect(fault.diagnosis).toBeTruthy();

    const base = Date.now() - 60_000;
    await publish(client, `devices/${device.deviceId}/telemetry`, { ts: base, metrics: validMetrics(model) });
    const event = { ts: base + 1000, code, severity: 'critical', message: 'overcurrent' };
    await publish(client, `devices/${device.deviceId}/events`, event);

    let tickets: TicketRow[] = [];
    await waitFor(async () => (tickets = await openTickets()).length > 0, 'the auto-ticket', 15_000);
    expect(tickets).toEqual([expect.objectContaining({ channel: 'iot', faultCode: rule.fault, status: 'new' })]);
    const ticketId = tickets[0]!.id;

    const diag = await diagnosis(ticketId);
    expect(diag.status).toBe(200);
    expect(diag.body.ruleId).toBe(rule.id);
    expect(diag.body.prefill.fault).toMatchObject({ code: rule.fault, title: fault.title, diagnosis: fault.diagnosis });
    expect(diag.body.evidenceCount).toBe(1);

    // The same publish again (a device retrying) is late for detection; a later occurrence of
    // the code finds the rule already firing. Neither opens a second ticket.
    await publish(client, `devices/${device.deviceId}/events`, event);
    await publish(client, `devices/${device.deviceId}/events`, { ...event, ts: base + 5000 });
    const store = new DetectionStateStore(redis, t.config.REDIS_PREFIX, { get: (id) => (id === model.id ? model : undefined) });
    await waitFor(async () => (await store.load(device.assetId)).state?.eventWatermark === base + 5000, 'the repeated events to be evaluated', 10_000);
    expect(t.platform.detection!.stats().late).toBeGreaterThanOrEqual(1);
    expect((await store.load(device.assetId)).state?.rules[rule.id]?.firing).toBe(true);
    expect(await openTickets()).toEqual([expect.objectContaining({ id: ticketId, faultCode: rule.fault })]);
    expect((await diagnosis(ticketId)).body.evidenceCount).toBe(1);
  });
});
