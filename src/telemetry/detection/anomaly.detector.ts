/**
 * Anomaly against the asset's own baseline: a rolling robust z-score,
 *   z = (value − median) / max(1.4826 · MAD, minSpread)
 * with median and MAD (simple-statistics) over the trailing `window` of the asset's NORMAL readings.
 *
 * - Warm-up: nothing is judged before the baseline holds `warmupSamples` readings spanning `warmup`.
 * - Outliers (|z| ≥ z) never enter the baseline, and nothing does while the rule fires, so a
 *   persistent step (a broken coupling) keeps firing instead of becoming the new normal (the
 *   window is not pruned while firing, so the frozen baseline stays intact).
 * - Daily cycle: the window is short next to the day. A cycle of amplitude A moves at most
 *   A·2π/24 h⁻¹, so over a 1 h window the median lags the current value by at most ≈ 0.13·A and
 *   the MAD widens by the same order: a cycle has to be ~40× the z-limit's worth of noise before
 *   it alone could fire. Slow drifts (degradations) are followed by the baseline in the same way —
 *   they are the trend detector's job, not this one's.
 * - The baseline (median, MAD) is refreshed at most every `window / 12` of reading time, which
 *   keeps the cost per reading constant while staying current.
 * - Alarm hygiene: with `smooth` the detector sees the rolling statistic of the metric instead of
 *   each raw value — the baseline is learned from it and z measured on it (the spread of a
 *   smoothed series is smaller, so both must be the same series). With `forShare` / `clearShare`
 *   below 1, "anomalous for `for`" / "normal for `clearFor`" need only that share of the trailing
 *   window's samples (see share-window.ts).
 */
import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { pushBounded, sampleEvidence, since, thinWindow } from './evidence.js';
import { observeShare, shareEvidence, shareReached } from './share-window.js';
import { initialSmoothState, smoothEvidence, smoothStep } from './smoothing.js';
import { startSteady, stepSteady } from './steady.js';
import type { AnomalyState, CompiledAnomaly, Finding, ShareEvidence, StepContext } from './detection.types.js';

/** MAD → standard deviation for normally distributed noise. */
const MAD_TO_SD = 1.4826;

export function initialAnomalyState(sig: string): AnomalyState {
  return { kind: 'anomaly', sig, firing: false, runSince: null, buf: [], baseline: null, pendingSince: null, clearSince: null, recent: [] };
}

export function stepAnomaly(rule: CompiledAnomaly, state: AnomalyState, ctx: StepContext): Finding | null {
  const { ts } = ctx;
  if (!ctx.running) {
    state.pendingSince = null;
    state.clearSince = null;
    if (state.smooth) state.smooth = null;
    if (state.share) state.share = null;
    return null;
  }
  const value = rule.smooth ? smoothStep(rule.smooth, (state.smooth ??= initialSmoothState(ts)), ts, ctx.value) : ctx.value;
  if (value === null) return null; // the smoothing window is not filled yet
  const baseline = refreshBaseline(rule, state, ts);
  if (!baseline?.warm) {
    admit(rule, state, ts, value);
    return null;
  }
  const z = (value - baseline.median) / baseline.spread;
  const directed = rule.direction === 'rise' ? z : rule.direction === 'fall' ? -z : Math.abs(z);
  ctx.score?.(z);
  pushBounded(state.recent, [ts, value]);
  if (!state.firing) {
    state.clearSince = null;
    if (Math.abs(z) < rule.z) admit(rule, state, ts, value);
    if (rule.forShare !== undefined) {
      const w = (state.share = observeShare(state.share, ts, directed >= rule.z, rule.forMs, false));
      if (!shareReached(w, ts, rule.forMs, rule.forShare) || ctx.suppressed()) return null;
      state.firing = true;
      state.share = null;
      return finding(rule, state, 'firing', ts, w.slots[0]![0], z, value, shareEvidence(w, rule.forShare, rule.forMs));
    }
    if (directed < rule.z) {
      state.pendingSince = null;
      return null;
    }
    state.pendingSince ??= ts;
    if (ts - state.pendingSince < rule.forMs || ctx.suppressed()) return null;
    state.firing = true;
    return finding(rule, state, 'firing', ts, state.pendingSince, z, value);
  }
  if (rule.newNormal) stepSteady(rule.newNormal, (state.steady ??= startSteady(ts)), ts, directed);
  if (rule.clearShare !== undefined) {
    const w = (state.share = observeShare(state.share, ts, directed < rule.clearZ, rule.clearForMs, true));
    if (!shareReached(w, ts, rule.clearForMs, rule.clearShare)) return null;
    state.firing = false;
    state.pendingSince = null;
    state.share = null;
    state.steady = null;
    return finding(rule, state, 'cleared', ts, w.slots[0]![0], z, value, shareEvidence(w, rule.clearShare, rule.clearForMs));
  }
  if (directed >= rule.clearZ) {
    state.clearSince = null;
    return null;
  }
  state.clearSince ??= ts;
  if (ts - state.clearSince < rule.clearForMs) return null;
  const from = state.clearSince;
  state.firing = false;
  state.clearSince = null;
  state.pendingSince = null;
  state.steady = null;
  return finding(rule, state, 'cleared', ts, from, z, value);
}

