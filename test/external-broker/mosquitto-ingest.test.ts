/**
 * Telemend on an external broker: Debian's Mosquitto 2 (MQTT 5, dynamic security) started by the
 * harness, the embedded broker switched off. Devices provisioned through the API are written into
 * Mosquitto's dynamic security; a device publishes to Mosquitto and its reading lands in InfluxDB
 * and detection (an auto-ticket); commands go out through Mosquitto and answers come back; a
 * revoked device is disconnected and refused; a device cannot publish under another's topics.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { influxQuery, waitFor } from '../harness/servers.js';
import { provisionDevice, startTestPlatform, type ProvisionedDevice, type TestPlatform } from '../harness/platform.js';
import { publish, validMetrics } from '../harness/devices.js';
import { connectMosquittoDevice, externalEnv, startMosquitto, type MosquittoServer } from '../harness/mosquitto.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';

const MODEL = 'centrifugal-pump-cp80';
let mosquitto: MosquittoServer;
let t: TestPlatform;
let model: EquipmentModel;
const clients: MqttClient[] = [];

/** Connects a device to Mosquitto and closes it after the file. */
async function connectToMosquitto(url: string, deviceId: string, token: string, extra: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const client = await connectMosquittoDevice(url, deviceId, token, extra);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  mosquitto = await startMosquitto();
  t = await startTestPlatform(externalEnv(mosquitto.url));
  model = (await t.call<EquipmentModel>('GET', `/api/v1/models/${MODEL}`)).body;
});

afterAll(async () => {
  for (const client of clients) client.end(true);
  await t?.stop();
  await mosquitto?.destroy();
});

describe('ingest from Mosquitto', () => {
  let device: ProvisionedDevice;

  test('the embedded broker is off; a provisioned device connects to Mosquitto and its readings reach InfluxDB and detection', async () => {
    expect(t.platform.broker).toBeUndefined();
    device = await provisionDevice(t.call, MODEL);
    const client = await connectToMosquitto(mosquitto.url, device.deviceId, device.token);

    const base = Date.now() - 60_000;
    await publish(client, `devices/${device.deviceId}/telemetry`, { ts: base, metrics: validMetrics(model) });
    await waitFor(
      async () =>
        (await influxQuery(t.config.INFLUX_URL, t.config.INFLUX_DATABASE, `SELECT count(*) FROM telemetry WHERE device = '${device.deviceId}'`).catch(() => []))
          .length > 0,
      'the reading in InfluxDB',
    );

    const rule = model.detection!.rules.find((r) => r.kind === 'event' && (r.codes?.length ?? 0) > 0) as { fault: string; codes: string[] };
    await publish(client, `devices/${device.deviceId}/events`, { ts: base + 1000, code: rule.codes[0], severity: 'critical' });
    let tickets: { faultCode: string | null; channel: string }[] = [];
    await waitFor(
      async () => (tickets = (await t.call<{ items: typeof tickets }>('GET', `/api/v1/tickets?assetId=${device.assetId}&open=true`)).body.items).length > 0,
      'the auto-ticket',
      20_000,
    );
    expect(tickets).toEqual([expect.objectContaining({ channel: 'iot', faultCode: rule.fault })]);

    // A bad payload is acknowledged by Telemend's ingest and lands in the rejection log.
    await publish(client, `devices/${device.deviceId}/telemetry`, 'not json');
    await waitFor(
      async () =>
        (await t.call<{ items: { reason: string }[] }>('GET', `/api/v1/rejections?deviceId=${device.deviceId}`)).body.items.some(
          (r) => r.reason === 'not_json',
        ),
      'the rejection',
    );
    expect(t.platform.external!.stats()).toMatchObject({ journalErrors: 0 });
  });

  test('Mosquitto refuses a device publishing under another device, and an unknown token', async () => {
    const other = await provisionDevice(t.call, MODEL);
    const client = await connectToMosquitto(mosquitto.url, other.deviceId, other.token);
    await expect(publish(client, `devices/${device.deviceId}/telemetry`, { ts: Date.now(), metrics: validMetrics(model) })).rejects.toThrow(/Not authorized/);
    await expect(connectToMosquitto(mosquitto.url, other.deviceId, 'tmd_wrong-token')).rejects.toThrow(/Not authorized|Bad user name or password/);
  });

  test('a command goes out through Mosquitto and the answer comes back', async () => {
    const client = await connectToMosquitto(mosquitto.url, device.deviceId, device.token, { clientId: device.deviceId });
    await client.subscribeAsync(`devices/${device.deviceId}/commands`, { qos: 1 });
    const received = new Promise<{ payload: Record<string, string>; packet: mqtt.IPublishPacket }>((resolve) =>
      client.once('message', (_topic, payload, packet) => resolve({ payload: JSON.parse(payload.toString()) as Record<string, string>, packet })),
    );
    const sent = await t.call<{ id: string }>('POST', `/api/v1/assets/${device.assetId}/commands`, { command: 'reset_trip', parameters: { code: 'DRY-RUN' } });
    expect(sent.status).toBe(202);
    const { payload, packet } = await received;
    expect(payload).toMatchObject({ id: sent.body.id, command: 'reset_trip' });
    // MQTT 5 properties: expiry, correlation data and response topic.
    expect(packet.properties?.correlationData?.toString()).toBe(sent.body.id);
    expect(packet.properties?.responseTopic).toBe(`devices/${device.deviceId}/command-results`);
    expect(packet.properties?.messageExpiryInterval).toBeGreaterThan(0);

    await publish(client, `devices/${device.deviceId}/command-results`, { id: sent.body.id, status: 'succeeded', message: 'reset' });
    await waitFor(async () => (await t.call<{ state: string }>('GET', `/api/v1/commands/${sent.body.id}`)).body.state === 'succeeded', 'the succeeded state');
  });

  test('revoking a device disconnects it at Mosquitto and it is refused afterwards', async () => {
    const victim = await provisionDevice(t.call, MODEL);
    const client = await connectToMosquitto(mosquitto.url, victim.deviceId, victim.token);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    expect((await t.call('POST', `/api/v1/devices/${victim.deviceId}/revoke`)).status).toBe(200);
    await closed;
    await expect(connectToMosquitto(mosquitto.url, victim.deviceId, victim.token)).rejects.toThrow(/Not authorized|Bad user name or password/);
  });

  test('rotating a token ends the session opened with the old one; the new one connects', async () => {
    const rotated = await provisionDevice(t.call, MODEL);
    const client = await connectToMosquitto(mosquitto.url, rotated.deviceId, rotated.token);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const fresh = await t.call<{ token: string }>('POST', `/api/v1/devices/${rotated.deviceId}/rotate`);
    expect(fresh.status).toBe(200);
    await closed;
    await expect(connectToMosquitto(mosquitto.url, rotated.deviceId, rotated.token)).rejects.toThrow(/Not authorized|Bad user name or password/);
    await connectToMosquitto(mosquitto.url, rotated.deviceId, fresh.body.token);
  });
});
