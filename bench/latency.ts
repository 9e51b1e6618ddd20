/**
 * Alarm-to-ticket latency benchmark: from the publish of the decisive MQTT message to the
 * auto-ticket committed in the database AND pushed on the dispatchers' server-sent events stream,
 * measured while the fleet loads ingest at half of the maximum rate with detection on.
 *
 * One platform process (role all: broker, journal, InfluxDB writer, detection on BullMQ,
 * auto-tickets, API) with redis-server and influxd started on free ports here.
 *   1. Maximum: every load device publishes QoS 1 readings as fast as PUBACKs come back for
 *      --seconds; prints acknowledged readings/s with detection on, and how long the detection
 *      queues take to drain after the load (detection keeping up or not).
 *   2. Half rate: the same devices paced at 50 % of (1). Meanwhile each probe device (its own
 *      asset) publishes ONE decisive controller fault event, one probe every --gap ms. An SSE
 *      client reads GET /api/v1/stream/tickets; latency = the `ticket.created` event for that
 *      asset received − the publish time. The ticket is committed before it is published.
 *
 * Load devices replay their own timeline at accelerated time (one reading per 10 s of reading time,
 * the model's sample period, starting 30 days ago), so the detectors work on realistic series.
 *
 * The decisive message is a controller event mapped to a fault (devices/{id}/events): it fires
 * its rule on arrival, so the figure is the pipeline's own (journal → InfluxDB write → detection
 * job → detectors → ticket transaction with prefill → Redis pub/sub → SSE), not a rule's duration.
 *
 *   npm run bench:latency -- [--devices 100] [--seconds 15] [--probes 100] [--gap 100]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startInflux, startRedis, waitFor } from '../test/harness/servers.js';
import { startPostgres } from '../test/harness/postgres.js';
import { bullPrefix, DEFAULT_SHARDS, shardQueueName } from '../src/telemetry/detection/worker/detection.jobs.js';
import { runLoad, type LoadDevice } from './mqtt-load.js';
import {
  apiClient,
  benchPlatformEnv,
  cpuPerThousand,
  descendantsCpuMs,
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
    devices: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '15' },
    probes: { type: 'string', default: '100' },
    gap: { type: 'string', default: '100' },
    window: { type: 'string', default: '16' },
    split: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'Usage: npm run bench:latency -- [--devices 100] [--seconds 15] [--probes 100] [--gap 100] [--window 16] [--split]\n  --split  the production layout: broker, worker and API processes on a throwaway PostgreSQL (default: one process, role all, PGlite)\n',
  );
  process.exit(0);
}
const DEVICES = Number(values.devices);
const SECONDS = Number(values.seconds);
const PROBES = Number(values.probes);
const GAP = Number(values.gap);
const WINDOW = Number(values.window);
const MODEL = 'centrifugal-pump-cp80';

interface ModelView {
  metrics: Record<string, { min: number; max: number; normal?: { min: number; max: number } }>;
  detection?: { rules: { kind: string; fault: string; codes?: string[] }[] };
}

/** Reads `ticket.created` events from the SSE stream; calls back with (assetId, receive time). */
async function openStream(api: string, token: string, onCreated: (assetId: string, at: number, createdAt: number) => void): Promise<AbortController> {
  const abort = new AbortController();
  const res = await fetch(`${api}/api/v1/stream/tickets`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal });
  if (!res.ok || !res.body) throw new Error(`stream: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      const at = Date.now();
      buffer += value;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = frame
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('\n');
        if (!data) continue;
        const event = JSON.parse(data) as { type: string; ticket?: { assetId?: string | null; createdAt?: string } };
        if (event.type === 'ticket.created' && event.ticket?.assetId) onCreated(event.ticket.assetId, at, Date.parse(event.ticket.createdAt ?? ''));
      }
    }
  })();
  return abort;
}

async function main(): Promise<void> {
  log(`starting redis-server and influxd; ${DEVICES} load devices, ${PROBES} probe devices, ${SECONDS} s per run`);
  const [redis, influx] = await Promise.all([startRedis(), startInflux()]);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'telemend-latency-'));
  // Each load device replays its own timeline at accelerated time: one reading per 10 s of reading
  // time (the pump's sample period), like a simulator replay — detectors see a realistic series.
  const PERIOD = 10_000;
  const base = Date.now() - 30 * 24 * 3_600_000;
  let lastN = 0;
  const env = await benchPlatformEnv({ redisUrl: redis.url, influxUrl: influx.url, dataDir, devices: DEVICES + PROBES });
  const api = `http://127.0.0.1:${env.PORT}`;
  // BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=scratch/prof' profiles the platform process.
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  // --split: one process per role (as in docker-compose), so ingest and detection each get a core.
  const postgres = values.split ? await startPostgres() : undefined;
  const roles = values.split ? ['api', 'broker', 'worker'] : ['all'];
  const processes = roles.map((role) =>
    spawnNode(['src/app/main.ts'], { ...env, TELEMEND_ROLE: role, ...(postgres ? { DATABASE_URL: postgres.url } : {}) }, flags),
  );
  const queueRedis = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queues = Array.from({ length: DEFAULT_SHARDS }, (_, s) => new Queue(shardQueueName(s), { connection: queueRedis, prefix: bullPrefix('bench') }));
  try {
    await waitFor(async () => (await fetch(`${api}/health`).catch(() => undefined))?.ok === true, 'telemend', 60_000);
    const call = apiClient(api, env.TELEMEND_ADMIN_TOKEN);
    const model = await call<ModelView>('GET', `/models/${MODEL}`);
    const metricNames = Object.keys(model.metrics);
    const metricValues = normalValues(model.metrics, metricNames);
    const rule = model.detection?.rules.find((r) => r.kind === 'event' && r.codes?.length);
    if (!rule) throw new Error(`${MODEL} has no event rule`);
    const code = rule.codes![0]!;

    log(`provisioning ${DEVICES + PROBES} devices of ${MODEL}`);
    const fleet = await provisionFleet(call, {
      modelId: MODEL,
      count: DEVICES + PROBES,
      name: 'Latency Bench',
      serial: (i) => (i < DEVICES ? `LOAD-${i}` : `PROBE-${i - DEVICES}`),
    });
    const load: LoadDevice[] = fleet.slice(0, DEVICES).map(loadDevice);
    const probes = fleet.slice(DEVICES);

    const backlog = async () => {
      let n = 0;
      for (const q of queues) {
        const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        n += (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
      }
      return n;
    };
    const processed = async () => {
      let n = 0;
      for (const q of queues) n += (await q.getJobCounts('completed')).completed ?? 0;
      return n;
    };

    // ---- 1. maximum ingest with detection on ------------------------------------------------
    log('run 1/2: maximum ingest rate with detection on');
    const cpuBeforeMax = await descendantsCpuMs();
    const generatorBefore = process.cpuUsage();
    const full = await runLoad({
      port: Number(env.MQTT_PORT),
      devices: load,
      window: WINDOW,
      durationMs: SECONDS * 1000,
      payload: (_i, n) => {
        lastN = Math.max(lastN, n);
        return readingJson(metricNames, metricValues, base + n * PERIOD);
      },
      onTick: (a) => log(`  ${a} acknowledged`),
    });
    const generator = process.cpuUsage(generatorBefore);
    if (full.refused) throw new Error(`${full.refused} devices refused`);
    const maxRate = full.acked / (full.elapsedMs / 1000);
    const loadEnded = Date.now();
    await waitFor(async () => (await backlog()) === 0 && (await processed()) > 0, 'detection queues drained', 600_000);
    const detectionDrainMs = Date.now() - loadEnded;
    const cpuMax = cpuPerThousand(cpuBeforeMax, await descendantsCpuMs(), full.acked);

    // ---- 2. half rate + decisive events ----------------------------------------------------
    const paced = Math.round(maxRate / 2);
    const pacedStarted = Date.now();
    const pacedBase = base + (lastN + 1) * PERIOD;
    log(`run 2/2: ${paced} readings/s (half) while ${PROBES} probes publish a decisive ${code} event every ${GAP} ms`);
    const published = new Map<string, number>();
    const latencies: number[] = [];
    const toCommit: number[] = [];
    const stream = await openStream(api, env.TELEMEND_ADMIN_TOKEN, (assetId, at, createdAt) => {
      const t0 = published.get(assetId);
      if (t0 === undefined) return;
      latencies.push(at - t0);
      // The ticket's creation time is taken in its transaction (same machine, same clock).
      if (Number.isFinite(createdAt)) toCommit.push(createdAt - t0);
    });
    const clients = await Promise.all(
      probes.map((p) => mqtt.connectAsync(`mqtt://127.0.0.1:${env.MQTT_PORT}`, { username: p.deviceId, password: p.token, clientId: p.deviceId })),
    );
    // A first healthy reading per probe so that its asset has detection state, before timing.
    await Promise.all(
      clients.map((c, i) => c.publishAsync(`devices/${probes[i]!.deviceId}/telemetry`, readingJson(metricNames, metricValues, Date.now() - 5_000), { qos: 1 })),
    );
    const cpuBeforePaced = await descendantsCpuMs();
    const loadRun = runLoad({
      port: Number(env.MQTT_PORT),
      devices: load,
      window: WINDOW,
      durationMs: Math.max(SECONDS * 1000, PROBES * GAP + 3000),
      rate: paced,
      payload: (_i, n) => readingJson(metricNames, metricValues, pacedBase + n * PERIOD),
      onTick: (a) => log(`  paced: ${a} acknowledged, ${latencies.length}/${PROBES} tickets streamed`),
    });
    await new Promise((r) => setTimeout(r, 1500)); // let the pacing settle
    for (let i = 0; i < PROBES; i++) {
      const p = probes[i]!;
      const t0 = Date.now();
      published.set(p.assetId, t0);
      clients[i]!.publish(`devices/${p.deviceId}/events`, JSON.stringify({ ts: t0, code, severity: 'critical' }), { qos: 1 });
      await new Promise((r) => setTimeout(r, GAP));
    }
    const pacedResult = await loadRun;
    const cpuPaced = cpuPerThousand(cpuBeforePaced, await descendantsCpuMs(), pacedResult.acked);
    await waitFor(async () => latencies.length >= PROBES, `${PROBES} tickets on the stream`, 120_000).catch(() =>
      log(`only ${latencies.length} of ${PROBES} tickets streamed`),
    );
    stream.abort();
    await Promise.all(clients.map((c) => c.endAsync()));
    const rss = (await Promise.all(processes.map((p) => peakRssMb(p.pid!)))).map((mb, i) => `${roles[i]} ${mb} MB`).join(', ');
    const sorted = [...latencies].sort((a, b) => a - b);
    // Where detection time goes: queue wait and run time of the shard jobs of the paced run.
    const waits: number[] = [];
    const runs: number[] = [];
    for (const q of queues) {
      for (const job of await q.getJobs(['completed'], 0, 999)) {
        if (!job?.processedOn || !job.finishedOn || job.timestamp < pacedStarted) continue;
        waits.push(job.processedOn - job.timestamp);
        runs.push(job.finishedOn - job.processedOn);
      }
    }
    waits.sort((a, b) => a - b);
    runs.sort((a, b) => a - b);

    printTable(
      `Alarm-to-ticket latency — ${values.split ? 'broker + worker + API processes on PostgreSQL' : 'one process (role all, PGlite)'}, ${DEVICES} load devices (${metricNames.length} metrics per reading), ${PROBES} probes, ${os.cpus().length} cores`,
      [
        ['max ingest with detection on (acknowledged readings/s)', maxRate.toFixed(0)],
        ['detection backlog drained after the max run', `${(detectionDrainMs / 1000).toFixed(2)} s`],
        [
          'paced run (readings/s asked / achieved)',
          `${paced} / ${(pacedResult.acked / (pacedResult.elapsedMs / 1000)).toFixed(0)} (${pacedResult.skipped} skipped, window full)`,
        ],
        ['decisive publish → ticket on SSE: p50', `${percentile(sorted, 50)} ms`],
        ['p90', `${percentile(sorted, 90)} ms`],
        ['p99', `${percentile(sorted, 99)} ms`],
        ['max', `${sorted.at(-1) ?? NaN} ms`],
        [
          'of which publish → ticket transaction started: p50 / p99',
          `${percentile(
            toCommit.sort((a, b) => a - b),
            50,
          )} / ${percentile(toCommit, 99)} ms`,
        ],
        ['tickets streamed', `${latencies.length} of ${PROBES}`],
        [`detection jobs (paced run, n=${runs.length}): queue wait p50 / p99`, `${percentile(waits, 50)} / ${percentile(waits, 99)} ms`],
        ['detection job run time p50 / p99', `${percentile(runs, 50)} / ${percentile(runs, 99)} ms`],
        ['CPU ms per 1000 readings, max run (incl. detection drain)', cpuMax],
        ['CPU ms per 1000 readings, paced run', cpuPaced],
        [
          'load generator (this process), max run: cores / CPU ms per 1000 readings',
          `${((generator.user + generator.system) / 1000 / full.elapsedMs).toFixed(2)} / ${((generator.user + generator.system) / full.acked).toFixed(1)}`,
        ],
        ['peak RSS of the platform', rss],
      ],
    );
  } finally {
    for (const p of processes) await stopChild(p);
    await postgres?.destroy();
    await Promise.all(queues.map((q) => q.close()));
    await queueRedis.quit();
    await Promise.all([redis.destroy(), influx.destroy(), rm(dataDir, { recursive: true, force: true })]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
