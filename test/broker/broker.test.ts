/**
 * The MQTT edge against in-memory ports: authentication, topic authorization, PUBACK after
 * durability, presence. A real aedes on a free port and real mqtt.js clients.
 */
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../harness/servers.js';
import { closeOf, connect, connectDevice, end, startBroker, type BrokerFixture } from './broker.fakes.js';

let fx: BrokerFixture;
const open: MqttClient[] = [];

beforeAll(async () => {
  fx = await startBroker();
});
afterEach(async () => {
  for (const c of open.splice(0)) c.end(true);
  fx.ingest.mode = 'ok';
  fx.ingest.delayMs = 0;
});
afterAll(async () => {
  await fx.broker.stop();
});

function newDevice(): { id: string; token: string } {
  const id = `dev-${randomUUID().slice(0, 8)}`;
  const token = `tok-${randomUUID()}`;
  fx.auth.add(id, token);
  return { id, token };
}

async function device(id: string, token: string, extra = {}): Promise<MqttClient> {
  const client = await connectDevice(fx.port, id, token, extra);
  open.push(client);
  return client;
}

function refusalCode(promise: Promise<unknown>): Promise<number | string | undefined> {
  return promise.then(
    () => 'connected',
    (err: { code?: number }) => err.code,
  );
}

/** Counts PUBACKs the client receives. */
function pubacks(client: MqttClient): { count: number; at: number[] } {
  const seen = { count: 0, at: [] as number[] };
  client.on('packetreceive', (packet) => {
    if (packet.cmd === 'puback') {
      seen.count += 1;
      seen.at.push(performance.now());
    }
  });
  return seen;
}

/** SUBACK return codes, one per filter, in order (QoS 1 asked for each). */
function subscribeCodes(client: MqttClient, filters: string[]): Promise<number[]> {
  return new Promise((resolve) => {
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'suback') resolve(packet.granted as number[]);
    });
    client.subscribe(Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])), () => undefined);
  });
}

describe('authentication', () => {
  it('lets a provisioned device in and records its presence', async () => {
    const { id, token } = newDevice();
    const before = fx.broker.stats().connections;
    const client = await device(id, token);
    expect(client.connected).toBe(true);
    expect(fx.broker.isConnected(id)).toBe(true);
    expect(fx.broker.stats().connections).toBe(before + 1);
    await waitFor(async () => fx.presence.of('connected', id) === 1, 'presence.connected');
    await end(client);
    await waitFor(async () => fx.presence.of('disconnected', id) === 1, 'presence.disconnected');
    // Left with DISCONNECT: no offline status is forced on it.
    expect(await fx.broker.deviceStatus(id)).toBeUndefined();
  });

  it('refuses a wrong token, an unknown device and a revoked device with CONNACK 4', async () => {
    const { id, token } = newDevice();
    const before = fx.broker.stats().connectsRefused.bad_credentials;
    expect(await refusalCode(connectDevice(fx.port, id, `${token}x`))).toBe(4);
    expect(await refusalCode(connectDevice(fx.port, 'nobody-here', token))).toBe(4);
    fx.auth.revoked.add(id);
    expect(await refusalCode(connectDevice(fx.port, id, token))).toBe(4);
    expect(fx.broker.stats().connectsRefused.bad_credentials).toBe(before + 3);
    expect(fx.presence.of('connected', id)).toBe(0);
  });

  it('refuses a client without credentials (CONNACK 5) and a client id other than the device id (CONNACK 2)', async () => {
    const { id, token } = newDevice();
    expect(await refusalCode(connect(`mqtt://127.0.0.1:${fx.port}`, { clientId: 'anon-1' }))).toBe(5);
    expect(await refusalCode(connectDevice(fx.port, id, token, { clientId: `${id}-other` }))).toBe(2);
    const calls = fx.auth.calls;
    expect(await refusalCode(connectDevice(fx.port, 'bad/id', token, { clientId: 'bad/id' }))).toBe(4);
    expect(fx.auth.calls).toBe(calls); // malformed id never reaches the authenticator
    const refused = fx.broker.stats().connectsRefused;
    expect(refused.no_credentials).toBeGreaterThanOrEqual(1);
    expect(refused.client_id_mismatch).toBeGreaterThanOrEqual(1);
    expect(refused.malformed_credentials).toBeGreaterThanOrEqual(1);
  });

  it('accepts a keep-alive of 0 or above the limit (CONNACK 0, never the reserved 6); the server limit applies (broker-conformance.test.ts)', async () => {
    const { id, token } = newDevice();
    expect((await device(id, token, { keepalive: 0 })).connected).toBe(true);
    expect((await device(id, token, { keepalive: 121 })).connected).toBe(true);
    expect((await device(id, token, { keepalive: 120 })).connected).toBe(true);
  });
});

