/**
 * MQTT_CLUSTER=redis: two broker processes' worth of Aedes (two TelemetryBrokers) on one Redis of
 * their own act as one broker — a command published through one reaches a device connected to
 * the other, the retained status written by one is read by the other, a device reconnecting
 * through the other broker takes its session over (the old connection is closed), and a QoS 1
 * command queued for an offline persistent session is delivered when the device comes back on
 * the other broker. A device's telemetry and events go to ingest only: they are not routed
 * between the brokers (nobody may receive them), its status is.
 */
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startRedis, waitFor, type TestServer } from '../harness/servers.js';
import { closeOf, connectDevice, end, startBroker, type BrokerFixture } from './broker.fakes.js';

let redis: TestServer;
let a: BrokerFixture;
let b: BrokerFixture;
const clients: MqttClient[] = [];

beforeAll(async () => {
  // Pub/sub channels are not prefixed: the cluster gets a Redis of its own.
  redis = await startRedis();
  a = await startBroker({ clusterRedisUrl: redis.url });
  b = await startBroker({ clusterRedisUrl: redis.url });
  for (const broker of [a, b]) broker.auth.add('dev-1', 'token-1');
  for (const broker of [a, b]) broker.auth.add('dev-2', 'token-2');
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  await a?.broker.stop();
  await b?.broker.stop();
  await redis?.destroy();
});

describe('broker cluster over Redis', () => {
  test('a command published through one broker reaches the device connected to the other', async () => {
    const device = await connectDevice(a.port, 'dev-1', 'token-1');
    clients.push(device);
    await device.subscribeAsync('devices/dev-1/commands', { qos: 1 });
    const received = new Promise<string>((resolve) => device.once('message', (_topic, payload) => resolve(String(payload))));
    await b.broker.publishCommand('dev-1', JSON.stringify({ action: 'reboot' }));
    expect(JSON.parse(await received)).toEqual({ action: 'reboot' });
  });

  test('the retained status written through one broker is read by the other', async () => {
    await clients[0]!.publishAsync('devices/dev-1/status', 'online', { qos: 1, retain: true });
    await waitFor(async () => (await b.broker.deviceStatus('dev-1')) === 'online', 'status online seen by the other broker');
  });

  test('a device reconnecting through the other broker takes its session over', async () => {
    const first = clients[0]!;
    const closed = closeOf(first);
    const second = await connectDevice(b.port, 'dev-1', 'token-1', { clean: true });
    clients.push(second);
    await closed;
    expect(b.broker.isConnected('dev-1')).toBe(true);
    await waitFor(async () => !a.broker.isConnected('dev-1'), 'the first broker dropped its session');
    await end(second);
  });

  test('a QoS 1 command for an offline persistent session is delivered on the other broker', async () => {
    const device = await connectDevice(a.port, 'dev-2', 'token-2', { clean: false });
    await device.subscribeAsync('devices/dev-2/commands', { qos: 1 });
    await end(device);
    await b.broker.publishCommand('dev-2', 'calibrate', { qos: 1 });
    const back = await connectDevice(b.port, 'dev-2', 'token-2', { clean: false });
    clients.push(back);
    const payload = await new Promise<string>((resolve) => back.once('message', (_t, p) => resolve(String(p))));
    expect(payload).toBe('calibrate');
  });

  test("a device's telemetry and events reach ingest but are not routed to the other brokers; its status is", async () => {
    const spy = new Redis(redis.url);
    const channels: string[] = [];
    try {
      await spy.psubscribe('devices/*');
      spy.on('pmessage', (_pattern, channel) => channels.push(channel));
      const device = await connectDevice(a.port, 'dev-2', 'token-2', { clean: true });
      clients.push(device);
      const before = a.ingest.calls.length;
      await device.publishAsync('devices/dev-2/telemetry', JSON.stringify({ ts: Date.now(), metrics: { t: 1 } }), { qos: 1 });
      await device.publishAsync('devices/dev-2/events', JSON.stringify({ ts: Date.now(), code: 'E1' }), { qos: 1 });
      await device.publishAsync('devices/dev-2/telemetry', 'not json', { qos: 0 });
      await device.publishAsync('devices/dev-2/status', 'online', { qos: 1, retain: true });
      await waitFor(async () => channels.includes('devices/dev-2/status'), 'the status routed through Redis');
      await waitFor(async () => a.ingest.calls.length >= before + 3, 'the three publishes ingested');
      expect(a.ingest.calls.slice(before).map((c) => c.channel)).toEqual(['telemetry', 'events', 'telemetry']);
      // Only status crossed (possibly more than once: the earlier test's session of dev-2 on the
      // other broker is taken over here); never telemetry or events.
      expect(channels.filter((c) => c !== 'devices/dev-2/status')).toEqual([]);
      await end(device);
    } finally {
      spy.disconnect();
    }
  });
});
