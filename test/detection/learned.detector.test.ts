/**
 * The learned multivariate baseline on crafted series: a correlated pair whose relation breaks
 * while each metric stays inside its own range fires and names both metrics; a change of
 * operating mode is learned, not alarmed; stepped sensors, missing metrics, slow drift, outliers
 * in the training data; batches of any size give the same findings; relearn and freeze.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/telemetry/detection/detection.engine.js';
import { applyBaselineCommand } from '../../src/telemetry/detection/learned.detector.js';
import { compileModel } from '../../src/telemetry/detection/detection-rules.compiler.js';
import { fitBaseline, quantisationStep } from '../../src/telemetry/detection/baseline-fit.js';
import type { AssetDetectionState, CompiledLearned, Finding, LearnedState, Reading } from '../../src/telemetry/detection/detection.types.js';
import { MIN, noise, SEC, T0, testModel } from './detection-fixtures.js';

const rule = (extra: Record<string, unknown> = {}) => ({
  id: 'joint',
  kind: 'learned',
  fault: 'ODD',
  metrics: ['temp', 'current'],
  trainSamples: 400,
  smooth: 30,
  factor: 1.2,
  shrinkage: 0.01,
  ...extra,
});

/** temp follows the operating point; current = 2 × temp (+ noise) — until `breakAt`, after which current is offset by `offset`. */
function pair(from: number, n: number, opts: { seed?: number; breakAt?: number; offset?: number; level?: (i: number) => number } = {}): Reading[] {
  const e1 = noise(opts.seed ?? 1, 0.2);
  const e2 = noise((opts.seed ?? 1) + 1, 0.2);
  const level = opts.level ?? ((i: number) => 50 + 10 * Math.sin(i / 40));
  const out: Reading[] = [];
  for (let i = 0; i < n; i++) {
    const temp = level(i) + e1();
    const broken = opts.breakAt !== undefined && i >= opts.breakAt;
    out.push({ ts: from + i * 10 * SEC, metrics: { temp, current: 2 * temp + e2() + (broken ? (opts.offset ?? 0) : 0) } });
  }
  return out;
}

function run(model: ReturnType<typeof testModel>, readings: Reading[], batch = readings.length, state: AssetDetectionState | null = null) {
  const findings: Finding[] = [];
  for (let i = 0; i < readings.length; i += batch) {
    const r = evaluate(model, state, readings.slice(i, i + batch));
    state = r.state;
    findings.push(...r.findings);
  }
  return { state: state!, findings };
}

const learned = (state: AssetDetectionState): LearnedState => state.rules.joint as LearnedState;

