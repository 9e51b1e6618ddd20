/**
 * Hardening of the MQTT edge, driven with raw TCP where a well-behaved client library would
 * refuse to misbehave: oversized packets, connection floods, silent sockets, [MQTT-3.1.3-8];
 * plus lab mode and the WebSocket / TLS listeners.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../harness/servers.js';
import { closeOf, connect, connectDevice, end, startBroker, type BrokerFixture } from './broker.fakes.js';

function mqttString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
}

/** An MQTT 3.1.1 CONNECT, hand-made so it can break rules client libraries enforce. */
function connectPacket(opts: { clientId: string; clean: boolean; username?: string; password?: string; keepalive?: number }): Buffer {
  let flags = opts.clean ? 0x02 : 0;
  if (opts.username !== undefined) flags |= 0x80;
  if (opts.password !== undefined) flags |= 0x40;
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(opts.keepalive ?? 30);
  const body = Buffer.concat([
    mqttString('MQTT'),
    Buffer.from([4, flags]),
    keepalive,
    mqttString(opts.clientId),
    ...(opts.username !== undefined ? [mqttString(opts.username)] : []),
    ...(opts.password !== undefined ? [mqttString(opts.password)] : []),
  ]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

interface RawClient {
  readonly socket: net.Socket;
  readonly received: () => Buffer;
  readonly closed: Promise<void>;
}

function rawConnect(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined); // EPIPE / ECONNRESET once the broker hangs up
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => resolve({ socket, received: () => Buffer.concat(chunks), closed }));
    socket.once('error', reject);
  });
}

/** Sends a CONNECT and resolves with the CONNACK return code (or 'closed'). */
async function rawConnack(port: number, packet: Buffer): Promise<{ code: number | 'closed'; client: RawClient }> {
  const client = await rawConnect(port);
  client.socket.write(packet);
  await Promise.race([client.closed, waitFor(async () => client.received().length >= 4, 'CONNACK', 3000)]);
  const bytes = client.received();
  return { code: bytes.length >= 4 && bytes[0] === 0x20 ? (bytes[3] as number) : 'closed', client };
}

describe('oversized packets', () => {
  let fx: BrokerFixture;
  beforeAll(async () => {
    fx = await startBroker({ maxPacketSize: 4096 });
  });
  afterAll(() => fx.broker.stop());

  it('closes a connection announcing a 200 MB PUBLISH at its fixed header without buffering it', async () => {
    fx.auth.add('big-1', 'secret');
    const { code, client } = await rawConnack(fx.port, connectPacket({ clientId: 'big-1', clean: true, username: 'big-1', password: 'secret' }));
    expect(code).toBe(0);
    const mem = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = mem();
    const topic = mqttString('devices/big-1/telemetry');
    client.socket.write(Buffer.concat([Buffer.from([0x30]), remainingLength(200 * 1024 * 1024), topic]));
    // Keep streaming the body (one reused 64 KiB buffer, so the client side holds nothing).
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    let sent = 0;
    let isClosed = false;
    void client.closed.then(() => (isClosed = true));
    while (!isClosed && sent < 32 * 1024 * 1024) {
      sent += chunk.length;
      if (!client.socket.write(chunk)) {
        await Promise.race([new Promise((r) => client.socket.once('drain', r)), client.closed]);
      }
    }
    await client.closed;
    const growth = mem() - before;
    expect(fx.broker.stats().packetsTooLarge).toBe(1);
    expect(fx.ingest.calls).toHaveLength(0);
    expect(growth).toBeLessThan(4 * 1024 * 1024);
    await waitFor(async () => fx.presence.of('disconnected', 'big-1') === 1, 'presence.disconnected');
  });

  it('lets packets up to the limit through', async () => {
    fx.auth.add('big-2', 'secret');
    const client = await connectDevice(fx.port, 'big-2', 'secret');
    const topic = 'devices/big-2/telemetry';
    // Whole packet = 1 + 2 (length) + 2 + topic + payload = exactly 4096 bytes.
    const payload = 'x'.repeat(4096 - 1 - 2 - 2 - topic.length);
    await client.publishAsync(topic, payload, { qos: 0 });
    await waitFor(async () => fx.ingest.forDevice('big-2').length === 1, 'accept() of a 4096-byte packet');
    const closing = closeOf(client);
    client.publish(topic, `${payload}y`, { qos: 0 });
    await closing;
    expect(fx.ingest.forDevice('big-2')).toHaveLength(1);
    expect(fx.broker.stats().packetsTooLarge).toBe(2);
  });
});

