/**
 * Alarm hygiene on the threshold, rate and anomaly kinds (issue #14): smoothed inputs, `for` and
 * clearing as a share of the samples, bounded state at high sample rates, defaults unchanged.
 */
import { describe, expect, it } from 'vitest';
import { parseFinding } from '../../src/telemetry/detection/finding.schema.js';
import { compileModel } from '../../src/telemetry/detection/detection-rules.compiler.js';
import { clearRule, evaluate } from '../../src/telemetry/detection/detection.engine.js';
import { MAX_WINDOW_SAMPLES } from '../../src/telemetry/detection/evidence.js';
import { compileSmooth, initialSmoothState, smoothStep } from '../../src/telemetry/detection/smoothing.js';
import type { AssetDetectionState, Finding, Reading, ThresholdState } from '../../src/telemetry/detection/detection.types.js';
import { HOUR, MIN, SEC, T0, noise, series, testModel } from './detection-fixtures.js';

const ASSET = '00000000-0000-4000-8000-000000000001';
const at = (fs: Finding[]) => fs.map((f) => [f.state, (f.at - T0) / SEC]);
/** The finding as the alarms module validates it (evidence schema included). */
const valid = (f: Finding) => expect(() => parseFinding({ ...f, assetId: ASSET })).not.toThrow();

/** 17 of every 20 samples (85 %) are `bad`, spread out; the others `good`. */
const mostly = (i: number, bad: number, good: number): number => ([3, 9, 16].includes(i % 20) ? good : bad);

/** 1 Hz readings of `metric`: `before` until `fromMin`, then the 85 % pattern. */
function noisy(metric: string, minutes: number, fromMin: number, before: (t: number) => number, bad: number, good: number): Reading[] {
  return series(metric, T0, T0 + minutes * MIN, SEC, (t) => {
    const i = (t - T0) / SEC;
    return t - T0 < fromMin * MIN ? before(t) : mostly(i, bad, good);
  });
}

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

