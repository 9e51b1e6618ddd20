/**
 * SIGTERM on the platform process (role all) against a Redis of its own WITHOUT persistence
 * (no AOF, no RDB): what is left in Redis at exit is gone, so only a stop that drains the
 * journal to InfluxDB keeps every acknowledged reading. And with Redis down, the process
 * still exits within SHUTDOWN_TIMEOUT_MS, its broker closed first.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort, startRedis, waitFor, type TestServer } from '../harness/servers.js';
import { testEnv } from '../harness/platform.js';
import { connectDevice, validMetrics } from '../harness/devices.js';
import { provisionDevices, startChildPlatform, writtenTimestamps, type ChildPlatform } from '../harness/child-platform.js';

let redis: TestServer;
let dataDir = '';
const children: ChildPlatform[] = [];

beforeAll(async () => {
  redis = await startRedis(); // --save '' --appendonly no: nothing survives a restart
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'telemend-shutdown-'));
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await redis?.destroy();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function platformEnv(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  return testEnv({
    DATA_DIR: dataDir,
    REDIS_URL: redis.url,
    PORT: String(await freePort()),
    MQTT_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...overrides,
  });
}

function start(env: Record<string, string>): ChildPlatform {
  const child = startChildPlatform(env);
  children.push(child);
  return child;
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('SIGTERM writes every acknowledged reading to InfluxDB before exiting (non-persistent Redis)', { timeout: 180_000 }, async () => {
  // The writer gathers a second of readings per batch: at any moment about a second of
  // acknowledged readings is only in the journal.
  const env = await platformEnv({ INFLUX_MIN_BATCH_INTERVAL_MS: '1000', INFLUX_FLUSH_INTERVAL_MS: '1000' });
  const platform = start(env);
  await platform.ready();
  const { model, devices } = await provisionDevices(platform, 3);

  const acked = new Map<string, Set<number>>();
  let publishing = true;
  const base = Date.now() - 3_600_000;
  const loops = devices.map(async (d, n) => {
    const client = await connectDevice(Number(env.MQTT_PORT), d.deviceId, d.token, { reconnectPeriod: 0 });
    client.on('error', () => undefined);
    const mine = new Set<number>();
    acked.set(d.deviceId, mine);
    let i = 0;
    while (publishing && client.connected) {
      const window: Promise<void>[] = [];
      for (let k = 0; k < 10; k++) {
        const ts = base + n * 1_000_000 + i++;
        window.push(
          new Promise<void>((resolve) =>
            client.publish(`devices/${d.deviceId}/telemetry`, JSON.stringify({ ts, metrics: validMetrics(model) }), { qos: 1 }, (error) => {
              if (!error) mine.add(ts);
              resolve();
            }),
          ),
        );
      }
      await Promise.all(window);
      await new Promise((r) => setImmediate(r));
    }
    client.end(true);
  });
  const total = () => [...acked.values()].reduce((s, v) => s + v.size, 0);
  await waitFor(async () => total() > 1500, 'readings acknowledged', 30_000);

  platform.kill('SIGTERM');
  const exit = await platform.exited;
  publishing = false;
  await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 3000))]);
  expect(exit.code).toBe(0);

  const lost: string[] = [];
  for (const [deviceId, mine] of acked) {
    const have = await writtenTimestamps(env.INFLUX_URL!, env.INFLUX_DATABASE!, deviceId);
    for (const ts of mine) if (!have.has(ts)) lost.push(`${deviceId}@${ts}`);
  }
  expect({ lost: lost.length, first: lost.slice(0, 3) }).toEqual({ lost: 0, first: [] });
  expect(total()).toBeGreaterThan(1500);
  expect(platform.logs.some((l) => l.msg === 'shutdown: the journal is written to InfluxDB')).toBe(true);
});

test('SIGTERM while Redis is down: broker closed first, exit within SHUTDOWN_TIMEOUT_MS', { timeout: 180_000 }, async () => {
  const env = await platformEnv({ SHUTDOWN_TIMEOUT_MS: '4000' });
  const platform = start(env);
  await platform.ready();
  const { model, devices } = await provisionDevices(platform, 1);
  const device = devices[0]!;
  const client = await connectDevice(Number(env.MQTT_PORT), device.deviceId, device.token, { reconnectPeriod: 0 });
  client.on('error', () => undefined);
  await new Promise<void>((resolve, reject) =>
    client.publish(`devices/${device.deviceId}/telemetry`, JSON.stringify({ ts: Date.now(), metrics: validMetrics(model) }), { qos: 1 }, (e) =>
      e ? reject(e) : resolve(),
    ),
  );

  await redis.stop();
  await new Promise((r) => setTimeout(r, 1500)); // the clients are reconnecting, the writer's read is pending
  const sent = Date.now();
  platform.kill('SIGTERM');
  // The broker stops accepting at once, whatever else is stuck.
  await waitFor(async () => !(await portAccepts(Number(env.MQTT_PORT))), 'MQTT listener closed', 3000);
  const exit = await platform.exited;
  client.end(true);
  await redis.start();
  // 4 s, plus what a loaded machine adds to delivering the signal and the exit.
  expect(exit.at - sent).toBeLessThan(4000 + 3000);
  expect(exit.signal).toBeNull();
  const order = platform.logs.map((l) => l.msg);
  expect(order.indexOf('mqtt broker stopped')).toBeGreaterThanOrEqual(0);
});
