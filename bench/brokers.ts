/**
 * Broker scale-out benchmark: the same MQTT load (QoS 1, 5 metrics per reading) against
 *   (a) one broker process,
 *   (b) two broker processes with MQTT_CLUSTER=off (each an independent ingest edge in front of
 *       the shared Redis journal — devices split between them, as a TCP load balancer would),
 *   (c) two broker processes with MQTT_CLUSTER=redis (one logical broker: routing over Redis
 *       pub/sub, sessions and retained messages in Redis),
 *   (d) an external Mosquitto 2 (Debian package, dynamic security) with one, then two Telemend
 *       ingest processes (MQTT_EMBEDDED=false) sharing its flow with MQTT 5 shared subscriptions.
 * Two rates per layout: readings/s acknowledged to the devices (by Telemend's broker after the
 * journal has them; by Mosquitto as soon as it has them), and readings/s through to InfluxDB
 * (all readings of the layout counted in InfluxDB, over the time from the start of the load until
 * the last one was there) — the figure that compares the paths, since Mosquitto queues what
 * ingest has not taken yet.
 * Everything else is shared and separate: PostgreSQL (device authentication), one worker (journal
 * → InfluxDB), one API process, redis-server and influxd, all started here on free ports.
 * Prints acknowledged readings/s per layout and the peak RSS of the broker processes.
 *
 *   npm run bench:brokers -- [--devices 100] [--seconds 10] [--window 16]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import os from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { freePort, startInflux, startRedis, waitFor } from '../test/harness/servers.js';
import { startPostgres } from '../test/harness/postgres.js';
import { MOSQUITTO_ADMIN, startMosquitto } from '../test/harness/mosquitto.js';
import { influxQuery } from '../test/harness/servers.js';
import { runLoad, type LoadDevice } from './mqtt-load.js';
import { apiClient, loadDevice, log, normalValues, peakRssMb, printTable, provisionFleet, readingJson, spawnNode, stopChild } from './bench-utils.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    window: { type: 'string', default: '16' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write('Usage: npm run bench:brokers -- [--devices 100] [--seconds 10] [--window 16]\n');
  process.exit(0);
}
const DEVICES = Number(values.devices);
const SECONDS = Number(values.seconds);
const WINDOW = Number(values.window);
const MODEL = 'centrifugal-pump-cp80';

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    void import('node:net').then(({ connect }) => {
      const c = connect(port, '127.0.0.1', () => (c.destroy(), resolve(true)));
      c.on('error', () => resolve(false));
    });
  });

async function main(): Promise<void> {
  log(`starting redis-server, influxd and PostgreSQL; ${DEVICES} devices, ${SECONDS} s per layout`);
  const [redis, influx, postgres, mosquitto] = await Promise.all([startRedis(), startInflux(), startPostgres(), startMosquitto()]);
  // Telemend's side of the external broker; the API writes devices into Mosquitto's dynamic security.
  const external = {
    MQTT_EXTERNAL_URL: mosquitto.url,
    MQTT_EXTERNAL_USERNAME: MOSQUITTO_ADMIN.username,
    MQTT_EXTERNAL_PASSWORD: MOSQUITTO_ADMIN.password,
  };
  const children: ChildProcess[] = [];
  const base = {
    ...process.env,
    TELEMEND_ADMIN_TOKEN: `bench-${randomBytes(12).toString('hex')}`,
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'bench',
    INFLUX_URL: influx.url,
    INFLUX_DATABASE: 'bench',
    DATABASE_URL: postgres.url,
    SECRETS_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    SILENCE_SWEEP_INTERVAL_MS: '0',
    MQTT_CONNECTIONS_PER_MINUTE: String(DEVICES * 20),
    // Several roles on one host: each process's metrics listener on a free port.
    METRICS_PORT: '0',
  };
  try {
    const apiPort = String(await freePort());
    const api = `http://127.0.0.1:${apiPort}`;
    children.push(spawnNode(['src/app/main.ts'], { ...base, ...external, MQTT_EXTERNAL_DYNSEC: 'true', TELEMEND_ROLE: 'api', PORT: apiPort }));
    await waitFor(async () => (await fetch(`${api}/health`).catch(() => undefined))?.ok === true, 'api', 60_000);
    children.push(spawnNode(['src/app/main.ts'], { ...base, TELEMEND_ROLE: 'worker' }));
    const call = apiClient(api, base.TELEMEND_ADMIN_TOKEN);
    const model = await call<{ metrics: Record<string, { min: number; max: number; normal?: { min: number; max: number } }> }>('GET', `/models/${MODEL}`);
    const names = Object.keys(model.metrics).slice(0, 5);
    const metricValues = normalValues(model.metrics, names);
    log(`provisioning ${DEVICES} devices`);
    const devices: LoadDevice[] = (await provisionFleet(call, { modelId: MODEL, count: DEVICES, name: 'Broker Bench', serial: (i) => `BROKER-${i}` })).map(
      loadDevice,
    );

    let offset = 0;
    const metric = names[0]!;
    /** Readings of the layout in InfluxDB (its timestamps are offset from every other layout's). */
    const stored = async (lo: number, hi: number) => {
      const rows = await influxQuery(influx.url, 'bench', `SELECT count("${metric}") FROM telemetry WHERE time >= ${lo}ms AND time < ${hi}ms`).catch(() => []);
      return rows.length ? Number(rows[0]![1]) : 0;
    };
    type Layout = { name: string; processes: number; cluster?: 'off' | 'redis'; external?: boolean };
    const layout = async ({ name, processes, cluster = 'off', external: viaMosquitto = false }: Layout): Promise<string[]> => {
      log(`layout: ${name}`);
      const ports: number[] = [];
      const procs: ChildProcess[] = [];
      const ready: Promise<void>[] = [];
      for (let b = 0; b < processes; b++) {
        if (viaMosquitto) {
          const child = spawnNode(['src/app/main.ts'], {
            ...base,
            ...external,
            LOG_LEVEL: 'info',
            TELEMEND_ROLE: 'broker',
            MQTT_EMBEDDED: 'false',
            MQTT_EXTERNAL_CLIENT_ID: `bench-ingest-${b}`,
          });
          let out = '';
          ready.push(
            new Promise((resolve) => child.stdout?.on('data', (d: Buffer) => (out = (out + d).slice(-4000)).includes('ingest subscribed') && resolve())),
          );
          procs.push(child);
          continue;
        }
        const port = await freePort();
        ports.push(port);
        procs.push(spawnNode(['src/app/main.ts'], { ...base, TELEMEND_ROLE: 'broker', MQTT_PORT: String(port), MQTT_CLUSTER: cluster }));
      }
      if (viaMosquitto) {
        await Promise.all(ready);
        ports.push(mosquitto.port);
      }
      for (const port of ports) await waitFor(() => portOpen(port), `broker on ${port}`, 60_000);
      const start = offset;
      offset += 10_000_000;
      const began = Date.now();
      const lo = began - 3_600_000 - start - 60_000;
      const results = await Promise.all(
        ports.map((port, b) =>
          runLoad({
            port,
            devices: devices.filter((_d, i) => i % ports.length === b),
            window: WINDOW,
            durationMs: SECONDS * 1000,
            payload: (_i, n) => readingJson(names, metricValues, Date.now() - 3_600_000 - start + n),
          }),
        ),
      );
      const acked = results.reduce((s, r) => s + r.acked, 0);
      const elapsed = Math.max(...results.map((r) => r.elapsedMs));
      await waitFor(async () => (await stored(lo, lo + 5_000_000)) >= acked, `${acked} readings in InfluxDB`, 600_000);
      const throughMs = Date.now() - began;
      const rss = await Promise.all(procs.map((p) => peakRssMb(p.pid!)));
      for (const p of procs) await stopChild(p);
      return [name, (acked / (elapsed / 1000)).toFixed(0), (acked / (throughMs / 1000)).toFixed(0), rss.map((r) => `${r} MB`).join(' + ')];
    };

    const rows = [
      await layout({ name: 'one broker', processes: 1 }),
      await layout({ name: 'two brokers, MQTT_CLUSTER=off (independent edges, shared journal)', processes: 2 }),
      await layout({ name: 'two brokers, MQTT_CLUSTER=redis (one logical broker)', processes: 2, cluster: 'redis' }),
      await layout({ name: 'Mosquitto, one ingest process', processes: 1, external: true }),
      await layout({ name: 'Mosquitto, two ingest processes (shared subscription)', processes: 2, external: true }),
    ];
    printTable(
      `Broker scale-out — ${DEVICES} devices, QoS 1, ${SECONDS} s per layout, ${os.cpus().length} cores (brokers, worker, API, Redis, InfluxDB, PostgreSQL and the load on one machine)`,
      [['layout', 'acked readings/s', 'through to InfluxDB, readings/s', 'broker / ingest peak RSS'], ...rows],
    );
  } finally {
    for (const c of children) await stopChild(c);
    await Promise.all([redis.destroy(), influx.destroy(), postgres.destroy(), mosquitto.destroy()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