describe('publish authorization', () => {
  it('accepts telemetry and events on the own prefix and marks the device seen', async () => {
    const { id, token } = newDevice();
    const client = await device(id, token);
    await client.publishAsync(`devices/${id}/telemetry`, '{"ts":1,"metrics":{"t":1}}', { qos: 1 });
    await client.publishAsync(`devices/${id}/events`, '{"ts":1,"code":"E1"}', { qos: 0 });
    await client.publishAsync(`devices/${id}/status`, 'online', { qos: 1, retain: true });
    await waitFor(async () => fx.ingest.forDevice(id).length === 2, 'two accept() calls');
    expect(fx.ingest.forDevice(id).map((c) => [c.channel, c.payload])).toEqual([
      ['telemetry', '{"ts":1,"metrics":{"t":1}}'],
      ['events', '{"ts":1,"code":"E1"}'],
    ]);
    expect(await fx.broker.deviceStatus(id)).toBe('online');
    await waitFor(async () => fx.presence.of('seen', id) >= 1, 'presence.seen flush');
  });

  it.each([
    ['another device', 'devices/someone-else/telemetry', 'foreign_topic'],
    ['$SYS', '$SYS/broker/x', 'sys_topic'],
    ['a topic deeper than maxTopicLevels', 'devices/{id}/telemetry/a/b/c', 'topic_too_deep'],
    ['an unknown own channel', 'devices/{id}/firmware', 'unknown_channel'],
    ['its own commands topic', 'devices/{id}/commands', 'unknown_channel'],
    ['outside devices/', 'lab/x', 'foreign_topic'],
  ] as const)('disconnects a device publishing to %s and never reaches ingest', async (_what, pattern, reason) => {
    const topicOf = (id: string) => pattern.replace('{id}', id);
    const { id, token } = newDevice();
    const client = await device(id, token);
    const before = fx.broker.stats().publishesRefused[reason];
    const closing = closeOf(client);
    client.publish(topicOf(id), '{"ts":1,"metrics":{}}', { qos: 1 });
    await closing;
    expect(fx.broker.stats().publishesRefused[reason]).toBe(before + 1);
    expect(fx.ingest.forDevice(id)).toHaveLength(0);
    expect(fx.ingest.calls.some((c) => c.deviceId === 'someone-else')).toBe(false);
  });

  it('refuses a status other than online/offline', async () => {
    const { id, token } = newDevice();
    const client = await device(id, token);
    const closing = closeOf(client);
    client.publish(`devices/${id}/status`, 'rebooting', { qos: 0, retain: true });
    await closing;
    expect(fx.broker.stats().publishesRefused.bad_status).toBeGreaterThanOrEqual(1);
    expect(await fx.broker.deviceStatus(id)).toBe('offline'); // set by the broker on the unclean close
  });
});

describe('PUBACK after durability', () => {
  it('sends the QoS 1 PUBACK only once accept() has resolved', async () => {
    const { id, token } = newDevice();
    const client = await device(id, token);
    const acks = pubacks(client);
    fx.ingest.delayMs = 300;
    const published = client.publishAsync(`devices/${id}/telemetry`, '{"ts":1,"metrics":{"t":2}}', { qos: 1 });
    await waitFor(async () => fx.ingest.forDevice(id).length === 1, 'accept() called');
    expect(acks.count).toBe(0);
    await published;
    const call = fx.ingest.forDevice(id)[0];
    expect(call?.settledAt).toBeDefined();
    expect(acks.count).toBe(1);
    expect(acks.at[0]).toBeGreaterThanOrEqual(call?.settledAt ?? Infinity);
    expect(fx.broker.stats().ingest.accepted).toBeGreaterThanOrEqual(1);
  });

  it('closes without PUBACK when the journal is down, so the device re-sends later', async () => {
    const { id, token } = newDevice();
    const client = await device(id, token);
    const acks = pubacks(client);
    fx.ingest.mode = 'journal_down';
    const before = fx.broker.stats().ingest.journalErrors;
    const closing = closeOf(client);
    client.publish(`devices/${id}/telemetry`, '{"ts":1,"metrics":{"t":3}}', { qos: 1 });
    await closing;
    expect(fx.ingest.forDevice(id)).toHaveLength(1);
    expect(acks.count).toBe(0);
    expect(fx.broker.stats().ingest.journalErrors).toBe(before + 1);
    await waitFor(async () => fx.presence.of('disconnected', id) === 1, 'presence.disconnected');
    expect(await fx.broker.deviceStatus(id)).toBe('offline');
  });

  it('acknowledges a bad payload (already recorded by ingest) instead of having it re-sent forever', async () => {
    const { id, token } = newDevice();
    const client = await device(id, token);
    fx.ingest.mode = 'bad_payload';
    const before = fx.broker.stats().ingest.rejected;
    await client.publishAsync(`devices/${id}/telemetry`, 'not json', { qos: 1 });
    expect(client.connected).toBe(true);
    expect(fx.broker.stats().ingest.rejected).toBe(before + 1);
  });
});

