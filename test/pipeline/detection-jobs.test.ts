/**
 * The detection job's wire format (version 2): readings travel as the journal's `fields ts`
 * text. What the worker decodes must be exactly what ingest journalled, in journal order, for
 * plain lines (cut, not parsed), escaped lines and events alike; what does not decode is refused.
 */
import { expect, test } from 'vitest';
import { eventLines, telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import type { JournalRecord } from '../../src/telemetry/journal/telemetry-journal.js';
import { mergeJobs } from '../../src/telemetry/detection/worker/detection.worker.js';
import {
  decimal,
  decodeJob,
  decodeReadings,
  detectionJobSchema,
  encodeReading,
  groupByShard,
  shardOf,
} from '../../src/telemetry/detection/worker/detection.jobs.js';

const plain = { deviceId: 'd-1', assetId: '0b9f3a52-8f0e-4c38-9d51-1f6f1d4b7a10', modelId: 'centrifugal-pump-cp80', siteId: 's1', customerId: 'c1' };
// Escaped tag values (a space in the model, a comma in the site) take the parsing path.
const escaped = { deviceId: 'd-2', assetId: '6d1c0c1e-2b7a-4f55-8a3e-3c2f0e9b5d21', modelId: 'pump x', siteId: 'site,2', customerId: 'c2' };

const record = (id: string, lines: string[]): JournalRecord => ({ id, publishes: 1, lines });

test('a batch decodes to every reading and event of each asset, in journal order, with its identity', () => {
  const r1 = { ts: 1_700_000_000_000, metrics: { flow: 12.5, seal_temp: -3.25, motor_current: 1e-7 } };
  const r2 = { ts: 1_700_000_010_000, metrics: { flow: 0, seal_temp: 1.5e300 } };
  const r3 = { ts: 1_699_999_990_000, metrics: { flow: 7 } };
  const event = { ts: 1_700_000_005_000, code: 'VFD-OC', severity: 'critical' as const, message: 'trip "hard", now' };
  const records = [
    record('1-0', [...telemetryLines(plain, [r1]), ...telemetryLines(escaped, [r1])]),
    record('2-0', [...eventLines(plain, [event]), ...telemetryLines(plain, [r2, r3]), ...telemetryLines(escaped, [r2])]),
    // Unattributable or malformed lines, and a telemetry line without a number, are skipped.
    record('3-0', ['telemetry,asset=x f=1', 'not a line at all', '', `telemetry,asset=${escaped.assetId},device=d-2,model=pump\\ x note="text" 1700000020000`]),
  ];
  const jobs = groupByShard(records, 4);
  for (const data of jobs.values()) expect(detectionJobSchema.safeParse(JSON.parse(JSON.stringify(data))).success).toBe(true);
  const assets = [...jobs.values()].flatMap((data) => decodeJob(data).assets);
  expect(assets).toHaveLength(2);
  const a = assets.find((x) => x.assetId === plain.assetId)!;
  expect(a).toEqual({
    assetId: plain.assetId,
    deviceId: 'd-1',
    modelId: 'centrifugal-pump-cp80',
    readings: [r1, r2, r3],
    events: [event],
    text: expect.any(String),
  });
  const b = assets.find((x) => x.assetId === escaped.assetId)!;
  expect(b).toEqual({ assetId: escaped.assetId, deviceId: 'd-2', modelId: 'pump x', readings: [r1, r2], events: [], text: expect.any(String) });
  // The wire text is kept (the state log stores it): the journal's `fields ts` of each reading.
  expect(a.text!.split('\n')[0]).toBe(telemetryLines(plain, [r1])[0]!.split(' ').slice(1).join(' '));
  expect(decodeReadings(a.text!)).toEqual({ readings: [r1, r2, r3] });
  expect(decodeReadings(b.text!)).toEqual({ readings: [r1, r2] });
  expect(jobs.get(shardOf(plain.assetId, 4))!.assets.map((x) => x.assetId)).toContain(plain.assetId);
});

test('-0 is journalled as 0 and decodes as 0', () => {
  const jobs = groupByShard([record('1-0', telemetryLines(plain, [{ ts: 1_700_000_000_000, metrics: { flow: -0 } }]))], 1);
  expect(Object.is(decodeJob(jobs.get(0)!).assets[0]!.readings[0]!.metrics.flow, 0)).toBe(true);
});

test('encodeReading is what decodeJob reads back', () => {
  const metrics = { a: 1, b_2: -0.000123, c: 98765.4321 };
  const data = {
    v: 2 as const,
    shard: 0,
    assets: [{ assetId: plain.assetId, deviceId: 'd', modelId: 'm', readings: `${encodeReading(metrics, 5)}\n${encodeReading({ a: 2 }, 6)}`, events: [] }],
  };
  expect(decodeJob(data).assets[0]!.readings).toEqual([
    { ts: 5, metrics },
    { ts: 6, metrics: { a: 2 } },
  ]);
});

test('readings that do not decode are refused with the asset and the reading', () => {
  const bad = ['', 'a=1', 'a=1 x', 'a= 1', '=1 1', 'a=1,,b=2 1', 'a=1 1 2', 'a=NaN 1', 'a=1 1.5', 'a=1 ', 'a 1', 'a=1,b 1'];
  for (const line of bad) {
    const data = { v: 2 as const, shard: 0, assets: [{ assetId: plain.assetId, deviceId: 'd', modelId: 'm', readings: `a=1 1\n${line}`, events: [] }] };
    expect(() => decodeJob(data), JSON.stringify(line)).toThrow(`asset ${plain.assetId}, reading 1`);
  }
});

test('an asset with no readings (a silence check) decodes to an empty list', () => {
  const data = { v: 2 as const, shard: 3, assets: [{ assetId: plain.assetId, deviceId: 'd', modelId: 'm', readings: '', events: [], silenceCheckAt: 9 }] };
  expect(decodeJob(data)).toEqual({
    shard: 3,
    assets: [{ assetId: plain.assetId, deviceId: 'd', modelId: 'm', readings: [], events: [], silenceCheckAt: 9, text: '' }],
  });
});

test("merged jobs keep each asset's wire text, joined in job order, only while every part has one", () => {
  const job = (readings: string, silenceCheckAt?: number) =>
    decodeJob({
      v: 2,
      shard: 1,
      assets: [{ assetId: plain.assetId, deviceId: 'd', modelId: 'm', readings, events: [], ...(silenceCheckAt ? { silenceCheckAt } : {}) }],
    });
  const merged = mergeJobs([job('a=1 1'), job('', 5), job('a=2 2\na=3 3')]).assets[0]!;
  expect(merged.text).toBe('a=1 1\na=2 2\na=3 3');
  expect(decodeReadings(merged.text!)).toEqual({ readings: merged.readings });
  expect(merged.silenceCheckAt).toBe(5);
  const v1 = decodeJob({
    v: 1,
    shard: 1,
    assets: [{ assetId: plain.assetId, deviceId: 'd', modelId: 'm', readings: [{ ts: 4, metrics: { a: 4 } }], events: [] }],
  });
  const mixed = mergeJobs([job('a=1 1'), v1]).assets[0]!;
  expect(mixed.text).toBeUndefined();
  expect(mixed.readings.map((r) => r.ts)).toEqual([1, 4]);
});

test('decimal() reads every number exactly as Number() does', () => {
  const samples = [
    '0',
    '-0',
    '1',
    '-1',
    '.5',
    '-.5',
    '1.',
    '00012',
    '+5',
    '1e5',
    '-2.5E-3',
    '123456789012345',
    '1234567890123456',
    '0.1',
    '0.30000000000000004',
    '9007199254740993',
    'Infinity',
    'NaN',
    '-',
    '',
    '.',
    '1.2.3',
    '0x10',
    '5e-324',
    '1.7976931348623157e308',
  ];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 20_000; i++) {
    const x = (random() - 0.5) * 10 ** Math.floor(random() * 16 - 6);
    samples.push(String(x), x.toFixed(Math.floor(random() * 10)), String(Math.round(x * 1000) / 1000));
  }
  for (const s of samples) {
    const line = `v=${s} 1`;
    expect(Object.is(decimal(line, 2, 2 + s.length), Number(s)), s).toBe(true);
  }
});
