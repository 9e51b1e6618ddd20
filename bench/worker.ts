/**
 * The detection worker's cost per asset and batch, without BullMQ, MQTT or InfluxDB: jobs of
 * `--assets` pump assets × K readings each (version 2 wire text, as the producer writes them)
 * go straight to DetectionWorker.process against a redis-server started here, with a finding
 * sink that stores nothing. Prints the worker's CPU (this process) and Redis' CPU (INFO cpu) per
 * asset-batch and per reading, for each K: K = 1 is the real-fleet shape (one reading per asset
 * per 100 ms batch), larger K the shape of a saturated ingest.
 *
 *   npm run bench:worker -- [--assets 100] [--readings 1,5,20] [--jobs 50] [--lanes 16]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { ModelRegistry } from '../src/telemetry/models/models.registry.js';
import { createLogger } from '../src/kernel/logger.js';
import { encodeReading } from '../src/telemetry/detection/worker/detection.jobs.js';
import { DetectionWorker } from '../src/telemetry/detection/worker/detection.worker.js';
import { startRedis } from '../test/harness/servers.js';
import { log, normalValues, printTable } from './bench-utils.js';

const { values } = parseArgs({
  options: {
    assets: { type: 'string', default: '100' },
    readings: { type: 'string', default: '1,5,20' },
    jobs: { type: 'string', default: '50' },
    lanes: { type: 'string', default: '16' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'Usage: npm run bench:worker -- [--assets 100] [--readings 1,5,20] [--jobs 50] [--lanes 16]\n' +
      '  --assets    assets per job (centrifugal pump, 8 metrics)\n' +
      '  --readings  readings per asset and job, one measurement per value\n' +
      '  --jobs      measured jobs per value (after 10 warm-up jobs)\n' +
      '  --lanes     assets of a job evaluated at once (the worker option assetConcurrency)\n',
  );
  process.exit(0);
}
const ASSETS = Number(values.assets);
const JOBS = Number(values.jobs);
const LANES = Number(values.lanes);
const KS = values.readings.split(',').map(Number);
if (![ASSETS, JOBS, LANES, ...KS].every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write('--assets, --jobs, --lanes and every --readings value must be positive integers\n');
  process.exit(2);
}
const WARM_UP = 10;
const MODEL = 'centrifugal-pump-cp80';

const models = await ModelRegistry.fromDirectory(new URL('../devices', import.meta.url).pathname);
const model = models.get(MODEL)!;
const names = Object.keys(model.metrics);
const normal = normalValues(model.metrics, names);
log('starting redis-server');
const server = await startRedis();
const admin = new Redis(server.url);
const worker = new DetectionWorker({
  redisUrl: server.url,
  prefix: 'benchworker',
  models,
  autotickets: { apply: async () => undefined },
  logger: createLogger('silent'),
  assetConcurrency: LANES,
});
const assets = Array.from({ length: ASSETS }, () => randomUUID());
let ts = Date.now() - 30 * 86_400_000;

async function redisCpuMs(): Promise<number> {
  const info = await admin.info('cpu');
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? NaN);
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? NaN);
  return (sys + user) * 1000;
}

/** One job: every asset with k readings 10 s apart, values ±1 % around the model's normal range. */
function job(k: number) {
  const start = ts;
  ts += k * 10_000;
  const readings = () =>
    Array.from({ length: k }, (_, i) =>
      encodeReading(Object.fromEntries(names.map((m, j) => [m, normal[j]! * (1 + (Math.random() - 0.5) * 0.02)])), start + i * 10_000),
    ).join('\n');
  return {
    id: `k${k}-${start}`,
    data: {
      v: 2 as const,
      shard: 0,
      assets: assets.map((assetId) => ({ assetId, deviceId: `d-${assetId.slice(0, 8)}`, modelId: MODEL, events: [], readings: readings() })),
    },
  };
}

const rows: string[][] = [];
try {
  for (const k of KS) {
    log(`${ASSETS} assets × ${k} readings: ${WARM_UP} warm-up jobs, then ${JOBS} measured`);
    const jobs = Array.from({ length: WARM_UP + JOBS }, () => job(k));
    for (const j of jobs.slice(0, WARM_UP)) await worker.process(j);
    const redis0 = await redisCpuMs();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const j of jobs.slice(WARM_UP)) await worker.process(j);
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    const redisMs = (await redisCpuMs()) - redis0;
    const batches = JOBS * ASSETS;
    const workerUs = (cpu.user + cpu.system) / batches;
    const redisUs = (redisMs * 1000) / batches;
    rows.push([String(k), workerUs.toFixed(0), (workerUs / k).toFixed(1), redisUs.toFixed(0), ((wallMs * 1000) / batches).toFixed(0)]);
  }
} finally {
  await worker.stop();
  await admin.quit();
  await server.stop();
}
printTable(`Detection worker per asset and batch — ${ASSETS} assets per job (${MODEL}, ${names.length} metrics), ${LANES} lanes, real Redis, no BullMQ`, [
  ['readings per asset-batch', 'worker µs per asset-batch', 'worker µs per reading', 'Redis µs per asset-batch', 'wall µs per asset-batch'],
  ...rows,
]);
