/**
 * The pure backtest: CSV layout and its errors (file, line, column), draft models checked by the
 * model schema (file and field named), pointwise scoring against hand-computed figures, ticket
 * outcomes per policy, and per-reading scores from the engine's hook.
 */
import { describe, expect, test } from 'vitest';
import { backtestCsv, resolveModel, type BacktestResult } from '../../src/telemetry/backtest/backtest.service.js';
import { parseTimestamp } from '../../src/telemetry/backtest/csv-readings.js';
import { evaluate } from '../../src/telemetry/detection/detection.engine.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { AppError } from '../../src/kernel/errors.js';
import { series, testModel, T0 } from '../detection/detection-fixtures.js';

const hot = (ticket?: unknown) =>
  testModel([{ id: 'temp-high', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 50, for: 0, clearFor: 0, ...(ticket ? { ticket } : {}) }]);
const iso = (i: number) => new Date(T0 + i * 10_000).toISOString();

async function run(csv: string, layout: Record<string, unknown> = {}, options: Record<string, unknown> = {}, model = hot()): Promise<BacktestResult> {
  return backtestCsv(model, [csv], { source: 'test.csv', ...layout }, options);
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('VALIDATION_FAILED');
  return error as AppError;
}

describe('CSV layout', () => {
  test('timestamps: ISO 8601 with or without zone (UTC), date and time with a space, epoch s and ms', () => {
    const t = Date.UTC(2020, 2, 1, 15, 44, 6);
    for (const raw of [
      '2020-03-01 15:44:06',
      '2020-03-01T15:44:06Z',
      '2020-03-01T15:44:06',
      '2020-03-01T16:44:06+01:00',
      '1583077446',
      '1583077446000',
      '2020-03-01 15:44:06.000',
    ]) {
      expect(parseTimestamp(raw), raw).toBe(t);
    }
    expect(parseTimestamp('2020-03-01 15:44:06.250')).toBe(t + 250);
    for (const raw of ['2020-13-01 00:00:00', '2020-02-30 00:00:00', 'yesterday', '', '2020-03-01 15:44:xx']) expect(parseTimestamp(raw), raw).toBeNaN();
  });

  test('`;` is detected, columns are renamed with map, skipped with ignore; empty cells are metrics the row lacks; chunks may split lines anywhere', async () => {
    const csv = `"stamp";Temperature;noise;current\n${iso(0)};10;x;1\n${iso(1)};60;y;\n${iso(2)};;z;3\n`;
    const whole = await run(csv, { map: { Temperature: 'temp' }, ignore: ['noise'] });
    expect(whole.readings).toBe(3);
    expect(whole.alarms.map((a) => [a.ruleId, a.raisedAt, a.clearedAt])).toEqual([['temp-high', T0 + 10_000, null]]);
    const pieces = csv.match(/[^]{1,7}/g)!;
    const streamed = await backtestCsv(hot(), pieces, { source: 'test.csv', map: { Temperature: 'temp' }, ignore: ['noise'] });
    expect(streamed.alarms).toEqual(whole.alarms);
  });

  test('unknown columns: the error lists them and the model metrics, and says how to map or ignore', async () => {
    const error = await failure(run(`time,temp,Vibration,extra\n${iso(0)},1,2,3\n`));
    expect(error.message).toBe(
      `test.csv: unknown columns "Vibration", "extra"; the model's metrics are temp, current, level (rename with --map 'Column=metric', skip with --ignore)`,
    );
    expect(error.details).toMatchObject({ unknownColumns: ['Vibration', 'extra'], metrics: ['temp', 'current', 'level'] });
  });

  test('a bad number, a bad timestamp, unsorted or duplicate rows, a short row: file, line and column named', async () => {
    expect((await failure(run(`time,temp\n${iso(0)},1\n${iso(1)},2,5\n`))).message).toBe('test.csv, line 3: 3 cells, the header has 2');
    const number = await failure(run(`time,temp\n${iso(0)},1\n${iso(1)},1.2.3\n`));
    expect(number.message).toBe('test.csv, line 3, column "temp": not a number: "1.2.3"');
    expect(number.details).toMatchObject({ source: 'test.csv', line: 3, column: 'temp' });
    expect((await failure(run(`time,temp\n${iso(0)},1\n03/01/2020 10:00,2\n`))).message).toMatch(
      /^test\.csv, line 3, column "time": not a timestamp: "03\/01\/2020 10:00"/,
    );
    expect((await failure(run(`time,temp\n${iso(0)},1\n${iso(2)},1\n${iso(1)},1\n`))).message).toMatch(
      /^test\.csv, line 4, column "time": time .* is not after the previous row's/,
    );
    expect((await failure(run(`time,temp\n${iso(0)},1\n${iso(0)},1\n`))).message).toMatch(/^test\.csv, line 3, column "time"/);
    expect((await failure(run(`time,temp\n${iso(0)},1\n`, { label: 'anomaly' }))).message).toBe(
      'test.csv, line 1, column "anomaly": no such label column (the header has: time, temp)',
    );
    expect((await failure(run(`time,temp\n${iso(0)},1\n`, { map: { temp: 'pressure' } }))).message).toMatch(
      /--map target "pressure" is not a metric of the model/,
    );
  });

  test('a draft model that fails the model schema: VALIDATION_FAILED naming the file and each field', () => {
    const text = `name: Draft\nmanufacturer: M\ncategory: pump\ndescription: d\nmetrics:\n  temp: { unit: C, description: t, min: 0, max: 100, samplePeriodSeconds: 1, simulation: { base: 1 } }\nfaults: []\ndetection:\n  rules:\n    - { id: hot, kind: threshold, fault: HOT, metric: temp, above: 50, ticket: { policy: persist } }\n`;
    const error = (() => {
      try {
        resolveModel(ModelRegistry.of([]), { draft: { name: 'pump-draft.yaml', text } });
      } catch (e) {
        return e as AppError;
      }
      throw new Error('accepted');
    })();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('Invalid equipment model pump-draft.yaml');
    expect(error.details).toMatchObject({ file: 'pump-draft.yaml' });
    const fields = (error.details as { fields: { field: string; message: string }[] }).fields;
    expect(fields).toEqual(
      expect.arrayContaining([
        { field: 'draft.detection.rules.0.ticket.after', message: 'give `after` with policy persist, and only then' },
        { field: 'draft.detection.rules.0.fault', message: 'unknown fault HOT' },
      ]),
    );
    // The same text, fixed, runs.
    const fixed = resolveModel(ModelRegistry.of([]), {
      draft: {
        name: 'pump-draft.yaml',
        text: text
          .replace('faults: []', 'faults: [{ code: HOT, title: t, diagnosis: d, probableCauses: [c], actions: [a], labourHours: 1, skill: s, priority: high }]')
          .replace('{ policy: persist }', '{ policy: persist, after: 5m }'),
      },
    });
    expect(fixed.id).toBe('pump-draft');
  });
});

