/**
 * MQTT 3.1.1 conformance and fairness over real MQTT: keep-alive 0 accepted with the server's own
 * limit applied, a QoS 2 subscription granted QoS 1, a per-device publish quota, and a per-IP
 * connection limit that does not count devices that authenticate.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../harness/servers.js';
import { closeOf, connectDevice, startBroker, type BrokerFixture } from './broker.fakes.js';

const open: MqttClient[] = [];
afterAll(() => {
  for (const c of open) c.end(true);
});

function newDevice(fx: BrokerFixture): { id: string; token: string } {
  const id = `dev-${randomUUID().slice(0, 8)}`;
  const token = `tok-${randomUUID()}`;
  fx.auth.add(id, token);
  return { id, token };
}

async function device(fx: BrokerFixture, d: { id: string; token: string }, extra = {}): Promise<MqttClient> {
  const client = await connectDevice(fx.port, d.id, d.token, extra);
  client.on('error', () => undefined);
  open.push(client);
  return client;
}

describe('keep-alive', () => {
  let fx: BrokerFixture;
  beforeAll(async () => {
    fx = await startBroker({ keepaliveLimit: 1 });
  });
  afterAll(() => fx.broker.stop());

  it('accepts keep-alive 0 (CONNACK 0) and closes the idle connection after 1.5 × the server limit [MQTT-3.1.2-24]', async () => {
    const client = await device(fx, newDevice(fx), { keepalive: 0 }); // mqtt.js sends no PINGREQ
    const connectedAt = Date.now();
    await closeOf(client);
    const idle = Date.now() - connectedAt;
    expect(idle).toBeGreaterThanOrEqual(1000);
    expect(idle).toBeLessThan(5000);
  });

  it('applies the server limit to a keep-alive above it', async () => {
    const client = await device(fx, newDevice(fx), { keepalive: 30 }); // first PINGREQ only after 30 s
    const connectedAt = Date.now();
    await closeOf(client);
    expect(Date.now() - connectedAt).toBeLessThan(5000);
  });
});

describe('subscribe QoS', () => {
  let fx: BrokerFixture;
  beforeAll(async () => {
    fx = await startBroker();
  });
  afterAll(() => fx.broker.stop());

  it('grants a QoS 2 subscription with QoS 1 (SUBACK 0x01) instead of refusing it [MQTT-3.8.4-6]', async () => {
    const d = newDevice(fx);
    const client = await device(fx, d);
    const granted = new Promise<number[]>((resolve) =>
      client.on('packetreceive', (packet) => {
        if (packet.cmd === 'suback') resolve(packet.granted as number[]);
      }),
    );
    client.subscribe({ [`devices/${d.id}/commands`]: { qos: 2 } }, () => undefined);
    expect(await granted).toEqual([1]);
    const received = new Promise<{ qos: number }>((resolve) => client.once('message', (_t, _p, packet) => resolve(packet)));
    await fx.broker.publishCommand(d.id, 'ping', { qos: 1 });
    expect((await received).qos).toBe(1);
  });
});

describe('publish quota', () => {
  let fx: BrokerFixture;
  beforeAll(async () => {
    fx = await startBroker({ publishRate: 5, publishBurst: 20 });
  });
  afterAll(() => fx.broker.stop());

  it('disconnects a device over its quota, counts it, and leaves other devices alone', async () => {
    const flooder = newDevice(fx);
    const quiet = newDevice(fx);
    const flood = await device(fx, flooder);
    const calm = await device(fx, quiet);
    const closed = closeOf(flood);
    const startedAt = Date.now();
    for (let i = 0; i < 100 && flood.connected; i++) flood.publish(`devices/${flooder.id}/telemetry`, `{"ts":${i},"metrics":{"t":1}}`, { qos: 0 });
    await closed;
    const seconds = (Date.now() - startedAt) / 1000;
    expect(fx.broker.stats().publishesRefused.quota_exceeded).toBeGreaterThanOrEqual(1);
    // The burst, plus what the rate refilled meanwhile (a loaded machine may take a while).
    const accepted = fx.ingest.forDevice(flooder.id).length;
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(accepted).toBeLessThanOrEqual(20 + Math.ceil(5 * seconds));
    expect(accepted).toBeLessThan(100);

    for (let i = 0; i < 5; i++) await calm.publishAsync(`devices/${quiet.id}/telemetry`, `{"ts":${i},"metrics":{"t":1}}`, { qos: 1 });
    expect(calm.connected).toBe(true);
    expect(fx.ingest.forDevice(quiet.id)).toHaveLength(5);

    // A reconnect does not refill the bucket: the next publish is refused again.
    const again = await device(fx, flooder);
    const closedAgain = closeOf(again);
    for (let i = 0; i < 50 && again.connected; i++) again.publish(`devices/${flooder.id}/telemetry`, '{"ts":1,"metrics":{"t":1}}', { qos: 0 });
    await closedAgain;
    expect(fx.ingest.forDevice(flooder.id).length - accepted).toBeLessThan(20);
  });
});

describe('per-IP connection limit', () => {
  let fx: BrokerFixture;
  beforeAll(async () => {
    fx = await startBroker({ connectionsPerMinute: 3 });
  });
  afterAll(() => fx.broker.stop());

  const socketRefused = () =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(fx.port, '127.0.0.1');
      socket.once('error', () => resolve(true));
      socket.once('close', () => resolve(true));
      socket.once('data', () => resolve(false));
      // An admitted socket stays open (until the connect timeout); a refused one is closed at once.
      setTimeout(() => {
        resolve(socket.destroyed);
        socket.destroy();
      }, 300);
    });

  it('does not count connections that authenticate (many devices behind one NAT address)', async () => {
    const d = newDevice(fx);
    for (let i = 0; i < 10; i++) {
      const client = await device(fx, d);
      client.end(true);
    }
    expect(fx.broker.stats().connectsRefused.rate_limited).toBe(0);
  });

  it('counts failed connections and refuses the address past the limit', async () => {
    const d = newDevice(fx);
    for (let i = 0; i < 3; i++) await expect(connectDevice(fx.port, d.id, `${d.token}-wrong`)).rejects.toThrow();
    expect(await socketRefused()).toBe(true);
    await waitFor(async () => fx.broker.stats().connectsRefused.rate_limited >= 1, 'counted');
  });
});
