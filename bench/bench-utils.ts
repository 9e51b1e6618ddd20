/** Helpers shared by the process-level benchmarks (ingest, latency). */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { freePort } from '../test/harness/servers.js';

export const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

async function statusMb(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}
export const peakRssMb = (pid: number): Promise<number> => statusMb(pid, 'VmHWM');
export const currentRssMb = (pid: number): Promise<number> => statusMb(pid, 'VmRSS');

export function spawnNode(args: string[], env: NodeJS.ProcessEnv, nodeFlags: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout?.resume();
  return child;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
  });
}

/** A reading JSON of the device contract with the given metric values. */
export function readingJson(metricNames: readonly string[], values: readonly number[], ts: number): string {
  let m = '';
  for (let k = 0; k < metricNames.length; k++) m += `${k ? ',' : ''}"${metricNames[k]}":${values[k]}`;
  return `{"ts":${ts},"metrics":{${m}}}`;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** JSON API client with the admin token; throws on a non-2xx answer. */
export function apiClient(api: string, token: string) {
  return async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${api}/api/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}

export function printTable(title: string, table: readonly (readonly string[])[]): void {
  const width = Math.max(...table.map((r) => r[0]!.length));
  process.stdout.write(`\n${title}\n`);
  for (const row of table)
    process.stdout.write(
      `  ${row[0]!.padEnd(width)}  ${row
        .slice(1)
        .map((c, i) => (i === 0 && row.length > 2 ? c.padStart(12) : c))
        .join('  ')}\n`,
    );
}

type Call = ReturnType<typeof apiClient>;
interface MetricRange {
  min: number;
  max: number;
  normal?: { min: number; max: number };
}

/** The middle of each metric's normal band (else its physical range), rounded to 2 decimals. */
export function normalValues(metrics: Record<string, MetricRange>, names: readonly string[]): number[] {
  return names.map((n) => {
    const m = metrics[n]!;
    return Math.round((((m.normal?.min ?? m.min) + (m.normal?.max ?? m.max)) / 2) * 100) / 100;
  });
}

export interface BenchDevice {
  readonly assetId: string;
  readonly deviceId: string;
  readonly token: string;
}

/** One customer and site, then `count` assets of the model, each with a provisioned device (through the API). */
export async function provisionFleet(
  call: Call,
  options: { modelId: string; count: number; name: string; serial: (i: number) => string },
): Promise<BenchDevice[]> {
  const customer = await call<{ id: string }>('POST', '/customers', { name: options.name });
  const site = await call<{ id: string }>('POST', '/sites', { customerId: customer.id, name: 'Bench Site', latitude: 48.1, longitude: 11.6 });
  const devices: BenchDevice[] = [];
  for (let i = 0; i < options.count; i++) {
    const asset = await call<{ id: string }>('POST', '/assets', { siteId: site.id, modelId: options.modelId, serialNumber: options.serial(i) });
    devices.push({ assetId: asset.id, ...(await call<{ deviceId: string; token: string }>('POST', `/assets/${asset.id}/device`)) });
  }
  return devices;
}

/** MQTT load credentials of a device publishing telemetry. */
export const loadDevice = (d: BenchDevice) => ({ username: d.deviceId, password: d.token, topic: `devices/${d.deviceId}/telemetry` });

/**
 * CPU time (user + system, ms) used so far by this process's descendants — the platform
 * processes, redis-server, influxd, PostgreSQL — by command (Linux /proc; empty elsewhere). Two
 * snapshots subtracted give what one run cost, whatever else the machine was doing.
 */
export async function descendantsCpuMs(): Promise<Map<string, number>> {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const procs = new Map<number, { ppid: number; name: string; ms: number }>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      const role = cmdline.includes('src/app/main.ts')
        ? (await readFile(`/proc/${entry}/environ`, 'utf8'))
            .split('\0')
            .find((v) => v.startsWith('TELEMEND_ROLE='))
            ?.slice(14)
        : undefined;
      const name = role ? `telemend ${role}` : stat.slice(stat.indexOf('(') + 1, close).split(/[:\s]/)[0]!;
      procs.set(Number(entry), { ppid: Number(fields[1]), name, ms: (Number(fields[11]) + Number(fields[12])) * tick });
    } catch {
      // the process ended meanwhile
    }
  }
  const out = new Map<string, number>();
  for (const [pid, p] of procs) {
    let up = p.ppid;
    while (up > 1 && up !== process.pid) up = procs.get(up)?.ppid ?? 0;
    if (up !== process.pid || pid === process.pid) continue;
    out.set(p.name, (out.get(p.name) ?? 0) + p.ms);
  }
  return out;
}

/** CPU ms per 1000 readings by command between two descendantsCpuMs() snapshots, largest first, e.g. "worker 31, broker 25, …". */
export function cpuPerThousand(before: Map<string, number>, after: Map<string, number>, readings: number): string {
  const rows = [...after].map(([name, ms]) => [name, ms - (before.get(name) ?? 0)] as const).filter(([, ms]) => ms > 0);
  rows.sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((n, [, ms]) => n + ms, 0);
  const per = (ms: number) => ((ms * 1000) / Math.max(1, readings)).toFixed(1);
  return `${per(total)} (${rows.map(([name, ms]) => `${name.replace('telemend ', '')} ${per(ms)}`).join(', ')})`;
}

/**
 * The environment of a benchmarked platform: an admin token, free HTTP and MQTT ports, the
 * given Redis / InfluxDB / data folder, quiet logs, no silence sweep and no HTTP rate limit.
 */
export async function benchPlatformEnv(options: {
  redisUrl: string;
  influxUrl: string;
  dataDir: string;
  devices: number;
}): Promise<NodeJS.ProcessEnv & { TELEMEND_ADMIN_TOKEN: string; PORT: string; MQTT_PORT: string }> {
  return {
    ...process.env,
    TELEMEND_ADMIN_TOKEN: `bench-${randomBytes(12).toString('hex')}`,
    // One key for every process of the run (required when they share a PostgreSQL database).
    SECRETS_KEY: randomBytes(32).toString('base64'),
    PORT: String(await freePort()),
    MQTT_PORT: String(await freePort()),
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: 'bench',
    INFLUX_URL: options.influxUrl,
    INFLUX_DATABASE: 'bench',
    DATA_DIR: options.dataDir,
    LOG_LEVEL: 'warn',
    SILENCE_SWEEP_INTERVAL_MS: '0',
    HTTP_RATE_LIMIT_MAX: '0',
    // Several roles on one host: each process's metrics listener on a free port.
    METRICS_PORT: '0',
    MQTT_CONNECTIONS_PER_MINUTE: String(options.devices * 10),
  };
}
