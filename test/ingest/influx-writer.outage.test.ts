/**
 * An InfluxDB outage loses nothing: readings stay in the journal while the writer
 * retries with backoff, and every one of them is in InfluxDB once it is back (exact count).
 * Runs its own influxd, stopped and restarted on the same port and data folder.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startInflux, waitFor, type TestServer } from '../harness/servers.js';
import { json, testDevice } from './ingest-fixtures.js';
import { startPipeline, type Pipeline } from './ingest-setup.js';

// The full 60 s outage through MQTT is test/e2e/influx-outage.test.ts; here 20 s, with a writer restart in it.
const OUTAGE_MS = 20_000;
let influxd: TestServer;
let p: Pipeline;

beforeAll(async () => {
  influxd = await startInflux();
  p = await startPipeline({ influxUrl: influxd.url });
});
afterAll(async () => {
  await p?.close();
  await influxd?.destroy();
});

it('writes every reading journaled during a 20 s InfluxDB outage, and survives a writer restart in it', { timeout: 180_000 }, async () => {
  const device = testDevice();
  const base = Date.now() - 3_600_000;
  let n = 0;
  /** One publish of 5 buffered readings. */
  const publish = async () => {
    const readings = Array.from({ length: 5 }, () => ({ ts: base + n++ * 100, metrics: { temperature: n % 50, pressure: 1 } }));
    expect(await p.ingest.accept(device, 'telemetry', json(readings))).toMatchObject({ ok: true, accepted: 5 });
  };

  let writer = p.writer({ consumer: 'outage-host', retryMaxMs: 2000 });
  await writer.start();
  for (let i = 0; i < 20; i++) await publish();
  await waitFor(async () => (await p.count('temperature', device.deviceId)) === n, 'written before the outage');

  await influxd.stop();
  const outageEnds = Date.now() + OUTAGE_MS;
  let restarted = false;
  while (Date.now() < outageEnds) {
    await publish();
    if (!restarted && Date.now() > outageEnds - OUTAGE_MS / 2) {
      // The platform restarts in the middle of the outage: stop() must not hang on the retry loop.
      const stopping = Date.now();
      await writer.stop();
      expect(Date.now() - stopping).toBeLessThan(5000);
      writer = p.writer({ consumer: 'outage-host', retryMaxMs: 2000 });
      await writer.start();
      restarted = true;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const during = await writer.stats();
  expect(during.pending).toBeGreaterThan(0);
  expect(during.retries).toBeGreaterThan(0);
  expect(during.lagMs).toBeGreaterThan(10_000);

  await influxd.start();
  await waitFor(async () => (await p.journal.length()) === 0, 'journal drained after the outage', 30_000);
  expect(await p.count('temperature', device.deviceId)).toBe(n);
  expect(await p.count('pressure', device.deviceId)).toBe(n);
  expect(n).toBeGreaterThan(400);
});
