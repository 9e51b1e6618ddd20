import { thinWindow } from '../../src/telemetry/detection/evidence.js';
import { describe, expect, it } from 'vitest';
import { clearRule, evaluate, evaluateSilence } from '../../src/telemetry/detection/detection.engine.js';
import { checkSilence } from '../../src/telemetry/detection/silence.detector.js';
import { parseFinding } from '../../src/telemetry/detection/finding.schema.js';
import type { AssetDetectionState, Finding, Reading } from '../../src/telemetry/detection/detection.types.js';
import { DAY, HOUR, MIN, SEC, T0, daily, noise, series, testModel } from './detection-fixtures.js';

const firing = (fs: Finding[]) => fs.filter((f) => f.state === 'firing');
const cleared = (fs: Finding[]) => fs.filter((f) => f.state === 'cleared');

/** Evaluates in micro-batches of `size`, passing the state through JSON between them. */
function inBatches(model: ReturnType<typeof testModel>, readings: Reading[], size: number): { findings: Finding[]; state: AssetDetectionState | null } {
  let state: AssetDetectionState | null = null;
  const findings: Finding[] = [];
  for (let i = 0; i < readings.length; i += size) {
    const r = evaluate(model, state, readings.slice(i, i + size));
    state = JSON.parse(JSON.stringify(r.state)) as AssetDetectionState;
    findings.push(...r.findings);
  }
  return { findings, state };
}

describe('threshold detector', () => {
  const model = testModel([{ id: 'hot', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 60, for: '5m', hysteresis: 4, clearFor: '10m' }]);

  it('fires after the minimum duration by reading timestamps, and clears only past the hysteresis for clearFor', () => {
    const value = (t: number): number => {
      const m = (t - T0) / MIN;
      if (m < 30) return 50;
      if (m < 60) return 65; // violation from minute 30
      if (m < 90) return 58; // below the limit but inside the hysteresis band: still firing
      return 50; // back past limit − hysteresis from minute 90
    };
    const { findings } = evaluate(model, null, series('temp', T0, T0 + 3 * HOUR, 10 * SEC, value));
    expect(findings.map((f) => [f.state, (f.at - T0) / MIN])).toEqual([
      ['firing', 35],
      ['cleared', 100],
    ]);
    const fire = findings[0]!;
    expect(fire).toMatchObject({
      ruleId: 'hot',
      faultCode: 'HOT',
      kind: 'threshold',
      evidence: { metric: 'temp', threshold: 60, window: { from: T0 + 30 * MIN, to: T0 + 35 * MIN } },
    });
    expect(fire.evidence.values.length).toBeGreaterThan(0);
    expect(fire.evidence.values.length).toBeLessThanOrEqual(24);
    expect(fire.evidence.values.every((v) => v.value === 65)).toBe(true);
    expect(findings[1]!.evidence.threshold).toBe(56);
  });

  it('does not fire on a violation shorter than the duration, nor on noise and a daily cycle below the limit', () => {
    const n = noise(1, 1.5);
    const short = series('temp', T0, T0 + HOUR, 10 * SEC, (t) => (t - T0 > 10 * MIN && t - T0 < 14 * MIN ? 70 : 50));
    expect(evaluate(model, null, short).findings).toEqual([]);
    const cycle = series('temp', T0, T0 + 3 * DAY, MIN, (t) => 45 + daily(6)(t) + n());
    expect(evaluate(model, null, cycle).findings).toEqual([]);
  });

  it('judges only while the running condition holds (settled), and a long gap breaks continuity', () => {
    const gated = testModel([
      { id: 'hot', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 60, for: '5m', whenRunning: { metric: 'current', above: 10, settle: '3m' } },
    ]);
    // Hot only while stopped (current 0): nothing.
    const stopped = series(
      'temp',
      T0,
      T0 + HOUR,
      10 * SEC,
      () => 80,
      () => ({ current: 0 }),
    );
    expect(evaluate(gated, null, stopped).findings).toEqual([]);
    // Starts at minute 10, hot all along: settled at 13, fires 5 minutes later.
    const running = series(
      'temp',
      T0,
      T0 + HOUR,
      10 * SEC,
      () => 80,
      (t) => ({ current: t - T0 >= 10 * MIN ? 50 : 0 }),
    );
    expect(firing(evaluate(gated, null, running).findings).map((f) => (f.at - T0) / MIN)).toEqual([18]);
    // Readings 30 min apart (gap > max(3 × 10 s, 5 min)): never "continuously" 5 minutes.
    const sparse = series('temp', T0, T0 + 5 * HOUR, 30 * MIN, () => 80);
    expect(evaluate(model, null, sparse).findings).toEqual([]);
  });
});

