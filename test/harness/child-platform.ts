/**
 * The platform as a child process (`src/app/main.ts`), as an operator runs it: signals, exit status
 * and log lines (pino JSON on stdout) are observable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { apiCall, provisionDevice, type ProvisionedDevice } from './platform.js';
import { waitFor } from './servers.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';

export interface ChildPlatform {
  readonly child: ChildProcess;
  /** Every log line so far, stdout and stderr, parsed (non-JSON lines as { msg }). */
  readonly logs: Record<string, unknown>[];
  /** Resolves with the exit status (or signal) and when it came. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  readonly api: string;
  call<T = unknown>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Waits until /health answers. */
  ready(timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

export function startChildPlatform(env: Record<string, string>): ChildPlatform {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/app/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout?.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    // Counted as log lines too (e.g. ioredis' "Unhandled error event" goes to stderr).
    for (const line of d.toString().split('\n')) if (line.trim()) logs.push({ msg: line, stderr: true });
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      if (code && code !== 1) process.stderr.write(`platform exited ${code}: ${stderr}\n`);
      resolve({ code, signal, at: Date.now() });
    }),
  );
  const api = `http://127.0.0.1:${env.PORT}`;
  return {
    child,
    logs,
    exited,
    api,
    call: (method, url, body) => apiCall(api, env.TELEMEND_ADMIN_TOKEN!, method, url, body),
    ready: (timeoutMs = 90_000) => waitFor(async () => (await fetch(`${api}/health`)).ok, 'platform up', timeoutMs),
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** The first equipment model and `n` devices of it, provisioned through the API. */
export async function provisionDevices(platform: ChildPlatform, n: number): Promise<{ model: EquipmentModel; devices: ProvisionedDevice[] }> {
  const listed = (await platform.call('GET', '/api/v1/models')).body as { id: string }[] | { items: { id: string }[] };
  const list = Array.isArray(listed) ? listed : listed.items;
  const model = (await platform.call('GET', `/api/v1/models/${list[0]!.id}`)).body as EquipmentModel;
  const devices: ProvisionedDevice[] = [];
  for (let i = 0; i < n; i++) devices.push(await provisionDevice(platform.call, model.id));
  return { model, devices };
}

/** Timestamps (ms) of the telemetry points of a device in InfluxDB. */
export async function writtenTimestamps(influxUrl: string, db: string, deviceId: string): Promise<Set<number>> {
  const res = await fetch(`${influxUrl}/query?${new URLSearchParams({ db, epoch: 'ms', q: `SELECT * FROM telemetry WHERE device = '${deviceId}'` })}`);
  const body = (await res.json()) as { results: { series?: { values: number[][] }[] }[] };
  return new Set((body.results[0]?.series?.[0]?.values ?? []).map((v) => v[0]!));
}
