/**
 * Backtest equals live evaluation: the same pump series goes (1) through the real worker path —
 * journal records → shard jobs (BullMQ, real Redis) → DetectionWorker, several jobs, the state
 * round-tripping through Redis — and (2) through `telemend backtest`'s CSV path; the findings
 * (rule, state, time, evidence) are identical.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { backtestCsv } from '../../src/telemetry/backtest/backtest.service.js';
import type { AssetFinding, Finding } from '../../src/telemetry/detection/detection.types.js';
import type { DeviceIdentity } from '../../src/telemetry/devices/devices.types.js';
import { telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { createLogger } from '../../src/kernel/logger.js';
import { shardOf } from '../../src/telemetry/detection/worker/detection.jobs.js';
import { DetectionQueue } from '../../src/telemetry/detection/worker/detection.queue.js';
import { DetectionWorker } from '../../src/telemetry/detection/worker/detection.worker.js';
import { mulberry32 } from '../../simulators/signal.js';
import { waitFor } from '../harness/servers.js';

const PUMP = 'centrifugal-pump-cp80';
const SHARDS = 2;
let redis: Redis;
let queue: DetectionQueue;
let worker: DetectionWorker;
let models: ModelRegistry;
let prefix: string;
const applied: AssetFinding[] = [];

beforeAll(async () => {
  models = await ModelRegistry.fromDirectory(new URL('../../devices', import.meta.url).pathname);
  redis = new Redis(inject('redisUrl'));
  prefix = `tbl${randomBytes(4).toString('hex')}`;
  queue = new DetectionQueue({ connection: redis, prefix, shards: SHARDS });
  // The sink records what the worker hands to the auto-tickets.
  worker = new DetectionWorker({
    redisUrl: inject('redisUrl'),
    prefix,
    models,
    autotickets: { apply: async (f) => void applied.push(f) },
    logger: createLogger('silent'),
    shards: SHARDS,
    mergeJobs: 0,
  });
  await worker.start();
});

afterAll(async () => {
  await worker?.stop();
  await queue?.close();
  const keys = (await redis?.keys(`${prefix}:*`)) ?? [];
  if (keys.length) await redis.del(...keys);
  await redis?.quit();
});

/** 3 h of a pump every 10 s with noise: seal too hot from 30 to 60 min; a drive trip (flow and current collapse) from 100 to 110 min. */
function pumpSeries(t0: number): { ts: number; metrics: Record<string, number> }[] {
  const rand = mulberry32(11);
  const n = (sd: number) => Math.round((rand() - 0.5) * 2 * sd * 100) / 100;
  const out = [];
  for (let s = 0; s < 3 * 3600; s += 10) {
    const m = s / 60;
    const tripped = m >= 100 && m < 110;
    out.push({
      ts: t0 + s * 1000,
      metrics: {
        motor_current: tripped ? 0.4 : 20 + n(0.3),
        flow: tripped ? 0 : 100 + n(1),
        seal_temp: m >= 30 && m < 60 ? 80 + n(0.3) : 40 + n(0.3),
        bearing_temp: 50 + n(0.3),
      },
    });
  }
  return out;
}

describe('backtest equals live evaluation', () => {
  test('the worker path and the CSV backtest of the same series yield identical findings', { timeout: 120_000 }, async () => {
    const t0 = Date.UTC(2025, 3, 1, 6);
    const readings = pumpSeries(t0);
    const device: DeviceIdentity = { deviceId: 'dev-live', assetId: randomUUID(), modelId: PUMP, siteId: randomUUID(), customerId: randomUUID() };
    const shard = shardOf(device.assetId, SHARDS);
    // 12 jobs of 90 readings: the state goes through Redis between them.
    for (let i = 0; i < readings.length; i += 90) {
      await queue.enqueue([{ id: `${i}-0`, publishes: 90, lines: telemetryLines(device, readings.slice(i, i + 90)) }]);
    }
    await waitFor(async () => (await queue.queue(shard).getJobCounts('completed')).completed >= readings.length / 90, 'every job evaluated', 60_000);
    const live = applied.map(({ assetId: _a, deviceId: _d, modelId: _m, ...finding }) => finding);

    const csv = `time,motor_current,flow,seal_temp,bearing_temp\n${readings.map((r) => `${r.ts},${r.metrics.motor_current},${r.metrics.flow},${r.metrics.seal_temp},${r.metrics.bearing_temp}`).join('\n')}\n`;
    const backtested: Finding[] = [];
    const result = await backtestCsv(models.get(PUMP)!, [csv], { source: 'live.csv' }, { onFinding: (f) => backtested.push(f), batchSize: 250 });

    expect(result.readings).toBe(readings.length);
    // The series exercises a threshold (fires and clears), a rate and an anomaly rule.
    expect(new Set(backtested.map((f) => `${f.ruleId}:${f.state}`))).toEqual(
      new Set([
        'seal-temp-high:firing',
        'seal-temp-high:cleared',
        'flow-collapse:firing',
        'flow-collapse:cleared',
        'motor-current-drop:firing',
        'motor-current-drop:cleared',
      ]),
    );
    expect(live).toEqual(JSON.parse(JSON.stringify(backtested)));
    expect(result.alarms.map((a) => [a.ruleId, a.raisedAt, a.clearedAt])).toEqual(
      backtested
        .filter((f) => f.state === 'firing')
        .map((f) => [f.ruleId, f.at, backtested.find((c) => c.ruleId === f.ruleId && c.state === 'cleared' && c.at > f.at)?.at ?? null]),
    );
  });
});
