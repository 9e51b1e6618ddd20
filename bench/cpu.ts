/**
 * CPU cost of ingest + detection at fixed rates: how many CPU milliseconds the platform's
 * processes (Telemend, redis-server, influxd, PostgreSQL — not the load generator) use per 1 000
 * readings when the fleet publishes at a steady rate, and how many cores that is. A platform
 * that batches well costs less per reading at a low rate than at saturation; one that does
 * per-wakeup work does not. Linux only (/proc).
 *
 *   npm run bench:cpu -- [--rates 1000,4000,8000] [--seconds 10] [--devices 100] [--split]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startInflux, startRedis, waitFor } from '../test/harness/servers.js';
import { startPostgres } from '../test/harness/postgres.js';
import { runLoad } from './mqtt-load.js';
import {
  apiClient,
  benchPlatformEnv,
  cpuPerThousand,
  descendantsCpuMs,
  loadDevice,
  log,
  normalValues,
  printTable,
  provisionFleet,
  readingJson,
  spawnNode,
  stopChild,
} from './bench-utils.js';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '1000,4000,8000' },
    seconds: { type: 'string', default: '10' },
    devices: { type: 'string', default: '100' },
    split: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'Usage: npm run bench:cpu -- [--rates 1000,4000,8000] [--seconds 10] [--devices 100] [--split]\n  --split  broker, worker and API processes on a throwaway PostgreSQL (default: one process, role all, PGlite)\n',
  );
  process.exit(0);
}
const RATES = values.rates
  .split(',')
  .map(Number)
  .filter((r) => r > 0);
const SECONDS = Number(values.seconds);
const DEVICES = Number(values.devices);
const MODEL = 'centrifugal-pump-cp80';

async function main(): Promise<void> {
  log(`starting redis-server and influxd; ${DEVICES} devices at ${RATES.join(', ')} readings/s, ${SECONDS} s each`);
  const [redis, influx] = await Promise.all([startRedis(), startInflux()]);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'telemend-cpu-'));
  const env = await benchPlatformEnv({ redisUrl: redis.url, influxUrl: influx.url, dataDir, devices: DEVICES });
  const postgres = values.split ? await startPostgres() : undefined;
  const roles = values.split ? ['api', 'broker', 'worker'] : ['all'];
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const processes = roles.map((role) =>
    spawnNode(['src/app/main.ts'], { ...env, TELEMEND_ROLE: role, ...(postgres ? { DATABASE_URL: postgres.url } : {}) }, flags),
  );
  const api = `http://127.0.0.1:${env.PORT}`;
  try {
    await waitFor(async () => (await fetch(`${api}/health`).catch(() => undefined))?.ok === true, 'telemend', 60_000);
    const call = apiClient(api, env.TELEMEND_ADMIN_TOKEN);
    const model = await call<{ metrics: Record<string, { min: number; max: number; normal?: { min: number; max: number } }> }>('GET', `/models/${MODEL}`);
    const names = Object.keys(model.metrics);
    const metricValues = normalValues(model.metrics, names);
    const fleet = await provisionFleet(call, { modelId: MODEL, count: DEVICES, name: 'CPU Bench', serial: (i) => `CPU-${i}` });
    await new Promise((r) => setTimeout(r, 3000)); // start-up work settles

    const rows: string[][] = [];
    let before = await descendantsCpuMs();
    await new Promise((r) => setTimeout(r, 5000));
    let after = await descendantsCpuMs();
    rows.push(['idle, 5 s', '—', cores(before, after, 5000), `${cpuPerThousand(before, after, 5000)} (CPU ms per second)`]);
    // Each device replays its own timeline: one reading per 10 s of reading time, from 30 days ago.
    const base = Date.now() - 30 * 24 * 3_600_000;
    let offset = 0;
    for (const rate of RATES) {
      log(`${rate} readings/s for ${SECONDS} s`);
      before = await descendantsCpuMs();
      const result = await runLoad({
        port: Number(env.MQTT_PORT),
        devices: fleet.map(loadDevice),
        window: 16,
        durationMs: SECONDS * 1000,
        rate,
        payload: (_i, n) => readingJson(names, metricValues, base + (offset + n) * 10_000),
      });
      offset += rate * SECONDS;
      after = await descendantsCpuMs();
      rows.push([
        `${rate}/s asked`,
        (result.acked / (result.elapsedMs / 1000)).toFixed(0),
        cores(before, after, result.elapsedMs),
        cpuPerThousand(before, after, result.acked),
      ]);
    }
    printTable(
      `CPU per reading at steady rates — ${values.split ? 'broker + worker + API processes on PostgreSQL' : 'one process (role all, PGlite)'}, ${DEVICES} devices, ${os.cpus().length} cores`,
      [['rate', 'achieved readings/s', 'cores busy', 'CPU ms per 1000 readings (by process)'], ...rows],
    );
  } finally {
    for (const p of processes) await stopChild(p);
    await postgres?.destroy();
    await Promise.all([redis.destroy(), influx.destroy(), rm(dataDir, { recursive: true, force: true })]);
  }
}

function cores(before: Map<string, number>, after: Map<string, number>, elapsedMs: number): string {
  let ms = 0;
  for (const [name, value] of after) ms += Math.max(0, value - (before.get(name) ?? 0));
  return (ms / elapsedMs).toFixed(2);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