describe('forShare: a share of the samples in the `for` window', () => {
  const hot = { id: 'hot', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 60, for: '2m' };
  // Normal (50) for 10 min, then 85 % of the 1 Hz samples at 65 (violating), 15 % at 50.
  const readings = noisy('temp', 30, 10, () => 50, 65, 50);

  it('threshold: fires with forShare 0.8 on a noisy signal 85 % in violation, never with the default (every sample)', () => {
    expect(evaluate(testModel([hot]), null, readings).findings).toEqual([]);
    const { findings } = evaluate(testModel([{ ...hot, forShare: 0.8 }]), null, readings);
    expect(findings.map((f) => f.state)).toEqual(['firing']);
    const fire = findings[0]!;
    // 80 % of the 121 samples of the trailing 2 min: 97 violating ones, ~114 s after the onset at 85 %.
    expect((fire.at - T0) / SEC).toBeGreaterThan(10 * 60 + 100);
    expect((fire.at - T0) / SEC).toBeLessThanOrEqual(10 * 60 + 120);
    expect(fire.evidence.share).toMatchObject({ required: 0.8, samples: 121, windowMs: 2 * MIN });
    expect(fire.evidence.share!.value).toBeGreaterThanOrEqual(0.8);
    expect(fire.evidence.share!.value).toBeLessThan(1);
    expect(fire.evidence.window).toEqual({ from: fire.at - 2 * MIN, to: fire.at });
    expect(fire.evidence.smooth).toBeUndefined();
    valid(fire);
  });

  it('threshold: needs the window to span `for` (no firing on the first samples) and a gap past maxGap restarts it', () => {
    const model = testModel([{ ...hot, forShare: 0.8, maxGap: '30s' }]);
    const hotFromStart = series('temp', T0, T0 + 5 * MIN, SEC, () => 65);
    expect(at(evaluate(model, null, hotFromStart).findings)).toEqual([['firing', 120]]);
    // Hot all along, but a 1 min hole at minute 1.5: the window restarts after it, fires 2 min later.
    const holed = hotFromStart.filter((r) => r.ts - T0 < 90 * SEC || r.ts - T0 >= 150 * SEC);
    expect(at(evaluate(model, null, holed).findings)).toEqual([['firing', 270]]);
  });

  it('anomaly: fires with forShare on a shift anomalous in 85 % of the samples, never with the default', () => {
    const n = noise(11, 1);
    const odd = { id: 'odd', kind: 'anomaly', fault: 'ODD', metric: 'level', window: '30m', z: 6, clearZ: 3, warmup: '10m', for: '2m' };
    const shifted = noisy('level', 60, 40, () => 100 + n(), 130, 100);
    expect(evaluate(testModel([odd]), null, shifted).findings).toEqual([]);
    const { findings } = evaluate(testModel([{ ...odd, forShare: 0.8 }]), null, shifted);
    expect(findings.map((f) => f.state)).toEqual(['firing']);
    expect((findings[0]!.at - T0) / SEC).toBeGreaterThan(40 * 60 + 100);
    expect((findings[0]!.at - T0) / SEC).toBeLessThanOrEqual(40 * 60 + 120);
    expect(findings[0]!.evidence.share).toMatchObject({ required: 0.8, samples: 121 });
    valid(findings[0]!);
  });

  it('rate: `for` holds a slope past the limit that long; forShare lets a noisy one through', () => {
    const jump = { id: 'jump', kind: 'rate', fault: 'JUMP', metric: 'level', direction: 'rise', limit: 2, per: 'minute', window: '1m', minSamples: 3 };
    // Rising 6/min for 30 s at minute 10 (a short burst), flat otherwise.
    const burst = series('level', T0, T0 + 20 * MIN, 5 * SEC, (t) => 20 + 6 * Math.min(0.5, Math.max(0, (t - T0) / MIN - 10)));
    expect(evaluate(testModel([jump]), null, burst).findings.map((f) => f.state)).toEqual(['firing', 'cleared']);
    expect(evaluate(testModel([{ ...jump, for: '2m' }]), null, burst).findings).toEqual([]);
    // A noisy ramp of 4/min from minute 10 to 30: the slope over 20 s of 1 Hz samples is past
    // the limit most of the time, but not for 2 min without a break.
    const n = noise(16, 0.8);
    const ramp = series('level', T0, T0 + 40 * MIN, SEC, (t) => 20 + n() + 4 * Math.min(20, Math.max(0, (t - T0) / MIN - 10)));
    const noisyRate = { ...jump, window: '20s', for: '2m' };
    expect(evaluate(testModel([noisyRate]), null, ramp).findings).toEqual([]);
    const sustained = evaluate(testModel([{ ...noisyRate, forShare: 0.8 }]), null, ramp).findings;
    expect(sustained[0]).toMatchObject({ state: 'firing', evidence: { share: { required: 0.8, windowMs: 2 * MIN } } });
    // The slope passes 2/min a few seconds into the ramp; 80 % of a 2 min window takes ≥ 1.6 min more.
    expect((sustained[0]!.at - T0) / MIN).toBeGreaterThan(11.6);
    expect((sustained[0]!.at - T0) / MIN).toBeLessThan(13);
    valid(sustained[0]!);
  });
});

