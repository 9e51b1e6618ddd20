/**
 * Scale-out as separate processes against the same servers (a real PostgreSQL, Redis and
 * InfluxDB): one broker, two workers and one API process. Devices publish telemetry and fault
 * events; both workers take detection jobs (processedBy shows two names); one worker is killed
 * with SIGKILL while a detection job is active, events keep coming, the worker is restarted.
 * Every asset that sent a fault event ends with exactly one open IoT ticket for it: no
 * duplicate, none missed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import pg from 'pg';
import { afterAll, expect, test } from 'vitest';
import { freePort, waitFor, type TestServer } from '../harness/servers.js';
import { startPostgres } from '../harness/postgres.js';
import { apiCall, provisionDevice, testEnv, type ProvisionedDevice } from '../harness/platform.js';
import { connectDevice, publish, validMetrics } from '../harness/devices.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import { bullPrefix, DEFAULT_SHARDS, shardQueueName } from '../../src/telemetry/detection/worker/detection.jobs.js';

const MODEL = 'centrifugal-pump-cp80';
const ASSETS = 12;

interface Child {
  name: string;
  process: ChildProcess;
  stderr: () => string;
  /** Resolves when the process logged that its detection worker started (workers only). */
  detecting: Promise<void>;
}
const children: Child[] = [];
const clients: MqttClient[] = [];
let postgres: TestServer | undefined;
let redis: Redis | undefined;
const queues: Queue[] = [];

function start(name: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/main.ts'], {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d).slice(-4000)));
  let stdout = '';
  const detecting = new Promise<void>((resolve) =>
    child.stdout?.on('data', (d: Buffer) => {
      stdout = (stdout + d).slice(-8000);
      if (stdout.includes('detection worker started')) resolve();
    }),
  );
  const entry = { name, process: child, stderr: () => stderr, detecting };
  children.push(entry);
  return entry;
}

afterAll(async () => {
  for (const c of clients) c.end(true);
  await Promise.all(
    children.map(async ({ process: child }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }),
  );
  await Promise.all(queues.map((q) => q.close()));
  await redis?.quit();
  await postgres?.destroy();
});