describe('subscribe authorization and commands', () => {
  it('grants the own commands topic, refuses anything else with 128, and delivers commands', async () => {
    const { id, token } = newDevice();
    const client = await device(id, token);
    const before = fx.broker.stats().subscribesRefused;
    const granted = await subscribeCodes(client, [`devices/${id}/commands`, 'devices/other/commands', 'devices/+/telemetry', '$SYS/#', 'a/b/c/d/e/f']);
    expect(granted).toEqual([1, 128, 128, 128, 128]);
    const after = fx.broker.stats().subscribesRefused;
    expect(after.foreign_topic).toBe(before.foreign_topic + 2);
    expect(after.sys_topic).toBe(before.sys_topic + 1);
    expect(after.topic_too_deep).toBe(before.topic_too_deep + 1);
    expect(client.connected).toBe(true);

    const received = new Promise<[string, string]>((resolve) => client.once('message', (topic, payload) => resolve([topic, payload.toString()])));
    await fx.broker.publishCommand(id, '{"cmd":"reboot"}');
    expect(await received).toEqual([`devices/${id}/commands`, '{"cmd":"reboot"}']);
  });

  it('never forwards one device’s telemetry to another device', async () => {
    const a = newDevice();
    const b = newDevice();
    const clientA = await device(a.id, a.token);
    const clientB = await device(b.id, b.token);
    const got: string[] = [];
    clientB.on('message', (topic) => got.push(topic));
    await clientB.subscribeAsync(`devices/${b.id}/commands`, { qos: 1 });
    await clientA.publishAsync(`devices/${a.id}/telemetry`, '{}', { qos: 1 });
    await fx.broker.publishCommand(b.id, 'ping');
    await waitFor(async () => got.length >= 1, 'command delivered');
    expect(got).toEqual([`devices/${b.id}/commands`]);
  });
});

describe('sessions', () => {
  it('disconnectDevice closes the session and marks the device offline', async () => {
    const { id, token } = newDevice();
    const client = await device(id, token);
    const closing = closeOf(client);
    expect(await fx.broker.disconnectDevice(id)).toBe(true);
    await closing;
    expect(fx.broker.isConnected(id)).toBe(false);
    expect(await fx.broker.disconnectDevice(id)).toBe(false);
    await waitFor(async () => fx.presence.of('disconnected', id) === 1, 'presence.disconnected');
    expect(await fx.broker.deviceStatus(id)).toBe('offline');
  });

  it('a second connection of the same device takes the first over, presence stays in order', async () => {
    const { id, token } = newDevice();
    const first = await device(id, token);
    const firstClosed = closeOf(first);
    const second = await device(id, token);
    await firstClosed;
    expect(second.connected).toBe(true);
    await waitFor(async () => fx.presence.of('connected', id) === 2, 'second presence.connected');
    const kinds = fx.presence.events.filter((e) => 'deviceId' in e && e.deviceId === id).map((e) => e.kind);
    expect(kinds).toEqual(['connected', 'disconnected', 'connected']);
  });

  it('does not force offline when the device’s own will says so', async () => {
    const { id, token } = newDevice();
    const client = await device(id, token, { will: { topic: `devices/${id}/status`, payload: Buffer.from('offline'), qos: 1, retain: true } });
    await client.publishAsync(`devices/${id}/status`, 'online', { qos: 1, retain: true });
    client.stream.destroy();
    await waitFor(async () => (await fx.broker.deviceStatus(id)) === 'offline', 'will published');
  });
});