describe('rate-of-change detector', () => {
  const model = testModel([
    { id: 'jump', kind: 'rate', fault: 'JUMP', metric: 'level', direction: 'rise', limit: 2, per: 'minute', window: '2m', clearFor: '5m' },
  ]);

  it('fires on a fast rise at the right time and clears once the rate has stayed low', () => {
    const n = noise(2, 0.2);
    // Flat, then rising 6 units/min from minute 60 to 70, then flat again.
    const value = (t: number): number => 20 + 6 * Math.min(10, Math.max(0, (t - T0) / MIN - 60)) + n();
    const { findings } = evaluate(model, null, series('level', T0, T0 + 2 * HOUR, 10 * SEC, value));
    const [fire, clear] = findings;
    expect(fire).toMatchObject({ state: 'firing', kind: 'rate', evidence: { metric: 'level', threshold: 2 } });
    expect((fire!.at - T0) / MIN).toBeGreaterThan(60);
    expect((fire!.at - T0) / MIN).toBeLessThan(62);
    expect(fire!.evidence.rate!).toBeGreaterThan(2);
    expect(clear).toMatchObject({ state: 'cleared' });
    expect((clear!.at - T0) / MIN).toBeGreaterThan(70);
    expect(findings).toHaveLength(2);
  });

  it('stays quiet on noise, on a slow daily cycle, and on a fall when watching rises', () => {
    const n = noise(3, 0.5);
    expect(
      evaluate(
        model,
        null,
        series('level', T0, T0 + 2 * DAY, 10 * SEC, (t) => 100 + daily(40)(t) + n()),
      ).findings,
    ).toEqual([]);
    const fall = series('level', T0, T0 + HOUR, 10 * SEC, (t) => 100 - 10 * ((t - T0) / MIN));
    expect(evaluate(model, null, fall).findings).toEqual([]);
  });
});

describe('controller event detector', () => {
  it('fires at the event time, clears after clearAfter of reading time without the code, or never without clearAfter', () => {
    const timed = testModel([{ id: 'trip', kind: 'event', fault: 'TRIP', clearAfter: '30m' }]);
    const readings = series('temp', T0, T0 + 2 * HOUR, MIN, () => 20);
    const r = evaluate(timed, null, readings, [
      { ts: T0 + 10 * MIN + 5 * SEC, code: 'E-TRIP' },
      { ts: T0 + 20 * MIN, code: 'W-INFO' },
    ]);
    expect(r.findings.map((f) => [f.state, f.at - T0])).toEqual([
      ['firing', 10 * MIN + 5 * SEC],
      ['cleared', 41 * MIN],
    ]);
    expect(r.findings[0]!.evidence.eventCode).toBe('E-TRIP');
    const latched = testModel([{ id: 'trip', kind: 'event', fault: 'TRIP' }]);
    const l = evaluate(latched, null, readings, [{ ts: T0 + 10 * MIN, code: 'E-TRIP' }]);
    expect(l.findings.map((f) => f.state)).toEqual(['firing']);
    // Cleared by hand (e.g. the ticket closed).
    expect(clearRule(latched, l.state, 'trip', T0 + 3 * HOUR).findings).toMatchObject([{ state: 'cleared', ruleId: 'trip' }]);
  });

  it('hears mapped controller codes even without an explicit event rule, and events arriving after later telemetry', () => {
    const model = testModel([]);
    const first = evaluate(
      model,
      null,
      series('temp', T0, T0 + HOUR, MIN, () => 20),
    );
    // The event is older than the telemetry already evaluated: it has its own watermark.
    const r = evaluate(model, first.state, [], [{ ts: T0 + 30 * MIN, code: 'E-TRIP' }]);
    expect(r.findings).toMatchObject([{ ruleId: 'event-e-trip', faultCode: 'TRIP', state: 'firing', at: T0 + 30 * MIN }]);
    expect(evaluate(model, r.state, [], [{ ts: T0 + 30 * MIN, code: 'E-TRIP' }]).late).toBe(1);
  });
});

