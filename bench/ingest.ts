/**
 * Ingest benchmark: many devices over real MQTT (QoS 1) against (a) plain Aedes with no
 * authentication, validation or storage and (b) Telemend (role all: auth, validation, Redis
 * journal, InfluxDB writer), each in its own process, with redis-server and influxd started on
 * free ports on this machine. Prints accepted readings/s (5 metrics each), the time for the
 * last reading to reach InfluxDB, publish→written latency percentiles from a probe device,
 * RSS idle and at peak, and the ratio to plain Aedes. A third run paces Telemend at half the
 * rate it reached (each device publishing at a fixed interval) and reports the probe's
 * latency there: at saturation latency is only queueing.
 *
 *   npm run bench:ingest -- [--devices 200] [--seconds 20] [--window 16]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { freePort, influxQuery, startInflux, startRedis, waitFor } from '../test/harness/servers.js';
import { runLoad, type LoadDevice } from './mqtt-load.js';
import {
  apiClient,
  currentRssMb,
  loadDevice,
  log,
  normalValues,
  peakRssMb,
  percentile,
  printTable,
  provisionFleet,
  readingJson,
  spawnNode,
  stopChild,
} from './bench-utils.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '20' },
    window: { type: 'string', default: '16' },
    profile: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write('Usage: npm run bench:ingest -- [--devices 200] [--seconds 20] [--window 16] [--profile <dir>]\n');
  process.exit(0);
}
const DEVICES = Number(values.devices);
const SECONDS = Number(values.seconds);
const WINDOW = Number(values.window);
const METRICS = 5;
const reading = readingJson;

async function main(): Promise<void> {
  log(`starting redis-server and influxd; ${DEVICES} devices, ${SECONDS} s per run, ${WINDOW} QoS 1 publishes in flight per device`);
  const [redis, influx] = await Promise.all([startRedis(), startInflux()]);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'telemend-bench-'));
  const base = Date.now() - 6 * 3_600_000;
  try {
    // ---- (a) plain Aedes -------------------------------------------------------------------
    const plainPort = await freePort();
    const plain = spawnNode(['bench/plain-aedes.ts', String(plainPort)], process.env);
    await waitFor(async () => {
      const s = await import('node:net');
      return new Promise<boolean>((r) => {
        const c = s.connect(plainPort, '127.0.0.1', () => (c.destroy(), r(true)));
        c.on('error', () => r(false));
      });
    }, 'plain aedes');
    const names = ['m1', 'm2', 'm3', 'm4', 'm5'];
    const plainDevices: LoadDevice[] = Array.from({ length: DEVICES }, (_, i) => ({ username: `p${i}`, password: 'x', topic: `devices/p${i}/telemetry` }));
    log('run 1/3: plain Aedes');
    const plainResult = await runLoad({
      port: plainPort,
      devices: plainDevices,
      window: WINDOW,
      durationMs: SECONDS * 1000,
      payload: (_i, n) => reading(names, [1, 2, 3, 4, 5], base + n),
      onTick: (a) => log(`  plain: ${a} acknowledged`),
    });
    const plainRss = await peakRssMb(plain.pid!);
    await stopChild(plain);
    const plainRate = plainResult.acked / (plainResult.elapsedMs / 1000);

    // ---- (b) Telemend ------------------------------------------------------------------------
    const env = {
      ...process.env,
      TELEMEND_ADMIN_TOKEN: `bench-${randomBytes(12).toString('hex')}`,
      PORT: String(await freePort()),
      MQTT_PORT: String(await freePort()),
      REDIS_URL: redis.url,
      INFLUX_URL: influx.url,
      INFLUX_DATABASE: 'bench',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      MQTT_CONNECTIONS_PER_MINUTE: String(DEVICES * 10),
    };
    const api = `http://127.0.0.1:${env.PORT}`;
    // --profile <dir> writes a V8 CPU profile of the platform process there.
    const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    const platform = spawnNode(['src/app/main.ts'], env, [...nodeFlags, ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [])]);
    await waitFor(async () => (await fetch(`${api}/health`)).ok, 'telemend', 60_000);
    const call = apiClient(api, env.TELEMEND_ADMIN_TOKEN);
    const models = await call<{ id: string }[] | { items: { id: string }[] }>('GET', '/models');
    const modelId = (Array.isArray(models) ? models : models.items)[0]!.id;
    const model = await call<{ metrics: Record<string, { min: number; max: number; normal?: { min: number; max: number } }> }>('GET', `/models/${modelId}`);
    const metricNames = Object.keys(model.metrics).slice(0, METRICS);
    if (metricNames.length < METRICS) throw new Error(`model ${modelId} has fewer than ${METRICS} metrics`);
    const metricValues = normalValues(model.metrics, metricNames);
    log(`provisioning ${DEVICES + 1} devices of ${modelId} through the API`);
    const provisioned = await provisionFleet(call, { modelId, count: DEVICES + 1, name: 'Bench Customer', serial: (i) => `BENCH-${i}` });
    const probe = provisioned.pop()!;
    const devices: LoadDevice[] = provisioned.map(loadDevice);

    const idleRss = await currentRssMb(platform.pid!);

    // The probe publishes one reading every 50 ms stamped with the wall clock; a poller finds
    // when each one is in InfluxDB.
    const probeClient = await mqtt.connectAsync(`mqtt://127.0.0.1:${env.MQTT_PORT}`, {
      username: probe.deviceId,
      password: probe.token,
      clientId: probe.deviceId,
    });
    const startProbe = () => {
      const latencies: number[] = [];
      let probing = true;
      let lastSeen = Date.now() - 1;
      const prober = setInterval(() => {
        if (probing) probeClient.publish(`devices/${probe.deviceId}/telemetry`, reading(metricNames, metricValues, Date.now()), { qos: 1 });
      }, 50);
      const poll = (async () => {
        while (probing) {
          const rows = await influxQuery(
            influx.url,
            'bench',
            `SELECT "${metricNames[0]}" FROM telemetry WHERE device = '${probe.deviceId}' AND time > ${lastSeen}ms`,
          ).catch(() => []);
          const now = Date.now();
          for (const row of rows) {
            const ts = row[0] as number;
            latencies.push(now - ts);
            lastSeen = Math.max(lastSeen, ts);
          }
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      return async () => {
        probing = false;
        clearInterval(prober);
        await poll;
        return latencies.sort((a, b) => a - b);
      };
    };
    const count = async () => {
      const rows = await influxQuery(influx.url, 'bench', `SELECT count("${metricNames[0]}") FROM telemetry WHERE device != '${probe.deviceId}'`).catch(
        () => [],
      );
      return (rows[0]?.[1] as number | undefined) ?? 0;
    };

    log('run 2/3: Telemend at full load (auth + validation + journal + InfluxDB)');
    let stopProbe = startProbe();
    const started = Date.now();
    const result = await runLoad({
      port: Number(env.MQTT_PORT),
      devices,
      window: WINDOW,
      durationMs: SECONDS * 1000,
      payload: (_i, n) => reading(metricNames, metricValues, base + n), // one series per device: distinct times per device suffice
      onTick: (a) => log(`  telemend: ${a} acknowledged`),
    });
    if (result.refused) throw new Error(`${result.refused} devices refused`);
    await waitFor(async () => (await count()) >= result.acked, 'all acknowledged readings in InfluxDB', 300_000);
    const drainedMs = Date.now() - started - result.elapsedMs;
    const latencies = await stopProbe();
    const written = await count();

    // At saturation the latency is queueing; at half the measured rate it is the pipeline's own.
    const paced = Math.round((result.acked / (result.elapsedMs / 1000)) * 0.5);
    log(`run 3/3: Telemend at ${paced} readings/s (50% of the above), ${((DEVICES / paced) * 1000).toFixed(1)} ms between publishes of a device`);
    stopProbe = startProbe();
    const paced0 = await count();
    const pacedResult = await runLoad({
      port: Number(env.MQTT_PORT),
      devices,
      window: WINDOW,
      durationMs: SECONDS * 1000,
      rate: paced,
      payload: (_i, n) => reading(metricNames, metricValues, base + 10_000_000 + n), // after run 2's timestamps
      onTick: (a) => log(`  telemend paced: ${a} acknowledged`),
    });
    await waitFor(async () => (await count()) - paced0 >= pacedResult.acked, 'all paced readings in InfluxDB', 300_000);
    const pacedLatencies = await stopProbe();
    await probeClient.endAsync();
    const rss = await peakRssMb(platform.pid!);
    await stopChild(platform);

    const rate = result.acked / (result.elapsedMs / 1000);
    const sustained = written / ((result.elapsedMs + drainedMs) / 1000);
    const table = [
      ['', 'plain Aedes', 'Telemend'],
      ['devices (QoS 1)', String(plainResult.connected), String(result.connected)],
      ['acknowledged readings/s', plainRate.toFixed(0), rate.toFixed(0)],
      ['written to InfluxDB', '-', `${written} of ${result.acked} acknowledged`],
      ['last reading written after load', '-', `${(drainedMs / 1000).toFixed(2)} s`],
      ['sustained readings/s (acked → written)', '-', sustained.toFixed(0)],
      [
        'publish→written p50 / p99 at full load (probe, ±10 ms poll)',
        '-',
        `${percentile(latencies, 50)} ms / ${percentile(latencies, 99)} ms (n=${latencies.length})`,
      ],
      [
        `paced run: readings/s (${pacedResult.skipped} skipped, window full)`,
        '-',
        `${(pacedResult.acked / (pacedResult.elapsedMs / 1000)).toFixed(0)} of ${paced} asked`,
      ],
      [
        'publish→written p50 / p99 at the paced rate',
        '-',
        `${percentile(pacedLatencies, 50)} ms / ${percentile(pacedLatencies, 99)} ms (n=${pacedLatencies.length})`,
      ],
      ['RSS idle (after provisioning, before load)', '-', `${idleRss} MB`],
      ['peak RSS', `${plainRss} MB`, `${rss} MB`],
      ['ratio to plain Aedes', '1.00', (rate / plainRate).toFixed(2)],
    ];
    printTable(`Ingest benchmark — ${DEVICES} devices, ${METRICS} metrics per reading, ${SECONDS} s, ${os.cpus().length} cores`, table);
  } finally {
    await Promise.all([redis.destroy(), influx.destroy(), rm(dataDir, { recursive: true, force: true })]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
