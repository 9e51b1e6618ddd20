/**
 * Technicians' locations over real MQTT: the real broker (TelemetryBroker) with the technician
 * port on a real PGlite database and the real rejection log on the run's Redis. The technician
 * connects as `tech:<userId>` with the token from the API, may publish only to its own
 * `technicians/{id}/location`; bad payloads are acknowledged, counted and logged.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test, inject } from 'vitest';
import { TelemetryBroker } from '../../src/telemetry/broker/broker.js';
import { DevicesService } from '../../src/telemetry/devices/devices.service.js';
import type { MqttAuthenticator } from '../../src/telemetry/devices/devices.types.js';
import { RejectionLog } from '../../src/telemetry/ingest/rejection-log.js';
import { TechnicianLocationService } from '../../src/service/technicians/technician-location.service.js';
import { baseOptions, closeOf, connect, PresenceRecorder, RecordingIngest, silentLogger } from '../broker/broker.fakes.js';
import { waitFor } from '../harness/servers.js';
import { startDispatchApi, type DispatchApi } from '../dispatch/dispatch-fixture.js';

let api: DispatchApi;
let broker: TelemetryBroker;
let port: number;
let redis: Redis;
let rejections: RejectionLog;
const open: MqttClient[] = [];

beforeAll(async () => {
  api = await startDispatchApi('2025-03-11T09:00:00.000Z');
  redis = new Redis(inject('redisUrl'));
  rejections = new RejectionLog(redis, { prefix: `tech-mqtt-${randomBytes(4).toString('hex')}`, maxEntries: 100, logger: silentLogger });
  const devices = new DevicesService(api.db);
  const technicians = new TechnicianLocationService(api.db, { clock: api.clock, rejections });
  // What the platform wires: devices and technicians' apps behind one authenticator.
  const authenticator: MqttAuthenticator = { authenticate: (id, token) => devices.authenticate(id, token), technicians };
  broker = new TelemetryBroker({
    options: baseOptions,
    authenticator,
    presence: new PresenceRecorder(),
    ingest: new RecordingIngest(),
    logger: silentLogger,
  });
  port = (await broker.start()).port;
});
afterAll(async () => {
  for (const c of open.splice(0)) c.end(true);
  await broker?.stop();
  await redis?.quit();
  await api?.close();
});

async function pair(name: string) {
  const tech = await api.technician(name, {});
  const creds = await api.call('POST', `/api/v1/technicians/${tech.id}/mqtt-token`, undefined, tech.auth);
  expect(creds.status).toBe(201);
  return { ...tech, ...(creds.body as { clientId: string; username: string; token: string; topic: string }) };
}

async function connectAs(clientId: string, password: string): Promise<MqttClient> {
  const client = await connect(`mqtt://127.0.0.1:${port}`, { clientId, username: clientId, password });
  open.push(client);
  return client;
}

const publish = (client: MqttClient, topic: string, payload: string) =>
  new Promise<void>((resolve, reject) => client.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve())));

const current = async (id: string) => (await api.call('GET', `/api/v1/technicians/${id}`)).body.currentLocation;

describe('technician location over MQTT', () => {
  test('accepted on its own topic: PUBACK after the position is stored', async () => {
    const me = await pair('Xaver Mobile');
    expect(me).toMatchObject({ clientId: `tech:${me.id}`, topic: `technicians/${me.id}/location` });
    const client = await connectAs(me.clientId, me.token);
    await publish(client, me.topic, JSON.stringify({ lat: 48.15, lon: 11.58, accuracy: 8, at: '2025-03-11T08:59:30Z' }));
    expect(await current(me.id)).toEqual({ lat: 48.15, lon: 11.58, accuracy: 8, at: '2025-03-11T08:59:30.000Z', source: 'mqtt' });
    const history = (await api.call('GET', `/api/v1/technicians/${me.id}/locations`)).body.items;
    expect(history).toEqual([{ lat: 48.15, lon: 11.58, accuracy: 8, at: '2025-03-11T08:59:30.000Z', source: 'mqtt' }]);
  });

  test("another technician's topic is refused (connection closed, counted) and nothing is stored", async () => {
    const me = await pair('Yara Mobile');
    const victim = await pair('Zeno Victim');
    const before = broker.stats().publishesRefused.foreign_topic;
    const client = await connectAs(me.clientId, me.token);
    const closed = closeOf(client);
    client.publish(victim.topic, JSON.stringify({ lat: 1, lon: 1 }), { qos: 1 });
    await closed;
    expect(broker.stats().publishesRefused.foreign_topic).toBe(before + 1);
    expect(await current(victim.id)).toBeNull();
    // Device topics and subscriptions are off limits too.
    const again = await connectAs(me.clientId, me.token);
    const granted = await new Promise<number[]>((resolve) => {
      again.on('packetreceive', (packet) => {
        if (packet.cmd === 'suback') resolve(packet.granted as number[]);
      });
      again.subscribe({ [`technicians/${me.id}/location`]: { qos: 1 }, 'technicians/#': { qos: 1 } });
    });
    expect(granted).toEqual([128, 128]);
    const closedAgain = closeOf(again);
    again.publish('devices/d-0000000000000000/telemetry', '{}', { qos: 1 });
    await closedAgain;
  });

  test('a bad payload is acknowledged, counted and logged under tech:<id>; the location is unchanged', async () => {
    const me = await pair('Anton Typo');
    const client = await connectAs(me.clientId, me.token);
    const rejectedBefore = broker.stats().ingest.rejected;
    await publish(client, me.topic, 'not json');
    await publish(client, me.topic, JSON.stringify({ lat: 200, lon: 11 }));
    await publish(client, me.topic, JSON.stringify({ lat: 48, lon: 11, at: '2030-01-01T00:00:00Z' }));
    expect(broker.stats().ingest.rejected).toBe(rejectedBefore + 3);
    const counts = await rejections.counts(me.clientId);
    expect(counts.total).toBe(3);
    expect(counts.byReason).toMatchObject({ not_json: 1, invalid_shape: 1, future_timestamp: 1 });
    const listed = await rejections.list({ deviceId: me.clientId });
    expect(listed.items.map((i) => i.topic)).toEqual([me.topic, me.topic, me.topic]);
    expect(await current(me.id)).toBeNull();
  });

  test('wrong or rotated tokens and unpaired technicians are refused at CONNECT', async () => {
    const me = await pair('Berta Rotate');
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => 'connected',
        (err: { code?: number }) => err.code,
      );
    expect(await refusal(connectAs(me.clientId, `tmt_${'A'.repeat(43)}`))).toBe(4);
    const rotated = await api.call('POST', `/api/v1/technicians/${me.id}/mqtt-token`);
    expect(await refusal(connectAs(me.clientId, me.token))).toBe(4);
    const ok = await connectAs(me.clientId, rotated.body.token);
    expect(ok.connected).toBe(true);
    const unpaired = await api.technician('Cora Unpaired', {});
    expect(await refusal(connectAs(`tech:${unpaired.id}`, rotated.body.token))).toBe(4);
    // Client id must equal the username.
    expect(await refusal(connect(`mqtt://127.0.0.1:${port}`, { clientId: 'other', username: me.clientId, password: rotated.body.token }))).toBe(2);
    await waitFor(async () => broker.stats().connectsRefused.bad_credentials >= 3, 'refusals counted');
  });
});