describe('clearShare: clearing on a share of the samples back to normal', () => {
  const hot = { id: 'hot', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 60, for: '1m', clearFor: '2m' };
  // Hot (65) for 10 min, then back to 50 in 85 % of the samples (15 % still at 65).
  const readings = series('temp', T0, T0 + 30 * MIN, SEC, (t) => (t - T0 < 10 * MIN ? 65 : mostly((t - T0) / SEC, 50, 65)));

  it('clears with clearShare 0.8 when 85 % of the samples are back; latches with the default', () => {
    expect(evaluate(testModel([hot]), null, readings).findings.map((f) => f.state)).toEqual(['firing']);
    const { findings } = evaluate(testModel([{ ...hot, clearShare: 0.8 }]), null, readings);
    expect(findings.map((f) => f.state)).toEqual(['firing', 'cleared']);
    const clear = findings[1]!;
    expect((clear.at - T0) / SEC).toBeGreaterThan(10 * 60 + 100);
    expect((clear.at - T0) / SEC).toBeLessThanOrEqual(10 * 60 + 120);
    expect(clear.evidence).toMatchObject({ threshold: 60, share: { required: 0.8, samples: 121, windowMs: 2 * MIN } });
    expect(clear.evidence.share!.value).toBeGreaterThanOrEqual(0.8);
    expect(findings[0]!.evidence.share).toBeUndefined();
    valid(clear);
  });

  it('a rule cleared by hand starts a fresh window: the clearing samples do not count as violations', () => {
    const model = testModel([{ ...hot, for: '2m', forShare: 0.8, clearShare: 0.9 }]);
    // Cleared by hand at minute 15 while 85 % of the samples are back (short of clearShare 0.9).
    const first = evaluate(
      model,
      null,
      readings.filter((r) => r.ts < T0 + 15 * MIN),
    );
    expect(first.findings.map((f) => f.state)).toEqual(['firing']);
    const manual = clearRule(model, first.state, 'hot', T0 + 15 * MIN);
    expect(manual.findings.map((f) => f.state)).toEqual(['cleared']);
    // Still 85 % normal, 15 % hot: far from forShare 0.8 of violations, so no new firing.
    expect(
      evaluate(
        model,
        manual.state,
        readings.filter((r) => r.ts >= T0 + 15 * MIN),
      ).findings,
    ).toEqual([]);
  });

  it('anomaly: clears on a share of normal samples instead of latching on a noisy return', () => {
    const n = noise(12, 1);
    const odd = { id: 'odd', kind: 'anomaly', fault: 'ODD', metric: 'level', window: '30m', z: 6, clearZ: 3, warmup: '10m', clearFor: '2m' };
    // Normal, a clean step to 130 at minute 40, back to normal at 50 with 15 % of the samples still at 130.
    const value = (t: number): number => {
      const m = (t - T0) / MIN;
      if (m < 40) return 100 + n();
      if (m < 50) return 130;
      return mostly((t - T0) / SEC, 100 + n(), 130);
    };
    const readingsOdd = series('level', T0, T0 + 70 * MIN, SEC, value);
    expect(evaluate(testModel([odd]), null, readingsOdd).findings.map((f) => f.state)).toEqual(['firing']);
    const { findings } = evaluate(testModel([{ ...odd, clearShare: 0.8 }]), null, readingsOdd);
    expect(at(findings)[0]).toEqual(['firing', 40 * 60]);
    expect(findings[1]).toMatchObject({ state: 'cleared', evidence: { share: { required: 0.8 } } });
    expect((findings[1]!.at - T0) / SEC).toBeLessThanOrEqual(50 * 60 + 120);
    valid(findings[1]!);
  });
});

