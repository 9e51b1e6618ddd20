/**
 * InfluxDB stopped for 60 s while devices publish, then restarted: every accepted reading is there.
 */
import { afterAll, expect, test } from 'vitest';
import { influxQuery, startInflux, waitFor, type TestServer } from '../harness/servers.js';
import { provisionDevice, startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { connectDevice, validMetrics } from '../harness/devices.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';

let influx: TestServer | undefined;
let t: TestPlatform | undefined;

afterAll(async () => {
  await t?.stop();
  await influx?.destroy();
});

test('a 60 s InfluxDB outage loses no accepted reading', { timeout: 180_000 }, async () => {
  influx = await startInflux();
  t = await startTestPlatform({ INFLUX_URL: influx.url });
  const models = (await t.call<{ id: string }[] | { items: { id: string }[] }>('GET', '/api/v1/models')).body;
  const id = (Array.isArray(models) ? models : models.items)[0]!.id;
  const model = (await t.call<EquipmentModel>('GET', `/api/v1/models/${id}`)).body;
  const device = await provisionDevice(t.call, model.id);
  const client = await connectDevice(t.mqttPort, device.deviceId, device.token);

  const acked: number[] = [];
  let stop = false;
  const start = Date.now() - 3_600_000;
  const publisher = (async () => {
    for (let i = 0; !stop; i++) {
      const ts = start + i * 10;
      await new Promise<void>((resolve, reject) =>
        client.publish(
          `devices/${device.deviceId}/telemetry`,
          JSON.stringify([
            { ts, metrics: validMetrics(model) },
            { ts: ts + 1, metrics: validMetrics(model) },
          ]),
          { qos: 1 },
          (e) => (e ? reject(e) : resolve()),
        ),
      );
      acked.push(ts, ts + 1);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  const countAll = async () => {
    const rows = await influxQuery(influx!.url, t!.config.INFLUX_DATABASE, `SELECT count(*) FROM telemetry WHERE device = '${device.deviceId}'`).catch(
      () => [],
    );
    return rows.length ? Math.max(...(rows[0]!.slice(1) as number[])) : 0;
  };
  await waitFor(async () => (await countAll()) > 0, 'first readings written');
  await influx.stop();
  const during = acked.length;
  await new Promise((r) => setTimeout(r, 60_000)); // the outage itself: 60 s, as the issue asks
  expect(acked.length).toBeGreaterThan(during + 100); // devices kept being acknowledged meanwhile
  await influx.start();
  stop = true;
  await publisher;
  client.end(true);

  await waitFor(async () => (await countAll()) >= acked.length, `all ${acked.length} readings written`, 60_000);
  expect(await countAll()).toBe(acked.length);
});

test('the platform starts while InfluxDB is down, journals, and writes once it is up', { timeout: 120_000 }, async () => {
  const down = await startInflux();
  await down.stop();
  const platform = await startTestPlatform({ INFLUX_URL: down.url });
  try {
    const models = (await platform.call<{ id: string }[] | { items: { id: string }[] }>('GET', '/api/v1/models')).body;
    const id = (Array.isArray(models) ? models : models.items)[0]!.id;
    const model = (await platform.call<EquipmentModel>('GET', `/api/v1/models/${id}`)).body;
    const device = await provisionDevice(platform.call, model.id);
    const client = await connectDevice(platform.mqttPort, device.deviceId, device.token);
    const ts = Date.now() - 60_000;
    await new Promise<void>((resolve, reject) =>
      client.publish(`devices/${device.deviceId}/telemetry`, JSON.stringify({ ts, metrics: validMetrics(model) }), { qos: 1 }, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    client.end(true);
    const read = await platform.call<{ code: string }>('GET', `/api/v1/assets/${device.assetId}/telemetry`);
    expect(read.status).toBe(503);
    expect(read.body.code).toBe('DEPENDENCY_UNAVAILABLE');

    await down.start();
    const count = async () =>
      (await influxQuery(down.url, platform.config.INFLUX_DATABASE, `SELECT count(*) FROM telemetry WHERE device = '${device.deviceId}'`).catch(() => []))
        .length;
    await waitFor(async () => (await count()) > 0, 'the journalled reading written once InfluxDB is up', 60_000);
    expect((await platform.call('GET', `/api/v1/assets/${device.assetId}/telemetry`)).status).toBe(200);
  } finally {
    await platform.stop();
    await down.destroy();
  }
});
