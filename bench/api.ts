/**
 * CRM API benchmark on a real PostgreSQL with a realistic volume:
 *   1. starts a throwaway PostgreSQL (test/harness/postgres.ts) on a free loopback port,
 *   2. migrates and bulk-loads 10,000 assets and 100,000 tickets (bench/api-data.ts),
 *   3. starts the API in a child process (bench/api-server.ts: buildApp on that database; the
 *      benchmarked routes need neither Redis nor InfluxDB),
 *   4. loads it from a SECOND process with autocannon (bench/api-load.ts): single ticket read by
 *      random id, a filtered ticket list page (a mix of agent and dispatcher filters), and the
 *      customer 360 (or the customer read where the 360 route does not exist),
 *   5. runs each scenario closed-loop: every connection sends its next request when the previous
 *      one is answered, so the API runs at its capacity and the latency includes the queueing at
 *      that concurrency. (autocannon's fixed-rate mode is not used: it sends each second's quota
 *      in a burst and back-fills latencies with a 1 ms expected interval, which inflates p99.)
 *   6. prints requests/s and p50/p90/p99 per scenario against the targets, then explains the
 *      SQL of one request of each kind (EXPLAIN ANALYZE, in-process) and prints the plans of
 *      scenarios that missed their target.
 *
 *   npm run bench:api -- [--assets 10000] [--tickets 100000] [--seconds 10] [--connections 10] [--plans]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { z } from 'zod';
import { loadConfig } from '../src/kernel/config.js';
import { openDatabase } from '../src/kernel/db/database.js';
import { migrate } from '../src/app/migrations.js';
import { ModelRegistry } from '../src/telemetry/models/models.registry.js';
import { databaseUrl, startPostgres } from '../test/harness/postgres.js';
import { loadBenchData } from './api-data.js';
import { explainRequests } from './api-explain.js';
import type { ScenarioResult } from './api-load.js';

const HELP = `Usage: npm run bench:api -- [options]
  --assets <n>        assets to load (default 10000)
  --tickets <n>       tickets to load (default 100000)
  --seconds <n>       measured seconds per scenario (default 10)
  --warmup <n>        warm-up seconds per scenario (default 2)
  --connections <n>   concurrent connections of the load process (default 10)
  --plans             print the query plans of every scenario, not only of those that missed
`;
const { values } = parseArgs({
  options: {
    assets: { type: 'string', default: '10000' },
    tickets: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    plans: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const opts = z
  .object({
    assets: z.coerce.number().int().min(10).max(1_000_000),
    tickets: z.coerce.number().int().min(100).max(10_000_000),
    seconds: z.coerce.number().positive().max(600),
    warmup: z.coerce.number().min(0).max(60),
    connections: z.coerce.number().int().min(1).max(1000),
  })
  .parse(values);

const root = path.resolve(import.meta.dirname, '..');
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const TARGET_P99_MS: Record<string, number> = { 'ticket read': 10, 'ticket list (filtered)': 50, 'customer 360': 50, 'customer read': 50 };

function spawnNode(script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

/** Resolves with the port the API child prints as `listening <port>`. */
function apiPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = /^listening (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the API process exited with ${code} before listening`)));
  });
}

const pick = <T>(items: readonly T[], i: number): T => items[i % items.length]!;

async function main(): Promise<void> {
  log(`starting PostgreSQL; ${opts.assets} assets, ${opts.tickets} tickets; ${opts.seconds} s per scenario, ${opts.connections} connections`);
  const server = await startPostgres({ settings: { shared_buffers: '256MB', work_mem: '16MB', max_wal_size: '4GB', checkpoint_timeout: '30min' } });
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'telemend-bench-api-'));
  let api: ChildProcess | undefined;
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('CREATE DATABASE bench');
    await admin.end();
    const url = databaseUrl(server.url, 'bench');
    const models = await ModelRegistry.fromDirectory(path.join(root, 'devices'));
    const db = await openDatabase({ url, dataDir: tmp });
    await migrate(db);
    await models.sync(db);

    log('bulk loading');
    const started = Date.now();
    const sample = await loadBenchData(url, { assets: opts.assets, tickets: opts.tickets, modelIds: models.list().map((m) => m.id), log });
    log(`loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const token = randomBytes(24).toString('base64url');
    const env = { ...process.env, DATABASE_URL: url, TELEMEND_ADMIN_TOKEN: token, DEVICES_DIR: path.join(root, 'devices'), DATA_DIR: tmp, LOG_LEVEL: 'silent' };
    api = spawnNode('bench/api-server.ts', [], env);
    const port = await apiPort(api);
    const baseUrl = `http://127.0.0.1:${port}`;
    log(`API process ${api.pid} listening on ${baseUrl}`);

    const probe = await fetch(`${baseUrl}/api/v1/customers/${sample.customerIds[0]}/360`, { headers: { authorization: `Bearer ${token}` } });
    await probe.arrayBuffer();
    const has360 = probe.status === 200;
    if (!has360) log(`GET /customers/{id}/360 answered ${probe.status}: measuring the customer read instead`);

    const c = sample.customerIds;
    const t = sample.technicianIds;
    const listPaths = Array.from({ length: 600 }, (_, i) =>
      pick(
        [
          `/api/v1/tickets?customerId=${pick(c, i)}&open=true&limit=50`,
          `/api/v1/tickets?customerId=${pick(c, i)}&limit=50`,
          `/api/v1/tickets?open=true&priority=critical&sort=resolutionDueAt&limit=50`,
          `/api/v1/tickets?technicianId=${pick(t, i)}&open=true&limit=50`,
          `/api/v1/tickets?status=on_hold&limit=50`,
          `/api/v1/tickets?open=true&breached=true&sort=resolutionDueAt&limit=50`,
        ],
        i,
      ),
    );
    const scenarios = [
      { name: 'ticket read', paths: sample.ticketIds.map((id) => `/api/v1/tickets/${id}`) },
      { name: 'ticket list (filtered)', paths: listPaths },
      has360
        ? { name: 'customer 360', paths: c.map((id) => `/api/v1/customers/${id}/360`) }
        : { name: 'customer read', paths: c.map((id) => `/api/v1/customers/${id}`) },
    ];
    const runLoad = async (phase: string, list: readonly { name: string; paths: string[] }[]): Promise<ScenarioResult[]> => {
      const inputFile = path.join(tmp, `load-${phase}.json`);
      await writeFile(
        inputFile,
        JSON.stringify({ baseUrl, token, seconds: opts.seconds, warmupSeconds: opts.warmup, connections: opts.connections, scenarios: list }),
      );
      const load = spawnNode('bench/api-load.ts', [inputFile], process.env);
      const results: ScenarioResult[] = [];
      createInterface({ input: load.stdout! }).on('line', (line) => {
        const r = JSON.parse(line) as ScenarioResult;
        results.push(r);
        log(`  ${r.name}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms`);
      });
      const code = await new Promise<number | null>((resolve) => load.once('exit', resolve));
      if (code !== 0) throw new Error(`the load process exited with ${code}`);
      return results;
    };
    log(`load process: ${opts.connections} connections, each sending its next request when the previous one is answered`);
    const results = await runLoad('closed-loop', scenarios);
    await stopChild(api);
    api = undefined;

    const table = (title: string, judge: boolean) => {
      const out = ['', title];
      out.push(
        `${'scenario'.padEnd(24)}${'requests'.padStart(10)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p90 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}${'non-2xx'.padStart(9)}${judge ? '  target p99' : ''}`,
      );
      for (const r of results) {
        const target = TARGET_P99_MS[r.name] ?? 50;
        const met = r.p99 < target && r.non2xx === 0 && r.errors === 0;
        out.push(
          `${r.name.padEnd(24)}${String(r.requests).padStart(10)}${Math.round(r.rps).toString().padStart(9)}${r.p50.toFixed(1).padStart(9)}${r.p90.toFixed(1).padStart(9)}${r.p99.toFixed(1).padStart(9)}${r.max.toFixed(0).padStart(9)}${String(r.non2xx + r.errors).padStart(9)}${judge ? `  < ${target} ms ${met ? 'met' : 'MISSED'}` : ''}`,
        );
      }
      return out.join('\n');
    };
    process.stdout.write(
      `\nAPI on PostgreSQL ${opts.tickets} tickets, ${opts.assets} assets; load from a second process, ${opts.connections} connections, ${opts.seconds} s per run\n`,
    );
    process.stdout.write(`${table('Closed loop (every connection busy all the time: the API runs at its capacity):', true)}\n`);
    const rows = results.map((r) => ({ ...r, met: r.p99 < (TARGET_P99_MS[r.name] ?? 50) && r.non2xx === 0 && r.errors === 0 }));

    // One request of each kind, in-process, with every SELECT explained.
    const explainPaths = [scenarios[0]!.paths[0]!, ...listPaths.slice(0, 6), scenarios[2]!.paths[0]!];
    const config = loadConfig({}, { TELEMEND_ADMIN_TOKEN: token, HTTP_RATE_LIMIT_MAX: '0', DATABASE_URL: url });
    const explained = await explainRequests(db, models, config, token, explainPaths);
    process.stdout.write('\nSQL time per request (EXPLAIN ANALYZE, in-process, no load):\n');
    for (const e of explained) {
      const total = e.statements.reduce((s, x) => s + x.executionMs, 0);
      const scenario = e.path.includes('/tickets?') ? rows[1] : e.path.includes('/tickets/') ? rows[0] : rows[2];
      process.stdout.write(`  ${e.status} ${e.path.replace(/[0-9a-f-]{36}/g, '{id}')}: ${e.statements.length} statements, ${total.toFixed(2)} ms\n`);
      if (values.plans || (scenario && !scenario.met)) {
        for (const s of e.statements.slice(0, 2))
          process.stdout.write(`    ${s.executionMs.toFixed(2)} ms  ${s.sql.slice(0, 300)}\n${s.plan.replace(/^/gm, '      ')}\n`);
      }
    }
    await db.close();
  } finally {
    await stopChild(api);
    await server.destroy();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