describe('smooth: the rolling statistic of the trailing window', () => {
  // 1 Hz hand series with one spike: 10, 20, 30, 40, 1000, 60, 70, 80, 90, 100.
  const values = [10, 20, 30, 40, 1000, 60, 70, 80, 90, 100];
  const hand = values.map((v, i) => ({ ts: T0 + i * SEC, metrics: { temp: v } }));

  it('computes mean, median and p90 (linear interpolation) over the samples newer than ts − window, once it spans the window', () => {
    const run = (stat: string) => {
      const smooth = compileSmooth({ window: 5, stat })!;
      const state = initialSmoothState(T0);
      return values.map((v, i) => smoothStep(smooth, state, T0 + i * SEC, v));
    };
    const mean = run('mean');
    // Not judged before the window has been observed for 5 s.
    expect(mean.slice(0, 5)).toEqual([null, null, null, null, null]);
    // ts 5 s: 20, 30, 40, 1000, 60 → 230; ts 6 s: 30, 40, 1000, 60, 70 → 240; ts 9 s: 60..100 → 80.
    expect(mean[5]).toBeCloseTo(230, 9);
    expect(mean[6]).toBeCloseTo(240, 9);
    expect(mean[9]).toBeCloseTo(80, 9);
    const median = run('median');
    expect(median.slice(5)).toEqual([40, 60, 70, 80, 80]);
    const p90 = run('p90');
    // Sorted [30, 40, 60, 70, 1000]: index 0.9 × 4 = 3.6 → 70 + 0.6 × 930.
    expect(p90[5]).toBeCloseTo(60 + 0.6 * 940, 9);
    expect(p90[6]).toBeCloseTo(70 + 0.6 * 930, 9);
    expect(p90[9]).toBeCloseTo(90 + 0.6 * 10, 9);
    const even = compileSmooth({ window: 4, stat: 'median' })!;
    const evenState = initialSmoothState(T0);
    expect(
      values
        .slice(0, 5)
        .map((v, i) => smoothStep(even, evenState, T0 + i * SEC, v))
        .at(-1),
    ).toBe(35); // 20, 30, 40, 1000
  });

  it('a threshold judges the statistic: a one-sample spike fires raw, mean and p90, not the median; evidence carries it', () => {
    const hot = { id: 'hot', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 200, for: 0, clearFor: '1m' };
    const raw = evaluate(testModel([hot]), null, hand).findings;
    expect(at(raw)).toEqual([['firing', 4]]);
    expect(raw[0]!.evidence.smooth).toBeUndefined();
    const median = evaluate(testModel([{ ...hot, smooth: { window: '5s', stat: 'median' } }]), null, hand).findings;
    expect(median).toEqual([]);
    const mean = evaluate(testModel([{ ...hot, smooth: { window: '5s' } }]), null, hand).findings;
    expect(at(mean)).toEqual([['firing', 5]]);
    expect(mean[0]!.evidence.smooth).toEqual({ stat: 'mean', windowMs: 5000, value: 230, samples: 5 });
    expect(mean[0]!.evidence.values.at(-1)).toEqual({ ts: T0 + 5 * SEC, value: 230 });
    const p90 = evaluate(testModel([{ ...hot, smooth: { window: '5s', stat: 'p90' } }]), null, hand).findings;
    expect(at(p90)).toEqual([['firing', 5]]);
    expect(p90[0]!.evidence.smooth!.value).toBeCloseTo(624, 9);
    valid(mean[0]!);
    valid(p90[0]!);
  });

  it('a noisy signal whose level is below the limit does not fire once smoothed; its level past the limit does', () => {
    const n = noise(13, 4);
    const hot = { id: 'hot', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 60, for: 0 };
    // Level 52 ± 4 (1 Hz) for an hour: raw samples cross 60 now and then.
    const quiet = series('temp', T0, T0 + HOUR, SEC, () => 52 + n());
    expect(evaluate(testModel([hot]), null, quiet).findings.length).toBeGreaterThan(0);
    const smoothed = testModel([{ ...hot, smooth: { window: '1m', stat: 'median' } }]);
    expect(evaluate(smoothed, null, quiet).findings).toEqual([]);
    const raised = series('temp', T0, T0 + HOUR, SEC, (t) => (t - T0 < 30 * MIN ? 52 : 68) + n());
    const fired = evaluate(smoothed, null, raised).findings;
    expect(fired.map((f) => f.state)).toEqual(['firing']);
    expect((fired[0]!.at - T0) / SEC).toBeGreaterThan(30 * 60);
    expect((fired[0]!.at - T0) / SEC).toBeLessThan(30 * 60 + 60);
  });

  it('rate fits its slope to the smoothed series and anomaly scores the smoothed value', () => {
    const n = noise(14, 3);
    // Flat and noisy at 1 Hz: the raw slope over 20 s wanders past 6/min; the 1 min mean's does not.
    const flat = series('level', T0, T0 + HOUR, SEC, () => 50 + n());
    const jump = { id: 'jump', kind: 'rate', fault: 'JUMP', metric: 'level', direction: 'either', limit: 6, per: 'minute', window: '20s' };
    expect(evaluate(testModel([jump]), null, flat).findings.length).toBeGreaterThan(0);
    expect(evaluate(testModel([{ ...jump, smooth: { window: '1m' } }]), null, flat).findings).toEqual([]);
    const ramp = series('level', T0, T0 + HOUR, SEC, (t) => 50 + n() + 10 * Math.max(0, (t - T0) / MIN - 30));
    const rising = evaluate(testModel([{ ...jump, smooth: { window: '1m' } }]), null, ramp).findings;
    expect(rising[0]).toMatchObject({ state: 'firing', evidence: { smooth: { stat: 'mean', windowMs: MIN } } });
    valid(rising[0]!);
    const odd = {
      id: 'odd',
      kind: 'anomaly',
      fault: 'ODD',
      metric: 'level',
      window: '30m',
      z: 6,
      clearZ: 3,
      warmup: '10m',
      smooth: { window: '30s', stat: 'median' },
    };
    const step = series('level', T0, T0 + HOUR, SEC, (t) => 50 + n() + (t - T0 >= 40 * MIN ? 20 : 0));
    const anomalies = evaluate(testModel([odd]), null, step).findings;
    expect(anomalies.map((f) => f.state)).toEqual(['firing']);
    const fire = anomalies[0]!;
    // The median of 30 s needs half its window past the step; the baseline is the smoothed series'.
    expect((fire.at - T0) / SEC).toBeGreaterThan(40 * 60);
    expect((fire.at - T0) / SEC).toBeLessThan(40 * 60 + 30);
    expect(fire.evidence.smooth).toMatchObject({ stat: 'median', windowMs: 30 * SEC, samples: 30 });
    expect(fire.evidence.baseline!.spread).toBeLessThan(1.5); // the raw series' is ≈ 3
    valid(fire);
  });
});

