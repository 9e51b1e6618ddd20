/**
 * Issue #15.6: Prometheus metrics. A real platform (role all) is scraped after devices publish
 * over MQTT and tickets are opened; a broker-only process serves its metrics on its own listener.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/kernel/config.js';
import { createLogger } from '../../src/kernel/logger.js';
import { startPlatform, type RunningPlatform } from '../../src/app/platform.js';
import { connectDevice, publish, validMetrics } from '../harness/devices.js';
import { provisionDevice, startTestPlatform, testEnv, type TestPlatform } from '../harness/platform.js';
import { waitFor } from '../harness/servers.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';

const MODEL = 'centrifugal-pump-cp80';
const TOKEN = 'scrape-token-0123456789abcdef';

/** The value of one sample line, e.g. `telemend_tickets_opened_total{channel="phone"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics of the API', () => {
  let t: TestPlatform;
  const scrape = async (token = TOKEN) => {
    const res = await fetch(`${t.api}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  beforeAll(async () => {
    t = await startTestPlatform({ METRICS_TOKEN: TOKEN });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('is never anonymous: the scrape token or the admin token only', async () => {
    expect((await scrape('')).status).toBe(401);
    expect((await scrape('not-the-scrape-token-at-all')).status).toBe(401);
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^text\/plain/);
    expect((await scrape(t.adminToken)).status).toBe(200);
  });

  it('counts accepted and rejected readings, journal writes, alarms, tickets and HTTP latency by route pattern', async () => {
    const models = await ModelRegistry.fromDirectory(path.resolve(import.meta.dirname, '../../devices'));
    const device = await provisionDevice(t.call, MODEL);
    const before = (await scrape()).text;
    expect(sample(before, 'telemend_publishes_accepted_total')).toBe(0);

    const client = await connectDevice(t.mqttPort, device.deviceId, device.token);
    try {
      const now = Date.now();
      for (let i = 0; i < 3; i++)
        await publish(client, `devices/${device.deviceId}/telemetry`, { ts: now - 3000 + i * 1000, metrics: validMetrics(models.get(MODEL)!) });
      await publish(client, `devices/${device.deviceId}/telemetry`, { ts: now, metrics: { humidity: 50 } });
      // A drive trip: detection opens an alarm (and its auto-ticket).
      await publish(client, `devices/${device.deviceId}/events`, { ts: now, code: 'VFD-OC' });
    } finally {
      client.end(true);
    }
    const ticket = await t.call<{ id: string }>('POST', '/api/v1/tickets', {
      channel: 'phone',
      type: 'breakdown',
      title: 'Pump noisy',
      assetId: device.assetId,
    });
    expect(ticket.status).toBe(201);
    expect((await t.call('GET', `/api/v1/tickets/${ticket.body.id}`)).status).toBe(200);

    let text = '';
    await waitFor(async () => {
      text = (await scrape()).text;
      return (sample(text, 'telemend_alarms_opened_total{kind="event"}') ?? 0) >= 1 && (sample(text, 'telemend_influx_lines_written_total') ?? 0) >= 4;
    }, 'alarm opened and readings written');

    expect(sample(text, 'telemend_publishes_accepted_total')).toBe(4); // 3 readings + 1 event
    expect(sample(text, 'telemend_readings_accepted_total')).toBe(4);
    expect(sample(text, 'telemend_publishes_rejected_total{reason="unknown_metric"}')).toBe(1);
    expect(sample(text, 'telemend_tickets_opened_total{channel="phone"}')).toBe(1);
    expect(sample(text, 'telemend_influx_write_duration_seconds_count{outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'telemend_influx_write_errors_total')).toBe(0);
    expect(sample(text, 'telemend_journal_backlog_publishes')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'telemend_journal_oldest_entry_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'telemend_detection_queue_jobs{state="waiting"}')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'telemend_detection_queue_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    // Route patterns, not URLs: the ticket id never becomes a label value.
    expect(sample(text, 'telemend_http_request_duration_seconds_count{method="POST",route="/api/v1/tickets",status_code="201"}')).toBe(1);
    expect(sample(text, 'telemend_http_request_duration_seconds_count{method="GET",route="/api/v1/tickets/:id",status_code="200"}')).toBe(1);
    expect(text).not.toContain(ticket.body.id);

    // The "Telemend internals" dashboard asks only for metrics the platform exports.
    const dashboard = await readFile(path.resolve(import.meta.dirname, '../../grafana/dashboards/telemend-internals.json'), 'utf8');
    const used = new Set([...dashboard.matchAll(/\b((?:telemend|nodejs|process)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, '')));
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) expect(text, name).toContain(`# TYPE ${name} `);
  }, 60_000);
});

describe('the metrics listener of a role without the API', () => {
  let platform: RunningPlatform;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'telemend-metrics-'));
    const config = loadConfig(testEnv({ TELEMEND_ROLE: 'broker', DATA_DIR: dataDir }));
    platform = await startPlatform(config, createLogger('silent'));
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves /metrics on loopback (METRICS_PORT), and nothing else', async () => {
    const url = `http://127.0.0.1:${platform.addresses.metrics}`;
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(sample(text, 'telemend_publishes_accepted_total')).toBe(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect((await fetch(`${url}/`)).status).toBe(404);
  });

  it('refuses a non-loopback listener without METRICS_TOKEN', () => {
    expect(() => loadConfig(testEnv({ METRICS_HOST: '0.0.0.0' }))).toThrow(ConfigError);
    expect(loadConfig(testEnv({ METRICS_HOST: '0.0.0.0', METRICS_TOKEN: TOKEN })).METRICS_HOST).toBe('0.0.0.0');
  });
});