describe('anomaly detector (rolling robust z-score)', () => {
  const model = testModel([
    {
      id: 'odd',
      kind: 'anomaly',
      fault: 'ODD',
      metric: 'level',
      direction: 'rise',
      window: '1h',
      z: 6,
      clearZ: 3,
      warmupSamples: 30,
      warmup: '30m',
      clearFor: '10m',
    },
  ]);
  const n = noise(4, 1);

  it('respects the warm-up: a step before the baseline is warm is not judged', () => {
    const early = series('level', T0, T0 + 3 * HOUR, 10 * SEC, (t) => (t - T0 >= 10 * MIN ? 30 : 10) + n());
    expect(evaluate(model, null, early).findings).toEqual([]);
  });

  it('keeps its baseline bounded for a device reporting every 100 ms, and still fires on a step', () => {
    const own = noise(4, 7); // its own generator: the shared one's sequence belongs to the tests below
    const fast = series('level', T0, T0 + 2 * HOUR, 100, (t) => (t - T0 >= 110 * MIN ? 40 : 10) + own());
    const result = evaluate(model, null, fast);
    const state = result.state.rules['odd'] as { buf: unknown[] };
    expect(state.buf.length).toBeLessThanOrEqual(1024);
    expect(state.buf.length).toBeGreaterThan(400);
    expect(result.findings.map((f) => f.state)).toEqual(['firing']);
  });

  it('stays quiet on noise and on a large slow daily cycle for days', () => {
    // Cycle amplitude 20 × the noise: the 1 h window follows it.
    const quiet = series('level', T0, T0 + 4 * DAY, 30 * SEC, (t) => 100 + daily(20)(t) + n());
    expect(evaluate(model, null, quiet).findings).toEqual([]);
  });

  it('fires on a step at the first anomalous reading, keeps firing on a frozen baseline, clears after a return', () => {
    const value = (t: number): number => {
      const h = (t - T0) / HOUR;
      return 100 + (h >= 3 && h < 8 ? 12 : 0) + n();
    };
    const { findings } = evaluate(model, null, series('level', T0, T0 + 10 * HOUR, 10 * SEC, value));
    expect(findings.map((f) => [f.state, (f.at - T0) / HOUR])).toEqual([
      ['firing', 3],
      ['cleared', 8 + 10 / 60],
    ]);
    expect(findings[0]!.evidence.z!).toBeGreaterThan(6);
    expect(findings[0]!.evidence.baseline!.median).toBeCloseTo(100, 0);
  });
});

