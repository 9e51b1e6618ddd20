/**
 * The steady check behind "looks like the new normal" (steady.ts) through `evaluate`, on an
 * anomaly rule (the learned kind is covered end to end in test/baselines/new-normal.test.ts):
 * a persisting step is reported steady once, after one window, since the start of the steady
 * stretch; a still-rising fault and an intermittent one are not; an unsteady stretch takes the
 * mark back; micro-batches through JSON give the same marks; `newNormal: false` reports nothing.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/telemetry/detection/detection.engine.js';
import type { AssetDetectionState, Reading } from '../../src/telemetry/detection/detection.types.js';
import type { NewNormalChange } from '../../src/telemetry/detection/steady.js';
import { HOUR, MIN, SEC, T0, noise, series, testModel } from './detection-fixtures.js';

const rule = (newNormal: unknown = { after: '30m', drift: 0.1, variation: 0.3 }) => ({
  id: 'level-step',
  kind: 'anomaly',
  fault: 'JUMP',
  metric: 'level',
  direction: 'rise',
  z: 6,
  warmupSamples: 30,
  warmup: '10m',
  newNormal,
});

const STEP = 10 * SEC;
const RAISE = T0 + HOUR;
/** An hour at 10 ± 0.5, then `after(t)` from RAISE on. */
function readings(after: (t: number) => number, until = RAISE + 3 * HOUR): Reading[] {
  const n = noise(7, 0.5);
  return series('level', T0, until, STEP, (t) => (t < RAISE ? 10 : after(t)) + n());
}

/** Every mark the batches report, evaluated in 10-minute micro-batches through JSON like the worker. */
function marks(model: ReturnType<typeof testModel>, all: Reading[]): { changes: NewNormalChange[]; firingAt: number | undefined } {
  let state: AssetDetectionState | null = null;
  const changes: NewNormalChange[] = [];
  let firingAt: number | undefined;
  for (let i = 0; i < all.length; i += 60) {
    const result = evaluate(model, state, all.slice(i, i + 60));
    state = JSON.parse(JSON.stringify(result.state)) as AssetDetectionState;
    changes.push(...result.newNormal);
    firingAt ??= result.findings.find((f) => f.state === 'firing')?.at;
  }
  return { changes, firingAt };
}

describe('new normal (steady check)', () => {
  it('a step that persists is marked once, one window after it settled, since the start of the steady stretch', () => {
    const { changes, firingAt } = marks(
      testModel([rule()]),
      readings(() => 30),
    );
    expect(firingAt).toBe(RAISE);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.ruleId).toBe('level-step');
    expect(changes[0]!.since).toBe(RAISE + STEP);
    // Reported with the batch that closed the first 30-minute block (batches of 10 minutes).
    expect(changes[0]!.at).toBeGreaterThanOrEqual(RAISE + 30 * MIN);
    expect(changes[0]!.at).toBeLessThan(RAISE + 50 * MIN);
  });

  it('a fault still worsening, and an intermittent one, are never marked', () => {
    const rising = marks(
      testModel([rule()]),
      readings((t) => 30 + (t - RAISE) / MIN / 3),
    );
    expect(rising.firingAt).toBe(RAISE);
    expect(rising.changes).toEqual([]);
    // On for 5 minutes, back near normal for 5 (the baseline is frozen while firing: it stays raised).
    const intermittent = marks(
      testModel([rule()]),
      readings((t) => (Math.floor((t - RAISE) / (5 * MIN)) % 2 === 0 ? 40 : 14)),
    );
    expect(intermittent.firingAt).toBe(RAISE);
    expect(intermittent.changes).toEqual([]);
  });

  it('a steady stretch that starts to climb again loses the mark; newNormal: false reports nothing', () => {
    const climbFrom = RAISE + 90 * MIN;
    const values = readings((t) => (t < climbFrom ? 30 : 30 + (t - climbFrom) / MIN / 2));
    const { changes } = marks(testModel([rule()]), values);
    expect(changes.map((c) => c.since === null)).toEqual([false, true]);
    expect(changes[1]!.at).toBeGreaterThan(climbFrom);
    expect(
      marks(
        testModel([rule(false)]),
        readings(() => 30),
      ).changes,
    ).toEqual([]);
  });
});
