/**
 * Issue #15.1: a heavy report must not stall the platform. With the embedded database in the
 * main thread, ten ten-year technician-utilisation reports held MQTT PUBACKs for seconds.
 * Real platform (role all, embedded PGlite), real MQTT QoS 1 publishes measuring PUBACK latency.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { openDatabase } from '../../src/kernel/db/database.js';
import { migrate } from '../../src/app/migrations.js';
import { seedDemo, type DemoFleetDevice } from '../../src/app/seed/seed.js';
import { connectDevice, validMetrics } from '../harness/devices.js';
import { apiCall, startTestPlatform, type TestPlatform } from '../harness/platform.js';

const HEAVY = '/api/v1/reports/technician-utilisation?from=2016-12-10&to=2026-12-07';

let dataDir: string;
let models: ModelRegistry;
let fleet: DemoFleetDevice[];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'telemend-heavy-'));
  models = await ModelRegistry.fromDirectory(path.resolve(import.meta.dirname, '../../devices'));
  // The demo company: ten technicians with working hours, so the report expands ten years of days each.
  const db = await openDatabase({ dataDir });
  await migrate(db);
  ({ fleet } = await seedDemo({ db, models, customers: 3, assets: 4, historyPerCustomer: 1 }));
  await db.close();
}, 120_000);
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Publishes QoS 1 readings back to back (each waits for its PUBACK) until `until` settles; returns the ack latencies. */
async function ackLatencies(client: MqttClient, device: DemoFleetDevice, until: Promise<unknown>): Promise<number[]> {
  const model = models.get(device.modelId)!;
  const topic = `devices/${device.deviceId}/telemetry`;
  const latencies: number[] = [];
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    const body = JSON.stringify({ ts: Date.now(), metrics: validMetrics(model) });
    const started = performance.now();
    await new Promise<void>((resolve, reject) => client.publish(topic, body, { qos: 1 }, (error) => (error ? reject(error) : resolve())));
    latencies.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 5));
  }
  return latencies;
}

const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.99))]!;

describe('a busy API does not hold device acknowledgements', () => {
  let t: TestPlatform;
  let client: MqttClient;
  beforeAll(async () => {
    // Ten reports of one caller at once must all run here, so the per-caller limit is raised.
    t = await startTestPlatform({ DATA_DIR: dataDir, REPORT_CONCURRENCY_PER_CALLER: '10', REPORT_CONCURRENCY: '10', REPORT_TIMEOUT_MS: '60000' });
    client = await connectDevice(t.mqttPort, fleet[0]!.deviceId, fleet[0]!.token);
  }, 120_000);
  afterAll(async () => {
    client?.end(true);
    await t?.stop();
  });

  it('keeps the PUBACK p99 under 100 ms while 10 heavy reports run, and /health answers', async () => {
    const reports = Promise.all(Array.from({ length: 10 }, () => apiCall(t.api, t.adminToken, 'GET', HEAVY)));
    const health = (async () => {
      await new Promise((r) => setTimeout(r, 200));
      const started = performance.now();
      const res = await fetch(`${t.api}/health`);
      return { status: res.status, ms: performance.now() - started };
    })();
    const [latencies, results, h] = await Promise.all([ackLatencies(client, fleet[0]!, reports), reports, health]);
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect((results[0]!.body as { rows: unknown[] }).rows.length).toBeGreaterThan(1);
    expect(latencies.length).toBeGreaterThan(20);
    expect(p99(latencies), `ack p99 over ${latencies.length} publishes`).toBeLessThan(100);
    // One request, not a percentile: allow for a scheduling hiccup on a loaded machine (before the
    // fix it waited for the report in progress, about a second).
    expect(h.status).toBe(200);
    expect(h.ms).toBeLessThan(250);
  }, 120_000);
});

describe('reports and exports are bounded, not queued', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ DATA_DIR: dataDir, REPORT_CONCURRENCY_PER_CALLER: '1', REPORT_TIMEOUT_MS: '300' });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  const get = async (url = HEAVY) => {
    const res = await fetch(`${t.api}${url}`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      type: res.headers.get('content-type'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };
  /** Until the embedded database has finished what timed-out requests left running in it. */
  const settled = async () => {
    for (let i = 0; i < 200 && (await get('/api/v1/reports/backlog-ageing')).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  };

  it('answers 503 SERVER_BUSY with Retry-After when a report runs past REPORT_TIMEOUT_MS, and refuses more until it has finished', async () => {
    const res = await get();
    expect(res).toMatchObject({ status: 503, retryAfter: '1', body: { code: 'SERVER_BUSY', timeoutMs: 300 } });
    expect(res.type).toMatch(/application\/problem\+json/);
    // PGlite cannot cancel a statement: the next report is refused at once instead of queueing behind it.
    const next = await get('/api/v1/reports/backlog-ageing');
    expect(next).toMatchObject({ status: 503, retryAfter: '1', body: { code: 'SERVER_BUSY' } });
    await settled();
    expect((await get('/api/v1/reports/backlog-ageing')).status).toBe(200);
  });

  it('answers 429 with Retry-After to a caller over REPORT_CONCURRENCY_PER_CALLER, for reports and the invoice export', async () => {
    await settled();
    const slow = get();
    await new Promise((r) => setTimeout(r, 50));
    const [again, exported] = await Promise.all([get('/api/v1/reports/backlog-ageing'), get('/api/v1/invoices/export?format=json')]);
    expect(again).toMatchObject({ status: 429, retryAfter: '1', body: { code: 'RATE_LIMITED', limit: 1 } });
    expect(exported).toMatchObject({ status: 429, retryAfter: '1', body: { code: 'RATE_LIMITED', limit: 1 } });
    expect((await slow).status).toBe(503);
  });
});