describe('bounded and deterministic state at high sample rates', () => {
  // 100 Hz for 25 minutes: 150 000 readings; every window here would hold 60 000 samples unthinned.
  const n = noise(15, 2);
  const fast = series('temp', T0, T0 + 25 * MIN, 10, (t) => (t - T0 < 12 * MIN ? 50 : 70) + n());
  const rules = [
    { id: 'hot-p90', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 60, for: '10m', forShare: 0.8, smooth: { window: '10m', stat: 'p90' } },
    {
      id: 'hot-mean',
      kind: 'threshold',
      fault: 'HOT',
      metric: 'temp',
      above: 60,
      for: '1m',
      forShare: 0.9,
      clearShare: 0.9,
      smooth: { window: '10m', stat: 'mean' },
    },
  ];
  const model = testModel(rules);

  it('keeps every window at most MAX_WINDOW_SAMPLES, with the statistic consistent with its window', () => {
    const { state, findings } = evaluate(model, null, fast);
    expect(findings.map((f) => [f.ruleId, f.state]).sort()).toEqual([
      ['hot-mean', 'firing'],
      ['hot-p90', 'firing'],
    ]);
    expect(findings.every((f) => f.at > T0 + 12 * MIN)).toBe(true);
    for (const id of ['hot-p90', 'hot-mean']) {
      const s = state.rules[id] as ThresholdState;
      expect(s.smooth!.slots.length).toBeLessThanOrEqual(MAX_WINDOW_SAMPLES + 1);
      expect(s.smooth!.slots.length).toBeGreaterThan(1000);
      // Evenly spread over the whole window (not crowded at its newest end).
      expect(s.smooth!.slots.at(-1)![0] - s.smooth!.slots[0]![0]).toBeGreaterThan(9.9 * MIN);
      const half = s.smooth!.slots.filter(([ts]) => ts > fast.at(-1)!.ts - 5 * MIN).length;
      expect(Math.abs(half / s.smooth!.slots.length - 0.5)).toBeLessThan(0.01);
    }
    const p90 = state.rules['hot-p90'] as ThresholdState;
    expect(p90.smooth!.sorted).toEqual(p90.smooth!.slots.map(([, v]) => v).sort((a, b) => a - b));
    const mean = state.rules['hot-mean'] as ThresholdState;
    // The mean counts every reading of its 10 min (60 000 of them), in 1 024 slots.
    expect(mean.smooth!.count).toBe(mean.smooth!.slots.reduce((a, [, , c]) => a + c, 0));
    expect(mean.smooth!.count).toBeGreaterThan(59_900);
    expect(mean.smooth!.sum).toBeCloseTo(
      mean.smooth!.slots.reduce((a, [, v]) => a + v, 0),
      6,
    );
    // The clearShare window (1 min at 100 Hz) counts its 6 000 samples in at most 1 025 slots.
    expect(mean.share!.slots.length).toBeLessThanOrEqual(MAX_WINDOW_SAMPLES + 1);
    expect(mean.share!.count).toBeGreaterThan(5_900);
    expect(JSON.stringify(state).length).toBeLessThan(200_000);
  });

  it('gives the same findings and state in one batch or in micro-batches through JSON', () => {
    const whole = evaluate(model, null, fast.slice(0, 100_000));
    const split = inBatches(model, fast.slice(0, 100_000), 997);
    expect(split.findings).toEqual(whole.findings);
    expect(split.state).toEqual(JSON.parse(JSON.stringify(whole.state)));
  });
});