describe('predictive trend detector', () => {
  const rule = { id: 'wear', kind: 'trend', fault: 'WEAR', metric: 'temp', above: 80, window: '3d', horizon: '7d', minBuckets: 24 };
  const model = testModel([rule]);

  it('projects the failure time of a drift with a daily cycle within 12 h of the truth, firing once inside the horizon', () => {
    const n = noise(5, 0.8);
    // 50 + 2/day + daily ±3: the daily peak reaches 80 when 53 + 2d = 80, d = 13.5.
    const value = (t: number): number => 50 + (2 * (t - T0)) / DAY + daily(3)(t) + n();
    const { findings } = evaluate(model, null, series('temp', T0, T0 + 12 * DAY, MIN, value));
    const fire = firing(findings)[0]!;
    expect(fire).toMatchObject({ kind: 'trend', faultCode: 'WEAR', evidence: { metric: 'temp', threshold: 80 } });
    const truthDay = 13.5;
    const truth = T0 + truthDay * DAY;
    // Fires when the projection enters the 7-day horizon (day ≈ 6.5), after at least 3 days of data.
    expect((fire.at - T0) / DAY).toBeGreaterThan(5.5);
    expect((fire.at - T0) / DAY).toBeLessThan(7);
    expect(Math.abs(fire.evidence.projectedFailureAt! - truth)).toBeLessThan(12 * HOUR);
    expect(fire.evidence.slopePerDay!).toBeCloseTo(2, 0);
    expect(fire.evidence.r2!).toBeGreaterThan(0.8);
    expect(cleared(findings)).toEqual([]);
  });

  it('stays quiet on a healthy metric with a strong daily cycle, and on a step (not a drift)', () => {
    const n = noise(6, 0.8);
    const healthy = series('temp', T0, T0 + 10 * DAY, MIN, (t) => 65 + daily(8)(t) + n());
    expect(evaluate(model, null, healthy).findings).toEqual([]);
    const step = series('temp', T0, T0 + 8 * DAY, MIN, (t) => 60 + (t - T0 > 5 * DAY ? 8 : 0) + daily(3)(t) + n());
    expect(evaluate(model, null, step).findings).toEqual([]);
  });

  it('clears when the drift stops and the projection leaves the horizon', () => {
    const n = noise(7, 0.5);
    const value = (t: number): number => 50 + 3 * Math.min((t - T0) / DAY, 6) + n();
    const { findings } = evaluate(model, null, series('temp', T0, T0 + 14 * DAY, 2 * MIN, value));
    expect(findings.map((f) => f.state)).toEqual(['firing', 'cleared']);
  });
});

describe('silence (no data)', () => {
  const model = testModel([], { silence: { after: '10m' } });

  it('checkSilence is a pure function of last seen, now and the rule', () => {
    const rule = { ruleId: 'silence', faultCode: 'NO_DATA', afterMs: 10 * MIN, autoCancel: false };
    expect(checkSilence(null, T0, rule)).toBeNull();
    expect(checkSilence(T0, T0 + 10 * MIN, rule)).toBeNull();
    expect(checkSilence(T0, T0 + 11 * MIN, rule)).toMatchObject({
      kind: 'silence',
      state: 'firing',
      faultCode: 'NO_DATA',
      evidence: { silentForMs: 11 * MIN },
    });
  });

  it('fires once on the supplied clock and clears on the next reading; default limit is 3 × the largest sample period', () => {
    const r = evaluate(
      model,
      null,
      series('temp', T0, T0 + 5 * MIN, 10 * SEC, () => 20),
    );
    const lastSeen = T0 + 5 * MIN - 10 * SEC;
    expect(evaluateSilence(model, r.state, lastSeen + 10 * MIN).findings).toEqual([]);
    const silent = evaluateSilence(model, r.state, lastSeen + 11 * MIN);
    expect(silent.findings).toMatchObject([{ state: 'firing', ruleId: 'silence', evidence: { window: { from: lastSeen } } }]);
    expect(evaluateSilence(model, silent.state, lastSeen + 20 * MIN).findings).toEqual([]);
    const back = evaluate(model, silent.state, [{ ts: lastSeen + 30 * MIN, metrics: { temp: 20 } }]);
    expect(back.findings).toMatchObject([{ state: 'cleared', kind: 'silence' }]);
    // Back with an item older than its last reading (an event stamped earlier, a clock that went
    // back): still a valid clear, with a silence of 0 ms (a negative one was refused by auto-tickets).
    const older = evaluate(model, structuredClone(silent.state), [], [{ ts: lastSeen - MIN, code: 'E1' }]);
    expect(older.findings).toMatchObject([{ state: 'cleared', kind: 'silence', evidence: { silentForMs: 0, window: { from: lastSeen, to: lastSeen } } }]);
    expect(() => parseFinding({ ...older.findings[0]!, assetId: '00000000-0000-4000-8000-000000000001' })).not.toThrow();
    const byDefault = testModel([]);
    const s = evaluate(byDefault, null, [{ ts: T0, metrics: { temp: 1 } }]).state;
    expect(evaluateSilence(byDefault, s, T0 + 30 * SEC).findings).toEqual([]);
    expect(evaluateSilence(byDefault, s, T0 + 31 * SEC).findings).toHaveLength(1);
  });
});