describe('scoring', () => {
  // Rows 10 s apart: value, label. The rule fires at once above 50 and clears at once below.
  const rows: [number, number][] = [
    [10, 0],
    [60, 0],
    [10, 0],
    [10, 1],
    [60, 1],
    [60, 1],
    [10, 0],
    [10, 1],
    [10, 1],
    [10, 0],
  ];
  const csv = `time,temp,anomaly\n${rows.map(([v, l], i) => `${iso(i)},${v},${l}`).join('\n')}\n`;

  test('pointwise precision, recall, F1, FAR, MAR and detection delay equal the hand-computed figures (row 0 not scored)', async () => {
    const result = await run(csv, { label: 'anomaly' }, { scoreFrom: { row: 1 } });
    // Scored rows 1–9: FP row 1; TN rows 2, 6, 9; FN rows 3, 7, 8; TP rows 4, 5.
    expect(result.score).toMatchObject({ scored: 9, tp: 2, fp: 1, fn: 3, tn: 3, precision: 2 / 3, recall: 0.4, f1: 0.5, far: 0.25, mar: 0.6 });
    expect(result.score!.segments).toEqual([
      { from: T0 + 30_000, to: T0 + 50_000, detectedAt: T0 + 40_000, delayMs: 10_000 },
      { from: T0 + 70_000, to: T0 + 80_000, detectedAt: null, delayMs: null },
    ]);
    expect(result.score!.delay).toEqual({ detected: 1, segments: 2, meanMs: 10_000, medianMs: 10_000 });
    // By time: the same split; without scoreFrom, row 0 is a TN more.
    expect((await run(csv, { label: 'anomaly' }, { scoreFrom: { time: T0 + 10_000 } })).score).toMatchObject({ tp: 2, fp: 1, fn: 3, tn: 3 });
    expect((await run(csv, { label: 'anomaly' })).score).toMatchObject({ scored: 10, tn: 4 });
    // Only the selected rules count: with none firing, every labelled row is missed.
    const two = testModel([
      { id: 'temp-high', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 50, for: 0, clearFor: 0 },
      { id: 'temp-low', kind: 'threshold', fault: 'HOT', metric: 'temp', below: -50 },
    ]);
    expect((await run(csv, { label: 'anomaly' }, { rules: ['temp-low'] }, two)).score).toMatchObject({ tp: 0, fp: 0, fn: 5, tn: 5 });
    await expect(run(csv, { label: 'anomaly' }, { rules: ['nope'] }, two)).rejects.toThrow(/unknown rules nope/);
  });

  test('ticket outcome per policy: immediate at the raise, persist only for alarms that lasted `after`, never none', async () => {
    const alarms = (await run(csv, { ignore: ['anomaly'] }, {}, hot({ policy: 'persist', after: 15 }))).alarms;
    expect(alarms.map((a) => [a.raisedAt - T0, a.clearedAt! - T0, a.ticket, a.ticketAt && a.ticketAt - T0])).toEqual([
      [10_000, 20_000, 'none', null],
      [40_000, 60_000, 'opened', 55_000],
    ]);
    expect((await run(csv, { ignore: ['anomaly'] }, {}, hot())).alarms.map((a) => [a.ticket, a.ticketAt! - T0])).toEqual([
      ['opened', 10_000],
      ['opened', 40_000],
    ]);
    expect((await run(csv, { ignore: ['anomaly'] }, {}, hot({ policy: 'never' }))).alarms.map((a) => a.ticket)).toEqual(['none', 'none']);
    const pending = await run(`time,temp\n${iso(0)},60\n${iso(1)},60\n`, {}, {}, hot({ policy: 'persist', after: '1m' }));
    expect(pending.alarms.map((a) => [a.clearedAt, a.ticket])).toEqual([[null, 'pending']]);
  });
});