describe('defaults', () => {
  it('forShare / clearShare of 1 and no smooth compile exactly like a rule without them (same state signature)', () => {
    const base = [
      { id: 'hot', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 60 },
      { id: 'jump', kind: 'rate', fault: 'JUMP', metric: 'level', limit: 2 },
      { id: 'odd', kind: 'anomaly', fault: 'ODD', metric: 'current' },
    ];
    const plain = compileModel(testModel(base));
    const ones = compileModel(testModel(base.map((r) => ({ ...r, forShare: 1, clearShare: 1 }))));
    expect([...ones.signatures]).toEqual([...plain.signatures]);
    for (const sig of plain.signatures.values()) expect(sig).not.toMatch(/smooth|Share/);
    expect(plain.signatures.get('jump')).not.toContain('forMs');
    const withFor0 = compileModel(testModel([{ ...base[1], for: 0 }]));
    expect(withFor0.signatures.get('jump')).toBe(plain.signatures.get('jump'));
  });

  it('a rule without the options keeps no hygiene state', () => {
    const readings = series(
      'temp',
      T0,
      T0 + HOUR,
      SEC,
      (t) => (t - T0 > 30 * MIN ? 70 : 50),
      () => ({ level: 1, current: 5 }),
    );
    const { state } = evaluate(testModel([{ id: 'hot', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 60 }]), null, readings);
    expect(Object.keys(state.rules['hot']!).sort()).toEqual(['clearSince', 'firing', 'kind', 'lastTs', 'pendingSince', 'recent', 'runSince', 'sig']);
  });

  it('rejects malformed options with the field named', () => {
    const bad = (extra: Record<string, unknown>) => () => testModel([{ id: 'hot', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 60, ...extra }]);
    expect(bad({ forShare: 0 })).toThrow(/forShare/);
    expect(bad({ clearShare: 1.2 })).toThrow(/clearShare/);
    expect(bad({ smooth: { window: '1m', stat: 'p100' } })).toThrow(/mean, median or p<NN>/);
    expect(bad({ smooth: { window: '1m', stat: 'p0' } })).toThrow(/stat/);
    expect(bad({ smooth: { stat: 'mean' } })).toThrow(/window/);
    expect(() => testModel([{ id: 'e', kind: 'event', fault: 'TRIP', forShare: 0.5 }])).toThrow();
  });
});