describe('evaluate: ordering, late readings, JSON state', () => {
  const model = testModel([
    { id: 'hot', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 60, for: '5m', hysteresis: 4, clearFor: '10m' },
    { id: 'jump', kind: 'rate', fault: 'JUMP', metric: 'level', direction: 'rise', limit: 2, window: '2m' },
    { id: 'odd', kind: 'anomaly', fault: 'ODD', metric: 'current', z: 6, minSpread: 0.5 },
    { id: 'wear', kind: 'trend', fault: 'WEAR', metric: 'temp', above: 90, window: '2d', minBuckets: 24 },
  ]);
  const n = noise(8, 0.5);
  const readings: Reading[] = [];
  for (let t = T0; t < T0 + 6 * DAY; t += MIN) {
    const d = (t - T0) / DAY;
    readings.push({
      ts: t,
      metrics: {
        temp: 40 + 6 * Math.max(0, d - 1) + daily(2)(t) + n() + (d > 2 && d < 2.05 ? 30 : 0),
        level: 10 + (d > 3 ? 5 * Math.min(20, (t - T0 - 3 * DAY) / MIN) : 0) + n(),
        current: 50 + (d > 4 && d < 4.2 ? 20 : 0) + n(),
      },
    });
  }

  it('gives identical findings and state whether the series comes in one batch or in micro-batches through JSON', () => {
    const whole = evaluate(model, null, readings);
    expect(new Set(whole.findings.map((f) => f.ruleId))).toEqual(new Set(['hot', 'jump', 'odd', 'wear']));
    for (const size of [5, 97, 1000]) {
      const split = inBatches(model, readings, size);
      expect(split.findings).toEqual(whole.findings);
      expect(split.state).toEqual(JSON.parse(JSON.stringify(whole.state)));
    }
  });

  it('sorts a batch by timestamp, skips readings at or before the watermark, and makes a redelivered batch a no-op', () => {
    const part = readings.slice(0, 3 * 1440);
    const shuffled = [...part].sort((a, b) => (a.ts % 7) - (b.ts % 7) || b.ts - a.ts);
    const sorted = evaluate(model, null, part);
    const fromShuffled = evaluate(model, null, shuffled);
    expect(fromShuffled.findings).toEqual(sorted.findings);
    const again = evaluate(model, sorted.state, part.slice(-100));
    expect(again).toMatchObject({ findings: [], late: 100 });
    expect(again.state).toEqual(sorted.state);
    // The caller's state object is never modified.
    const snapshot = JSON.stringify(sorted.state);
    evaluate(model, sorted.state, readings.slice(3 * 1440, 3 * 1440 + 500));
    expect(JSON.stringify(sorted.state)).toBe(snapshot);
  });

  it('restarts the state of a rule whose definition changed, keeps the others', () => {
    const first = evaluate(model, null, readings.slice(0, 600)).state;
    const changed = testModel([
      { id: 'hot', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 70, for: '5m' },
      { id: 'wear', kind: 'trend', fault: 'WEAR', metric: 'temp', above: 90, window: '2d', minBuckets: 24 },
    ]);
    const next = evaluate(changed, first, []).state;
    expect(Object.keys(next.rules).sort()).toEqual(['event-e-trip', 'hot', 'wear']);
    expect(next.rules.wear).toEqual(first.rules.wear);
    expect(next.rules.hot).not.toEqual(first.rules.hot);
  });
});

describe('bounded windows', () => {
  it('thinWindow keeps the span and the newest sample at half density past the cap', () => {
    const buf: [number, number][] = Array.from({ length: 11 }, (_, i) => [i, i]);
    thinWindow(buf, 10);
    expect(buf.map(([t]) => t)).toEqual([0, 2, 4, 6, 8, 10]);
    const even: [number, number][] = Array.from({ length: 12 }, (_, i) => [i, i]);
    thinWindow(even, 10);
    expect(even.map(([t]) => t)).toEqual([1, 3, 5, 7, 9, 11]);
  });
});