test(
  'two worker processes share detection; a worker killed mid-job and restarted leaves exactly one ticket per faulty asset',
  { timeout: 180_000 },
  async () => {
    postgres = await startPostgres();
    // Processes sharing a PostgreSQL database share one secrets key (required with DATABASE_URL).
    const env = testEnv({
      DATABASE_URL: postgres.url,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      WORKER_TAKEOVER_MS: '2000',
      SILENCE_SWEEP_INTERVAL_MS: '0',
    });
    const apiPort = String(await freePort());
    const mqttPort = await freePort();
    const api = `http://127.0.0.1:${apiPort}`;
    const call = <T = unknown>(method: string, url: string, body?: unknown) => apiCall<T>(api, env.TELEMEND_ADMIN_TOKEN!, method, url, body);

    // The API process migrates first; the others find the schema in place.
    const apiProcess = start('api', { ...env, TELEMEND_ROLE: 'api', PORT: apiPort });
    await waitFor(async () => (await fetch(`${api}/health`).catch(() => undefined))?.ok === true, `api up ${apiProcess.stderr()}`, 60_000);
    start('broker', { ...env, TELEMEND_ROLE: 'broker', MQTT_PORT: String(mqttPort) });
    const workerEnv = { ...env, TELEMEND_ROLE: 'worker' };
    // One deployment slot each (WORKER_ID): the journal consumer a restart takes over.
    const workers = [start('worker-a', { ...workerEnv, WORKER_ID: 'worker-a' }), start('worker-b', { ...workerEnv, WORKER_ID: 'worker-b' })];
    await Promise.all(workers.map((w) => w.detecting));

    const model = (await call<EquipmentModel>('GET', `/api/v1/models/${MODEL}`)).body;
    const rule = model.detection!.rules.find((r) => r.kind === 'event' && (r.codes?.length ?? 0) > 0) as { fault: string; codes: string[] };
    const devices: ProvisionedDevice[] = [];
    for (let i = 0; i < ASSETS; i++) devices.push(await provisionDevice(call, MODEL));
    await waitFor(
      async () => {
        const c = await connectDevice(mqttPort, devices[0]!.deviceId, devices[0]!.token, { reconnectPeriod: 0 }).catch(() => undefined);
        if (c) clients.push(c);
        return c !== undefined;
      },
      'broker up',
      60_000,
    );
    for (const d of devices.slice(1)) clients.push(await connectDevice(mqttPort, d.deviceId, d.token));

    redis = new Redis(env.REDIS_URL!);
    for (let s = 0; s < DEFAULT_SHARDS; s++) queues.push(new Queue(shardQueueName(s), { connection: redis, prefix: bullPrefix(env.REDIS_PREFIX!) }));

    // Steady telemetry from every device keeps detection jobs flowing on all shards.
    const base = Date.now() - 30 * 60_000;
    let tick = 0;
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        const ts = base + tick++ * 1000;
        await Promise.all(clients.map((c, i) => publish(c, `devices/${devices[i]!.deviceId}/telemetry`, { ts, metrics: validMetrics(model, 0.01) })));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    stream.catch(() => undefined); // awaited below; a publish failing after the test gave up is not news
    const faultEvent = (i: number) =>
      publish(clients[i]!, `devices/${devices[i]!.deviceId}/events`, { ts: base + tick * 1000 + 500, code: rule.codes[0]!, severity: 'critical' });

    // Both workers take jobs.
    const processedBy = async () => {
      const names = new Set<string>();
      for (const q of queues) for (const job of await q.getJobs(['completed', 'active'], 0, 200)) if (job?.processedBy) names.add(job.processedBy);
      return names;
    };
    let sharing = new Set<string>();
    await waitFor(async () => (sharing = await processedBy()).size >= 2, 'both workers processing detection jobs', 90_000);

    // First half of the faults; then kill the worker that holds an active job.
    for (let i = 0; i < ASSETS / 2; i++) await faultEvent(i);
    let victim: Child | undefined;
    await waitFor(
      async () => {
        for (const q of queues) {
          for (const job of await q.getJobs(['active'])) {
            const pid = Number(job?.processedBy?.split(':').pop());
            victim = workers.find((w) => w.process.pid === pid);
            if (victim) return true;
          }
        }
        return false;
      },
      'a detection job active on a worker',
      30_000,
    );
    victim!.process.kill('SIGKILL');
    await new Promise((r) => victim!.process.once('exit', r));

    // Faults keep coming while one worker is down; then it comes back.
    for (let i = ASSETS / 2; i < ASSETS; i++) await faultEvent(i);
    // The same event again from every device (a retrying device) must not add tickets.
    for (let i = 0; i < ASSETS; i++) await faultEvent(i);
    workers.push(start(`${victim!.name}-restarted`, { ...workerEnv, WORKER_ID: victim!.name }));

    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    try {
      const ticketsPerAsset = async () =>
        (
          await db.query<{ asset_id: string; n: string }>(
            `SELECT asset_id, count(*) AS n FROM tickets WHERE channel = 'iot' AND fault_code = $1 AND status NOT IN ('closed', 'cancelled') GROUP BY asset_id`,
            [rule.fault],
          )
        ).rows;
      await waitFor(async () => (await ticketsPerAsset()).length === ASSETS, 'a ticket for every faulty asset', 90_000);
      streaming = false;
      await stream;
      // Let whatever is still queued drain, then check again: still exactly one each.
      await waitFor(
        async () => {
          let pending = 0;
          for (const q of queues) pending += (await q.getJobCounts('waiting', 'active', 'delayed')).waiting ?? 0;
          return pending === 0;
        },
        'queues drained',
        30_000,
      );
      const rows = await ticketsPerAsset();
      expect(rows).toHaveLength(ASSETS);
      expect(new Set(rows.map((r) => r.asset_id))).toEqual(new Set(devices.map((d) => d.assetId)));
      expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
      const all = await db.query<{ n: string }>(`SELECT count(*) AS n FROM tickets WHERE channel = 'iot'`);
      expect(Number(all.rows[0]!.n)).toBe(ASSETS);
    } finally {
      streaming = false;
      await db.end();
    }
    // The load was spread: the two original worker processes both ran detection jobs.
    expect([...sharing].map((name) => Number(name.split(':').pop())).filter((pid) => workers.slice(0, 2).some((w) => w.process.pid === pid))).toHaveLength(2);
  },
);