function admit(rule: CompiledAnomaly, state: AnomalyState, ts: number, value: number): void {
  state.buf.push([ts, value]);
  prune(rule, state, ts);
  thinWindow(state.buf);
}

/** Drops baseline samples older than the window (never while firing: the baseline is frozen then). */
function prune(rule: CompiledAnomaly, state: AnomalyState, ts: number): void {
  const from = ts - rule.windowMs;
  // shift(), not splice(0, n): V8 trims an array's head in place on shift, while splice copies
  // the whole window (this ran for every reading and was an eighth of the engine's time).
  const buf = state.buf;
  while (buf.length > 0 && buf[0]![0] < from) buf.shift();
}

function refreshBaseline(rule: CompiledAnomaly, state: AnomalyState, ts: number): AnomalyState['baseline'] {
  const current = state.baseline;
  if (current && current.warm && ts - current.at < rule.windowMs / 12) return current;
  if (state.firing && current) return current;
  prune(rule, state, ts);
  const n = state.buf.length;
  const span = n > 0 ? state.buf[n - 1]![0] - state.buf[0]![0] : 0;
  const warm = n >= rule.warmupSamples && span >= rule.warmupMs;
  if (!warm) {
    state.baseline = null;
    return null;
  }
  const values = state.buf.map(([, v]) => v);
  const spread = Math.max(MAD_TO_SD * medianAbsoluteDeviation(values), rule.minSpread, 1e-9);
  state.baseline = { median: median(values), spread, at: ts, warm };
  return state.baseline;
}

function finding(
  rule: CompiledAnomaly,
  state: AnomalyState,
  kind: 'firing' | 'cleared',
  ts: number,
  from: number,
  z: number,
  value: number,
  share?: ShareEvidence,
): Finding {
  const { median: m, spread } = state.baseline!;
  return {
    ruleId: rule.id,
    faultCode: rule.fault,
    kind: 'anomaly',
    state: kind,
    at: ts,
    evidence: {
      metric: rule.metric,
      values: sampleEvidence(since(state.recent, from)),
      window: { from: Math.min(from, state.buf[0]?.[0] ?? from), to: ts },
      threshold: kind === 'firing' ? rule.z : rule.clearZ,
      z,
      baseline: { median: m, spread },
      ...(rule.smooth && { smooth: smoothEvidence(rule.smooth, state.smooth, value) }),
      ...(share && { share }),
    },
  };
}

/**
 * Accepting the current behaviour as normal: the baseline window starts afresh (warm-up again,
 * from the next readings). A firing rule clears; the caller gets that cleared finding.
 */
export function resetAnomaly(rule: CompiledAnomaly, state: AnomalyState, ts: number): Finding | null {
  const firing = state.firing;
  state.buf = [];
  state.baseline = null;
  state.pendingSince = null;
  state.clearSince = null;
  state.recent = [];
  state.firing = false;
  state.steady = null;
  if (!firing) return null;
  return {
    ruleId: rule.id,
    faultCode: rule.fault,
    kind: 'anomaly',
    state: 'cleared',
    at: ts,
    evidence: { metric: rule.metric, values: [], window: { from: ts, to: ts }, message: 'baseline reset: the current behaviour is learnt as normal' },
  };
}
