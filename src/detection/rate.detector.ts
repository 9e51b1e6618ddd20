/**
 * Rate of change: the least-squares slope (simple-statistics linearRegression) of the readings in
 * the trailing window, in metric units per second/minute/hour. A slope is more robust to noise
 * than the difference of two readings. Fires as soon as the slope passes the limit in the
 * configured direction; clears once it stays below half the limit for `clearFor`. Readings taken
 * while the running condition does not hold empty the window (start/stop transients are not
 * faults).
 */
import { linearRegression } from 'simple-statistics';
import { sampleEvidence, thinWindow } from './evidence.js';
import type { CompiledRate, Finding, RateState, StepContext } from './detection.types.js';

export function initialRateState(sig: string): RateState {
  return { kind: 'rate', sig, firing: false, runSince: null, buf: [], clearSince: null };
}

export function stepRate(rule: CompiledRate, state: RateState, ctx: StepContext): Finding | null {
  const { ts, value } = ctx;
  if (!ctx.running) {
    state.buf = [];
    state.clearSince = null;
    return null;
  }
  state.buf.push([ts, value]);
  const from = ts - rule.windowMs;
  while (state.buf.length > 0 && state.buf[0]![0] < from) state.buf.shift();
  thinWindow(state.buf);
  if (state.buf.length < rule.minSamples || ts - state.buf[0]![0] < rule.windowMs / 2) return null;
  const t0 = state.buf[0]![0];
  const slope = linearRegression(state.buf.map(([t, v]) => [(t - t0) / rule.perMs, v])).m;
  const directed = rule.direction === 'rise' ? slope : rule.direction === 'fall' ? -slope : Math.abs(slope);
  ctx.score?.(slope);
  if (!state.firing) {
    if (directed <= rule.limit || ctx.suppressed()) return null;
    state.firing = true;
    state.clearSince = null;
    return finding(rule, state, 'firing', ts, slope);
  }
  if (directed >= rule.limit / 2) {
    state.clearSince = null;
    return null;
  }
  state.clearSince ??= ts;
  if (ts - state.clearSince < rule.clearForMs) return null;
  state.firing = false;
  state.clearSince = null;
  return finding(rule, state, 'cleared', ts, slope);
}

function finding(rule: CompiledRate, state: RateState, kind: 'firing' | 'cleared', ts: number, slope: number): Finding {
  return {
    ruleId: rule.id,
    faultCode: rule.fault,
    kind: 'rate',
    state: kind,
    at: ts,
    evidence: {
      metric: rule.metric,
      values: sampleEvidence(state.buf),
      window: { from: state.buf[0]![0], to: ts },
      threshold: rule.limit,
      rate: slope,
    },
  };
}
