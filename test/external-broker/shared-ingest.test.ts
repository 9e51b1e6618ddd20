/**
 * Two ingest processes (role `broker`, embedded broker off) share Mosquitto's device flow through
 * one MQTT 5 shared subscription group; the API and worker run in this process against the same
 * PostgreSQL, Redis and InfluxDB. Devices publish QoS 1 readings as fast as Mosquitto acknowledges
 * them; one ingest process is killed with SIGKILL mid-stream, at the worst moment: its Redis
 * (through a proxy the test holds) stops answering first, so it holds messages it received but
 * could not journal. Acknowledged to Mosquitto before the journal had them, they would be lost.
 *
 * What Mosquitto 2's semantics give, shown here: messages sent to the killed process's session and
 * not acknowledged (and, since its session persists, the share of messages Mosquitto keeps queueing
 * to it) are NOT handed to the surviving member; they wait in that session. So while the killed
 * process is away, some acknowledged readings are missing; once it is back with the same client id,
 * Mosquitto resends them and every reading it acknowledged to a device is in InfluxDB.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { influxQuery, freePort, waitFor, type TestServer } from '../harness/servers.js';
import { startPostgres } from '../harness/postgres.js';
import { apiCall, provisionDevice, testEnv } from '../harness/platform.js';
import { validMetrics } from '../harness/devices.js';
import { connectMosquittoDevice, externalEnv, startMosquitto, type MosquittoServer } from '../harness/mosquitto.js';
import { loadConfig } from '../../src/kernel/config.js';
import { createLogger } from '../../src/kernel/logger.js';
import { startPlatform, type RunningPlatform } from '../../src/app/platform.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import type { MqttClient } from 'mqtt';

const MODEL = 'centrifugal-pump-cp80';
let mosquitto: MosquittoServer;
let postgres: TestServer;
const running: RunningPlatform[] = [];
const children: ChildProcess[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  [mosquitto, postgres] = await Promise.all([startMosquitto(), startPostgres()]);
});

afterAll(async () => {
  for (const client of clients) client.end(true);
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const p of running.reverse()) await p.stop();
  await Promise.all([mosquitto?.destroy(), postgres?.destroy()]);
});

/** A TCP proxy to Redis whose client → server direction can be held (Redis seems to hang). */
async function holdableProxy(redisUrl: string): Promise<{ url: string; hold(): void; close(): void }> {
  const target = new URL(redisUrl);
  let held = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => void (held || upstream.write(chunk)));
    upstream.on('data', (chunk) => client.write(chunk));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => undefined);
      a.on('close', () => b.destroy());
    }
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  return {
    url: `redis://127.0.0.1:${port}`,
    hold: () => void (held = true),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** An ingest process; resolves once its sessions are subscribed. */
function startIngest(env: Record<string, string>, clientId: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/main.ts'], {
    env: { ...process.env, ...env, TELEMEND_ROLE: 'broker', MQTT_EXTERNAL_CLIENT_ID: clientId, MQTT_EXTERNAL_DYNSEC: 'false', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out = (out + d).slice(-8000);
      if (out.includes('external broker: ingest subscribed')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`ingest ${clientId} exited with ${code}: ${err}`)));
  });
}

test('two ingest processes share the flow; one killed mid-stream loses nothing Mosquitto acknowledged', { timeout: 180_000 }, async () => {
  const env = testEnv({
    DATABASE_URL: postgres.url,
    SECRETS_KEY: randomBytes(32).toString('base64'),
    PORT: String(await freePort()),
    WORKER_TAKEOVER_MS: '2000',
    SILENCE_SWEEP_INTERVAL_MS: '0',
    ...externalEnv(mosquitto.url),
  });
  // This process: the API (which writes devices into Mosquitto's dynamic security) and the worker.
  for (const role of ['api', 'worker']) {
    const config = loadConfig({ ...env, TELEMEND_ROLE: role, ...(role === 'worker' ? { PORT: '0' } : {}) });
    running.push(await startPlatform(config, createLogger('silent')));
  }
  const api = `http://127.0.0.1:${env.PORT}`;
  const call = <T = unknown>(method: string, url: string, body?: unknown) => apiCall<T>(api, env.TELEMEND_ADMIN_TOKEN!, method, url, body);
  const model = (await call<EquipmentModel>('GET', `/api/v1/models/${MODEL}`)).body;
  const devices = await Promise.all([1, 2, 3, 4].map(() => provisionDevice(call, MODEL)));

  await startIngest(env, 'ingest-a');
  const proxy = await holdableProxy(env.REDIS_URL!);
  const b = await startIngest({ ...env, REDIS_URL: proxy.url }, 'ingest-b');

  // Each device publishes QoS 1 readings with distinct timestamps as fast as Mosquitto acknowledges them.
  const acked = new Map<string, number>();
  let publishing = true;
  // Timestamps stay in the past however many readings a run gets through (a reading more than
  // TELEMETRY_MAX_FUTURE_MS ahead is rightly refused by ingest, and would never reach InfluxDB).
  const start = Date.now() - 48 * 3_600_000;
  const loops = devices.map(async (d, n) => {
    const client = await connectMosquittoDevice(mosquitto.url, d.deviceId, d.token);
    clients.push(client);
    let i = 0;
    while (publishing) {
      const ts = start + n * 10 * 3_600_000 + i * 1000;
      await client.publishAsync(`devices/${d.deviceId}/telemetry`, JSON.stringify({ ts, metrics: validMetrics(model, (i % 10) / 10) }), { qos: 1 });
      i++;
      acked.set(d.deviceId, i);
    }
  });
  const metric = Object.keys(model.metrics)[0]!;
  const stored = async (deviceId: string) => {
    const rows = await influxQuery(env.INFLUX_URL!, env.INFLUX_DATABASE!, `SELECT count("${metric}") FROM telemetry WHERE device = '${deviceId}'`).catch(
      () => [],
    );
    return rows.length ? Number(rows[0]![1]) : 0;
  };
  const total = async () => (await Promise.all(devices.map((d) => stored(d.deviceId)))).reduce((a, n) => a + n, 0);
  const ackedTotal = () => [...acked.values()].reduce((a, n) => a + n, 0);

  await waitFor(async () => (await total()) > 200, 'readings flowing through both ingest processes', 30_000);
  proxy.hold();
  await new Promise((r) => setTimeout(r, 500));
  b.kill('SIGKILL');
  await new Promise((resolve) => b.once('exit', resolve));
  proxy.close();
  const ackedAtKill = ackedTotal();
  await waitFor(async () => ackedTotal() > ackedAtKill + 400, 'more readings after the kill', 30_000);
  publishing = false;
  await Promise.all(loops);
  const sent = ackedTotal();

  // The surviving process drains what it was given; what sat in the killed session stays there.
  await waitFor(
    async () => {
      const before = await total();
      await new Promise((r) => setTimeout(r, 1500));
      return (await total()) === before;
    },
    'ingest to settle',
    60_000,
  );
  const whileAway = await total();
  expect(whileAway).toBeLessThan(sent);

  // The killed process comes back with the same client id: Mosquitto resends its session.
  await startIngest(env, 'ingest-b');
  await waitFor(async () => (await total()) >= sent, `all ${sent} acknowledged readings in InfluxDB`, 60_000);
  for (const d of devices) expect(await stored(d.deviceId)).toBe(acked.get(d.deviceId));
});
