/**
 * The foundation end to end: a device provisioned through the API connects over MQTT, publishes,
 * and its readings are in InfluxDB (found with InfluxQL) and readable through the API. Bad input
 * is refused and counted; revocation closes the live session.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MqttClient } from 'mqtt';
import { influxQuery, waitFor } from '../harness/servers.js';
import { provisionDevice, startTestPlatform, type ProvisionedDevice, type TestPlatform } from '../harness/platform.js';
import { connectDevice, publish, validMetrics } from '../harness/devices.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';

let t: TestPlatform;
let model: EquipmentModel;
let device: ProvisionedDevice;

const count = async (where: string) => {
  const rows = await influxQuery(t.config.INFLUX_URL, t.config.INFLUX_DATABASE, `SELECT count(*) FROM telemetry WHERE ${where}`).catch(() => []);
  return rows.length ? Math.max(...(rows[0]!.slice(1) as number[])) : 0;
};

beforeAll(async () => {
  t = await startTestPlatform();
  const models = await t.call<{ items: { id: string }[] } | { id: string }[]>('GET', '/api/v1/models');
  const list = Array.isArray(models.body) ? models.body : models.body.items;
  expect(list.length).toBeGreaterThanOrEqual(3);
  model = (await t.call<EquipmentModel>('GET', `/api/v1/models/${list[0]!.id}`)).body;
  device = await provisionDevice(t.call, model.id);
});

afterAll(async () => {
  await t?.stop();
});

describe('device to InfluxDB', () => {
  let client: MqttClient;
  const base = Date.now() - 60_000;

  beforeAll(async () => {
    client = await connectDevice(t.mqttPort, device.deviceId, device.token);
  });
  afterAll(() => client?.end(true));

  test('a single reading lands in InfluxDB with its tags and its own timestamp', async () => {
    const metrics = validMetrics(model);
    await publish(client, `devices/${device.deviceId}/telemetry`, { ts: base, metrics });
    await waitFor(async () => (await count(`device = '${device.deviceId}'`)) >= 1, 'reading in InfluxDB');
    const [name] = Object.keys(metrics);
    const res = await fetch(
      `${t.config.INFLUX_URL}/query?${new URLSearchParams({
        db: t.config.INFLUX_DATABASE,
        epoch: 'ms',
        q: `SELECT "${name}", device, asset, model, site, customer FROM telemetry WHERE device = '${device.deviceId}'`,
      })}`,
    );
    const body = (await res.json()) as { results: { series: { columns: string[]; values: unknown[][] }[] }[] };
    const series = body.results[0]!.series[0]!;
    const row = Object.fromEntries(series.columns.map((c, i) => [c, series.values[0]![i]]));
    expect(row.time).toBe(base);
    expect(row[name!]).toBe(metrics[name!]);
    expect(row.asset).toBe(device.assetId);
    expect(row.model).toBe(model.id);
    expect(row.site).toEqual(expect.any(String));
    expect(row.customer).toEqual(expect.any(String));
  });

  test('an array of buffered readings is written whole', async () => {
    const batch = Array.from({ length: 25 }, (_, i) => ({ ts: new Date(base + 1000 * (i + 1)).toISOString(), metrics: validMetrics(model, i / 100) }));
    await publish(client, `devices/${device.deviceId}/telemetry`, batch);
    await waitFor(async () => (await count(`device = '${device.deviceId}'`)) >= 26, '26 readings in InfluxDB');
    expect(await count(`device = '${device.deviceId}'`)).toBe(26);
  });

  test('the API reads the telemetry back, downsampled', async () => {
    const [name] = Object.keys(model.metrics);
    const from = new Date(base - 60_000).toISOString();
    const to = new Date(base + 60_000).toISOString();
    const res = await t.call<Record<string, unknown>>('GET', `/api/v1/assets/${device.assetId}/telemetry?metric=${name}&from=${from}&to=${to}&every=1m`);
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toContain(name!);
  });

  test.each([
    ['not JSON', '{"ts": 1, "metr', 'not_json'],
    ['unknown metric', { ts: Date.now(), metrics: { no_such_metric: 1 } }, 'unknown_metric'],
    ['wrong type', null, 'wrong_type'],
    ['outside the physical range', null, 'out_of_range'],
    ['timestamp in the future', null, 'future_timestamp'],
  ])('a payload %s is rejected, counted and not written', async (_label, payload, reason) => {
    const [name, def] = Object.entries(model.metrics)[0]!;
    const ts = base - 3_600_000; // a time no valid reading uses
    const body =
      payload ??
      (reason === 'wrong_type'
        ? { ts, metrics: { [name]: 'hot' } }
        : reason === 'out_of_range'
          ? { ts, metrics: { [name]: def.max + 1000 } }
          : { ts: Date.now() + 3_600_000, metrics: { [name]: def.min } });
    await publish(client, `devices/${device.deviceId}/telemetry`, body);
    await waitFor(async () => {
      const res = await t.call<{ items: { reason: string }[] }>('GET', `/api/v1/rejections?deviceId=${device.deviceId}&reason=${reason}`);
      return res.body.items.length > 0;
    }, `rejection ${reason}`);
    expect(client.connected).toBe(true);
    expect(await count(`device = '${device.deviceId}' AND time < ${ts + 1}ms AND time > ${ts - 1}ms`)).toBe(0);
    expect(await count(`device = '${device.deviceId}' AND time > now() + 1m`)).toBe(0);
  });
});

describe('credentials and topics', () => {
  test('a wrong token is refused', async () => {
    await expect(connectDevice(t.mqttPort, device.deviceId, 'tmd_wrong')).rejects.toThrow(/[Bb]ad username or password|[Nn]ot authorized/);
  });

  test('publishing to another device topic disconnects and writes nothing', async () => {
    const other = await provisionDevice(t.call, model.id);
    const client = await connectDevice(t.mqttPort, device.deviceId, device.token, { clientId: `${device.deviceId}` });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish(`devices/${other.deviceId}/telemetry`, JSON.stringify({ ts: Date.now(), metrics: validMetrics(model) }), { qos: 1 });
    await closed;
    client.end(true);
    expect(await count(`device = '${other.deviceId}'`)).toBe(0);
  });

  test('revoking a device closes its session and refuses it afterwards', async () => {
    const victim = await provisionDevice(t.call, model.id);
    const client = await connectDevice(t.mqttPort, victim.deviceId, victim.token);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    expect((await t.call('POST', `/api/v1/devices/${victim.deviceId}/revoke`)).status).toBe(200);
    await closed;
    client.end(true);
    await expect(connectDevice(t.mqttPort, victim.deviceId, victim.token)).rejects.toThrow();
  });

  test("rotating a technician app's MQTT token closes the session opened with the old one", async () => {
    const email = `tech-${randomBytes(4).toString('hex')}@example.test`;
    const user = await t.call<{ id: string }>('POST', '/api/v1/users', {
      email,
      name: 'Rotating Tech',
      role: 'technician',
      password: 'correct horse battery staple',
    });
    expect(user.status).toBe(201);
    const issue = async () => {
      const res = await t.call<{ clientId: string; token: string }>('POST', `/api/v1/technicians/${user.body.id}/mqtt-token`);
      expect(res.status).toBe(201);
      return res.body;
    };
    const first = await issue();
    const app = await connectDevice(t.mqttPort, first.clientId, first.token);
    const closed = new Promise<void>((resolve) => app.once('close', () => resolve()));
    const second = await issue();
    await closed;
    app.end(true);
    await expect(connectDevice(t.mqttPort, first.clientId, first.token)).rejects.toThrow();
    const again = await connectDevice(t.mqttPort, second.clientId, second.token);
    await again.endAsync();
  });

  test('presence: online while connected, last seen after publishing, offline after leaving', async () => {
    const d = await provisionDevice(t.call, model.id);
    const get = async () =>
      (await t.call<{ online: boolean; lastSeenAt: string | null; connectedAt: string | null }>('GET', `/api/v1/devices/${d.deviceId}`)).body;
    const client = await connectDevice(t.mqttPort, d.deviceId, d.token);
    await waitFor(async () => (await get()).online, 'device online');
    expect((await get()).connectedAt).not.toBeNull();
    await publish(client, `devices/${d.deviceId}/telemetry`, { ts: Date.now(), metrics: validMetrics(model) });
    await waitFor(async () => (await get()).lastSeenAt !== null, 'last seen recorded', 15_000);
    await client.endAsync();
    await waitFor(async () => !(await get()).online, 'device offline');
  });
});
