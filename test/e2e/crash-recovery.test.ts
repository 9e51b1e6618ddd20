/**
 * The platform process killed with SIGKILL while devices publish at QoS 1, then restarted:
 * every reading a device got a PUBACK for is in InfluxDB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { freePort, waitFor } from '../harness/servers.js';
import { apiCall, provisionDevice, testEnv } from '../harness/platform.js';
import { connectDevice, validMetrics } from '../harness/devices.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';

const children: ChildProcess[] = [];
let dataDir = '';

function startChild(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d).slice(-4000)));
  child.once('exit', (code, signal) => {
    if (code) process.stderr.write(`platform exited ${code} ${signal}: ${stderr}\n`);
  });
  children.push(child);
  return child;
}

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('SIGKILL during QoS 1 publishing loses no acknowledged reading', { timeout: 120_000 }, async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'telemend-crash-'));
  const env = testEnv({ DATA_DIR: dataDir, PORT: String(await freePort()), MQTT_PORT: String(await freePort()), WORKER_TAKEOVER_MS: '2000' });
  const api = `http://127.0.0.1:${env.PORT}`;
  const call = <T = unknown>(method: string, url: string, body?: unknown) => apiCall<T>(api, env.TELEMEND_ADMIN_TOKEN!, method, url, body);
  const health = async () => (await fetch(`${api}/health`)).ok;

  const first = startChild(env);
  await waitFor(health, 'platform up', 60_000);
  const modelId = (await call('GET', '/api/v1/models')).body as { id: string }[] | { items: { id: string }[] };
  const list = Array.isArray(modelId) ? modelId : modelId.items;
  const model = (await call('GET', `/api/v1/models/${list[0]!.id}`)).body as EquipmentModel;
  const devices = await Promise.all([1, 2, 3, 4].map(() => provisionDevice(call, model.id)));

  // Each device publishes QoS 1 readings with distinct timestamps as fast as PUBACKs come back.
  const acked = new Map<string, Set<number>>();
  let publishing = true;
  const start = Date.now() - 4 * 3_600_000;
  const loops = devices.map(async (d, n) => {
    const client = await connectDevice(Number(env.MQTT_PORT), d.deviceId, d.token, { reconnectPeriod: 0 });
    client.on('error', () => undefined);
    const mine = new Set<number>();
    acked.set(d.deviceId, mine);
    let i = 0;
    const window: Promise<void>[] = [];
    while (publishing && client.connected) {
      const ts = start + n * 1_000_000 + i++; // distinct per device, all in the past
      window.push(
        new Promise<void>((resolve) =>
          client.publish(`devices/${d.deviceId}/telemetry`, JSON.stringify({ ts, metrics: validMetrics(model) }), { qos: 1 }, (error) => {
            if (!error) mine.add(ts);
            resolve();
          }),
        ),
      );
      if (window.length >= 20) {
        await Promise.all(window.splice(0));
        // Yield to I/O: once the platform dies, mqtt.js may call back synchronously, and a loop of
        // resolved promises would starve the event loop (and never see the socket close).
        await new Promise((r) => setImmediate(r));
      }
    }
    client.end(true);
  });

  await waitFor(async () => [...acked.values()].reduce((s, v) => s + v.size, 0) > 2000, 'some readings acknowledged', 30_000);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  publishing = false;
  await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 5000))]);
  const total = [...acked.values()].reduce((s, v) => s + v.size, 0);
  expect(total).toBeGreaterThan(2000);

  startChild(env);
  await waitFor(health, 'platform up again', 60_000);

  const written = async (deviceId: string) => {
    const res = await fetch(
      `${env.INFLUX_URL}/query?${new URLSearchParams({ db: env.INFLUX_DATABASE!, epoch: 'ms', q: `SELECT * FROM telemetry WHERE device = '${deviceId}'` })}`,
    );
    const body = (await res.json()) as { results: { series?: { values: number[][] }[] }[] };
    return new Set((body.results[0]?.series?.[0]?.values ?? []).map((v) => v[0]!));
  };
  const missing = async () => {
    const lost: string[] = [];
    for (const [deviceId, mine] of acked) {
      const have = await written(deviceId);
      for (const ts of mine) if (!have.has(ts)) lost.push(`${deviceId}@${ts}`);
    }
    return lost;
  };
  await waitFor(async () => (await missing()).length === 0, 'every acknowledged reading in InfluxDB', 60_000).catch(() => undefined);
  const lost = await missing();
  expect({ lost: lost.length, of: total, first: lost.slice(0, 5) }).toEqual({ lost: 0, of: total, first: [] });
});
