/** Helpers shared by the process-level benchmarks (ingest, latency). */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

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
  for (const row of table) process.stdout.write(`  ${row[0]!.padEnd(width)}  ${row.slice(1).map((c, i) => (i === 0 && row.length > 2 ? c.padStart(12) : c)).join('  ')}\n`);
}