describe('connection hygiene', () => {
  let fx: BrokerFixture;
  beforeAll(async () => {
    fx = await startBroker({ connectionsPerMinute: 5, connectTimeoutMs: 300, allowAnonymous: true });
  });
  afterAll(() => fx.broker.stop());

  it('refuses an empty client id with CleanSession=0 with CONNACK 2 [MQTT-3.1.3-8], accepts it with CleanSession=1', async () => {
    const refused = await rawConnack(fx.port, connectPacket({ clientId: '', clean: false }));
    expect(refused.code).toBe(2);
    await refused.client.closed;
    expect(fx.broker.stats().connectsRefused.empty_client_id).toBe(1);
    const accepted = await rawConnack(fx.port, connectPacket({ clientId: '', clean: true }));
    expect(accepted.code).toBe(0);
    accepted.client.socket.destroy();
  });

  it('closes a connection that never sends CONNECT', async () => {
    const client = await rawConnect(fx.port);
    await client.closed;
    expect(client.received()).toHaveLength(0);
    expect(fx.broker.stats().connectsRefused.connect_timeout).toBe(1);
  });

  it('limits new connections per IP per minute before aedes sees them', async () => {
    // Three connections were used above; two more are allowed, the sixth is refused.
    const third = await connect(`mqtt://127.0.0.1:${fx.port}`, { clientId: 'lab-3' });
    const fourth = await connect(`mqtt://127.0.0.1:${fx.port}`, { clientId: 'lab-4' });
    const fifth = await rawConnack(fx.port, connectPacket({ clientId: 'lab-5', clean: true }));
    expect(fifth.code).toBe('closed');
    expect(fx.broker.stats().connectsRefused.rate_limited).toBe(1);
    await Promise.all([end(third), end(fourth)]);
  });
});

describe('lab mode', () => {
  let fx: BrokerFixture;
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    fx = await startBroker({ allowAnonymous: true });
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await fx.broker.stop();
  });

  it('lets anonymous clients talk on lab/ topics but keeps them out of devices/', async () => {
    const url = `mqtt://127.0.0.1:${fx.port}`;
    const a = await connect(url, { clientId: 'lab-a' });
    const b = await connect(url, { clientId: 'lab-b' });
    clients.push(a, b);
    const codes = new Promise<number[]>((resolve) => {
      b.on('packetreceive', (p) => {
        if (p.cmd === 'suback') resolve(p.granted as number[]);
      });
    });
    b.subscribe({ 'lab/x': { qos: 1 }, 'devices/+/telemetry': { qos: 0 }, '#': { qos: 0 }, '+/x': { qos: 0 }, '$SYS/#': { qos: 0 } }, () => undefined);
    expect(await codes).toEqual([1, 128, 128, 128, 128]);
    const got = new Promise<string>((resolve) => b.once('message', (_t, payload) => resolve(payload.toString())));
    await a.publishAsync('lab/x', 'hello', { qos: 1 });
    expect(await got).toBe('hello');

    const closing = closeOf(a);
    a.publish('devices/some-device/telemetry', '{"ts":1,"metrics":{}}', { qos: 1 });
    await closing;
    expect(fx.ingest.calls).toHaveLength(0);
    expect(fx.broker.stats().publishesRefused.devices_tree).toBe(1);
  });

  it('still holds devices to their own topics and refuses wrong credentials', async () => {
    fx.auth.add('lab-dev', 'secret');
    await expect(connectDevice(fx.port, 'lab-dev', 'wrong')).rejects.toMatchObject({ code: 4 });
    const dev = await connectDevice(fx.port, 'lab-dev', 'secret');
    clients.push(dev);
    const closing = closeOf(dev);
    dev.publish('lab/x', 'hi', { qos: 0 });
    await closing;
    expect(fx.broker.stats().publishesRefused.foreign_topic).toBe(1);
  });
});

describe('WebSocket and TLS listeners', () => {
  let fx: BrokerFixture;
  let dir: string;
  let cert: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'telemend-broker-tls-'));
    cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      {
        stdio: 'ignore',
      },
    );
    fx = await startBroker({ wsPort: await freePort(), tlsPort: await freePort(), tlsCert: cert, tlsKey: key, maxPacketSize: 4096 });
  });
  afterAll(async () => {
    await fx.broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a device over WebSocket, with the same frame guard', async () => {
    fx.auth.add('ws-dev', 'secret');
    const opts = { clientId: 'ws-dev', username: 'ws-dev', password: 'secret' };
    const client = await connect(`ws://127.0.0.1:${fx.wsPort}/mqtt`, opts);
    await client.publishAsync('devices/ws-dev/telemetry', '{"ts":1,"metrics":{"t":1}}', { qos: 1 });
    expect(fx.ingest.forDevice('ws-dev')).toHaveLength(1);
    const closing = closeOf(client);
    client.publish('devices/ws-dev/telemetry', 'x'.repeat(5000), { qos: 0 });
    await closing;
    expect(fx.broker.stats().packetsTooLarge).toBe(1);
    expect(fx.ingest.forDevice('ws-dev')).toHaveLength(1);
  });

  it('serves a device over TLS', async () => {
    fx.auth.add('tls-dev', 'secret');
    const client = await connect(`mqtts://127.0.0.1:${fx.tlsPort}`, {
      clientId: 'tls-dev',
      username: 'tls-dev',
      password: 'secret',
      ca: readFileSync(cert),
    });
    await client.publishAsync('devices/tls-dev/events', '{"ts":1,"code":"E1"}', { qos: 1 });
    expect(fx.ingest.forDevice('tls-dev').map((c) => c.channel)).toEqual(['events']);
    await end(client);
  });
});
