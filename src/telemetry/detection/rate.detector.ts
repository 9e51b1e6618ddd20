/**
 * Rate of change: the least-squares slope (simple-statistics linearRegression) of the readings in
 * the trailing window, in metric units per second/minute/hour. A slope is more robust to noise
 * than the difference of two readings. Fires as soon as the slope passes the limit in the
 * configured direction; clears once it stays below half the limit for `clearFor`. Readings taken
 * while the running condition does not hold empty the window (start/stop transients are not
 * faults).
 *
 * Alarm hygiene: with `smooth` the slope is fitted to the rolling statistic of the metric (see
 * smoothing.ts); a `for` makes the slope stay past the limit that long before firing — every
 * sample, or `forShare` of them; `clearShare` below 1 clears when that share of the samples of the
 * trailing `clearFor` are below limit / 2 (see share-window.ts).
 */
import { linearRegression } from 'simple-statistics';
import { sampleEvidence, thinWindow } from './evidence.js';
import { observeShare, shareEvidence, shareReached } from './share-window.js';
import { initialSmoothState, smoothEvidence, smoothStep } from './smoothing.js';
import type { CompiledRate, Finding, RateState, ShareEvidence, StepContext } from './detection.types.js';

export function initialRateState(sig: string): RateState {
  return { kind: 'rate', sig, firing: false, runSince: null, buf: [], clearSince: null };
}

export function stepRate(rule: CompiledRate, state: RateState, ctx: StepContext): Finding | null {
  const { ts } = ctx;
  if (!ctx.running) {
    state.buf = [];
    state.clearSince = null;
    if (state.pendingSince != null) state.pendingSince = null;
    if (state.smooth) state.smooth = null;
    if (state.share) state.share = null;
    return null;
  }
  const value = rule.smooth ? smoothStep(rule.smooth, (state.smooth ??= initialSmoothState(ts)), ts, ctx.value) : ctx.value;
  if (value === null) return null; // the smoothing window is not filled yet
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
    if (rule.forShare !== undefined) {
      const forMs = rule.forMs ?? 0;
      const w = (state.share = observeShare(state.share, ts, directed > rule.limit, forMs, false));
      if (!shareReached(w, ts, forMs, rule.forShare) || ctx.suppressed()) return null;
      state.firing = true;
      state.clearSince = null;
      state.share = null;
      return finding(rule, state, 'firing', ts, slope, value, shareEvidence(w, rule.forShare, forMs));
    }
    if (rule.forMs !== undefined) {
      // Past the limit continuously for `for` (the original rule fires on the first such slope).
      if (directed <= rule.limit) {
        state.pendingSince = null;
        return null;
      }
      state.pendingSince ??= ts;
      if (ts - state.pendingSince < rule.forMs) return null;
    }
    if (directed <= rule.limit || ctx.suppressed()) return null;
    state.firing = true;
    state.clearSince = null;
    if (rule.forMs !== undefined) state.pendingSince = null;
    return finding(rule, state, 'firing', ts, slope, value);
  }
  if (rule.clearShare !== undefined) {
    const w = (state.share = observeShare(state.share, ts, directed < rule.limit / 2, rule.clearForMs, true));
    if (!shareReached(w, ts, rule.clearForMs, rule.clearShare)) return null;
    state.firing = false;
    state.share = null;
    return finding(rule, state, 'cleared', ts, slope, value, shareEvidence(w, rule.clearShare, rule.clearForMs));
  }
  if (directed >= rule.limit / 2) {
    state.clearSince = null;
    return null;
  }
  state.clearSince ??= ts;
  if (ts - state.clearSince < rule.clearForMs) return null;
  state.firing = false;
  state.clearSince = null;
  return finding(rule, state, 'cleared', ts, slope, value);
}

function finding(rule: CompiledRate, state: RateState, kind: 'firing' | 'cleared', ts: number, slope: number, value: number, share?: ShareEvidence): Finding {
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
      ...(rule.smooth && { smooth: smoothEvidence(rule.smooth, state.smooth, value) }),
      ...(share && { share }),
    },
  };
}