describe('learned baseline', () => {
  it('fires when a correlated pair breaks its relation while each metric stays inside its trained range, and names both', () => {
    const model = testModel([rule()]);
    // The break: current is 12 above 2 × temp; temp spans 40..60 and current 80..120 in training,
    // so current (≈ 112 at temp 50) stays well inside its own range.
    const readings = pair(T0, 1000, { breakAt: 700, offset: 12 });
    const { findings } = run(model, readings);
    const firing = findings.filter((f) => f.state === 'firing');
    expect(firing).toHaveLength(1);
    expect(firing[0]!.at).toBeGreaterThanOrEqual(readings[700]!.ts);
    expect(firing[0]!.at).toBeLessThan(readings[720]!.ts);
    // A broken relation names both metrics, each with a real share of the score.
    const shares = Object.fromEntries(firing[0]!.evidence.contributions!.map((c) => [c.metric, c.share]));
    expect(shares.current).toBeGreaterThan(0.2);
    expect(shares.temp).toBeGreaterThan(0.2);
    expect(firing[0]!.evidence.score!).toBeGreaterThan(firing[0]!.evidence.threshold!);
    // Each metric alone stays inside what it did in training.
    const currents = readings.slice(700).map((r) => r.metrics.current!);
    const trainCurrents = readings.slice(0, 400).map((r) => r.metrics.current!);
    expect(Math.max(...currents)).toBeLessThan(Math.max(...trainCurrents) + 15);
  });

  it('stays quiet on the same relation at other points of the trained range (no false alarm)', () => {
    const model = testModel([rule()]);
    const { findings } = run(model, pair(T0, 2000, { seed: 5 }));
    expect(findings).toEqual([]);
  });

  it('learns a new operating mode instead of alarming on it, and judges each mode against its own baseline', () => {
    const model = testModel([rule({ metrics: ['temp', 'current'], mode: { metric: 'level', edges: [50] } })]);
    const e = noise(3, 0.2);
    const readings: Reading[] = [];
    for (let i = 0; i < 1500; i++) {
      // Mode 0 (level 20) for 400 readings, then mode 1 (level 80) where temp runs 30 higher; back to mode 0 at 1100.
      const high = i >= 400 && i < 1100;
      const temp = (high ? 80 : 50) + 5 * Math.sin(i / 30) + e();
      readings.push({ ts: T0 + i * 10 * SEC, metrics: { level: high ? 80 : 20, temp, current: 2 * temp + e() } });
    }
    const { state, findings } = run(model, readings);
    expect(findings).toEqual([]);
    const modes = learned(state).modes;
    expect(Object.keys(modes).sort()).toEqual(['0', '1']);
    expect(modes['0']!.phase).toBe('active');
    expect(modes['1']!.phase).toBe('active');
    expect(modes['1']!.fit!.learnedCentre[0]).toBeGreaterThan(modes['0']!.fit!.learnedCentre[0]! + 20);
    // Without modes the same series alarms (the shift is far outside the single baseline).
    const plain = run(
      testModel([rule()]),
      readings.map((r) => ({ ts: r.ts, metrics: { temp: r.metrics.temp!, current: r.metrics.current! } })),
    );
    expect(plain.findings.some((f) => f.state === 'firing')).toBe(true);
  });

  it('gives the same findings whatever the batch size (micro-batches of the worker or one backtest batch)', () => {
    const model = testModel([rule()]);
    const readings = pair(T0, 1100, { breakAt: 700, offset: 12 });
    const one = run(model, readings).findings;
    expect(one.length).toBeGreaterThan(0);
    expect(run(model, readings, 7).findings).toEqual(one);
    expect(run(model, readings, 1).findings).toEqual(one);
    // And across a JSON round trip of the state (Redis).
    const first = run(model, readings.slice(0, 650));
    const resumed = run(model, readings.slice(650), 13, JSON.parse(JSON.stringify(first.state)) as AssetDetectionState);
    expect([...first.findings, ...resumed.findings]).toEqual(one);
  });

  it('uses the latest value of a metric missing from a reading while it is recent, and judges nothing once it is stale', () => {
    const model = testModel([rule({ maxAge: 60 })]);
    const readings = pair(T0, 800).map((r, i) => (i % 2 === 0 ? r : { ts: r.ts, metrics: { temp: r.metrics.temp! } }));
    const { state } = run(model, readings);
    expect(learned(state).modes.all!.phase).toBe('active');
    // current stops reporting: after maxAge nothing is judged or learned, however odd temp gets.
    const t = readings.at(-1)!.ts;
    const stale = Array.from({ length: 50 }, (_, i) => ({ ts: t + (i + 1) * 10 * SEC, metrics: { temp: 500 } }));
    const after = run(model, stale, 50, state);
    expect(after.findings.filter((f) => f.state === 'firing').length).toBeLessThanOrEqual(1);
    const judged = run(model, stale.slice(10), 40, run(model, stale.slice(0, 10), 10, JSON.parse(JSON.stringify(state))).state);
    expect(judged.findings).toEqual([]);
  });

  it('handles a stepped sensor (zero spread in training) with its quantisation step, and the accuracy floor', () => {
    expect(quantisationStep([0.05, 0.38, 0.05, -0.27, 0.05])).toBeCloseTo(0.32, 2);
    const e = noise(9, 0.2);
    const stepped = Array.from({ length: 300 }, () => [0.054711 + (Math.random() < 0.1 ? 0.327927 : 0), 50 + e()]);
    const fit = fitBaseline(stepped, { shrinkage: 0.1, trim: 0, quantile: 0.99, factor: 1, minSpread: [0, 1] });
    expect(fit.spread[0]).toBeCloseTo(0.327927, 5);
    expect(fit.spread[1]).toBe(1); // the accuracy floor beats the 0.2 noise
    for (const v of fit.eigen) expect(Number.isFinite(v) && v > 0).toBe(true);
    const constant = Array.from({ length: 50 }, (_, i) => [7, i % 3]);
    const flat = fitBaseline(constant, { shrinkage: 0.1, trim: 0, quantile: 0.99, factor: 1, minSpread: [0, 0] });
    expect(flat.spread[0]).toBeGreaterThan(0);
    expect(Number.isFinite(flat.limit)).toBe(true);
  });

  it('keeps its limit when the training data holds a few outliers (trim), and follows a slow drift of a `follow` metric', () => {
    const e = noise(11, 1);
    const clean = Array.from({ length: 400 }, () => {
      const a = e();
      return [a, a + 0.3 * e()];
    });
    const dirty = clean.map((row, i) => (i % 50 === 0 ? [row[0]! + 40, row[1]! - 40] : row));
    const opts = { shrinkage: 0.1, quantile: 0.99, factor: 1, minSpread: [0, 0] };
    const reference = fitBaseline(clean, { ...opts, trim: 0 });
    const trimmed = fitBaseline(dirty, { ...opts, trim: 0.05 });
    const untrimmed = fitBaseline(dirty, { ...opts, trim: 0 });
    // Outliers breaking the correlation inflate the small eigenvalue without trimming.
    expect(Math.min(...untrimmed.eigen)).toBeGreaterThan(3 * Math.min(...reference.eigen));
    expect(Math.min(...trimmed.eigen)).toBeLessThan(2 * Math.min(...reference.eigen));

    // Slow warm-up of temp by 20 over 3 hours (current unrelated here): with follow, no alarm.
    const warm = (follow: boolean) =>
      run(
        testModel([rule({ smooth: 60, minSpread: { temp: 1 }, ...(follow ? { follow: { temp: '2m' } } : {}) })]),
        Array.from({ length: 1500 }, (_, i) => ({
          ts: T0 + i * 10 * SEC,
          metrics: { temp: 50 + (i > 300 ? (i - 300) * 0.017 : 0) + e() * 0.3, current: 100 + e() },
        })),
      ).findings.filter((f) => f.state === 'firing').length;
    expect(warm(true)).toBe(0);
    expect(warm(false)).toBeGreaterThan(0);
  });

  it('relearn clears a firing alarm and learns afresh; freeze stops the drift following', () => {
    const model = testModel([rule({ follow: { temp: '10m' } })]);
    const compiled = compileModel(model).rules.find((r) => r.id === 'joint') as CompiledLearned;
    const flat = () => 50;
    const { state } = run(model, pair(T0, 900, { breakAt: 700, offset: 12, level: flat }));
    expect(learned(state).firing).toBe(true);
    const cleared = applyBaselineCommand(compiled, learned(state), { op: 'relearn' }, T0 + 8000 * SEC);
    expect(cleared).toMatchObject({ ruleId: 'joint', state: 'cleared', kind: 'learned' });
    expect(learned(state).modes.all!.phase).toBe('learning');
    // After relearning on the new relation it is normal.
    const after = run(model, pair(T0 + 10_000 * SEC, 900, { offset: 12, breakAt: 0, seed: 4, level: flat }), 900, state);
    expect(after.findings).toEqual([]);
    expect(learned(after.state).modes.all!.phase).toBe('active');

    applyBaselineCommand(compiled, learned(after.state), { op: 'freeze' }, T0);
    const centre = [...learned(after.state).modes.all!.fit!.centre];
    const warm = run(model, pair(T0 + 20_000 * SEC, 50, { offset: 12, breakAt: 0, level: () => 50.5 }), 50, after.state);
    expect(learned(warm.state).modes.all!.fit!.centre).toEqual(centre);
    expect(learned(warm.state).modes.all!.frozen).toBe(true);
    void MIN;
  });
});