describe('per-reading scores (EvaluateOptions.onScore)', () => {
  test('threshold reports the value, anomaly the robust z, each with the firing state after the reading; nothing is called without the hook', () => {
    const model = testModel([
      { id: 'hot', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 50, for: 0 },
      { id: 'odd', kind: 'anomaly', fault: 'ODD', metric: 'temp', window: '1h', warmupSamples: 5, warmup: 40, z: 6, minSpread: 1 },
    ]);
    const readings = series('temp', T0, T0 + 100_000, 10_000, (t) => (t < T0 + 90_000 ? 20 : 80));
    const seen: [string, number, number, boolean][] = [];
    const result = evaluate(model, null, readings, [], { onScore: (rule, ts, score, firing) => seen.push([rule, (ts - T0) / 1000, score, firing]) });
    expect(seen.filter(([r]) => r === 'hot').map(([, t, s, f]) => [t, s, f])).toEqual(
      readings.map((r) => [(r.ts - T0) / 1000, r.metrics.temp, r.metrics.temp! > 50]),
    );
    const odd = seen.filter(([r]) => r === 'odd');
    expect(odd.slice(0, 5).every(([, , s]) => Number.isNaN(s))).toBe(true); // warm-up
    expect(odd.at(-1)).toEqual(['odd', 90, 60, true]); // (80 − 20) / minSpread 1
    expect(result.findings.map((f) => f.ruleId)).toEqual(['hot', 'odd']);
    expect(evaluate(model, null, readings).findings).toEqual(result.findings);
  });
});
