/**
 * Threshold with a minimum duration and hysteresis. Fires when the value stays past the limit
 * continuously for `for` (measured on the readings' own timestamps); clears only when it is back
 * past limit ∓ hysteresis continuously for `clearFor`. Readings taken while the running condition
 * does not hold neither fire nor clear: a pending violation restarts, a firing one holds. A gap
 * between readings longer than `maxGap` breaks continuity (we cannot know what happened in it).
 *
 * Alarm hygiene: with `smooth` the value judged is the rolling statistic of the metric (see
 * smoothing.ts); with `forShare` / `clearShare` below 1, "continuously" becomes "that share of the
 * samples of the trailing window" (see share-window.ts). Without them the code path is the
 * original one.
 */
import { pushBounded, sampleEvidence, since } from './evidence.js';
import { observeShare, shareEvidence, shareReached } from './share-window.js';
import { initialSmoothState, smoothEvidence, smoothStep } from './smoothing.js';
import type { CompiledThreshold, Finding, ShareEvidence, StepContext, ThresholdState } from './detection.types.js';

export function initialThresholdState(sig: string): ThresholdState {
  return { kind: 'threshold', sig, firing: false, runSince: null, pendingSince: null, clearSince: null, lastTs: null, recent: [] };
}

export function stepThreshold(rule: CompiledThreshold, state: ThresholdState, ctx: StepContext): Finding | null {
  const { ts } = ctx;
  if (!ctx.running) {
    state.pendingSince = null;
    state.clearSince = null;
    // A stopped machine's values are not part of its running statistic or share.
    if (state.smooth) state.smooth = null;
    if (state.share) state.share = null;
    return null;
  }
  if (state.lastTs !== null && ts - state.lastTs > rule.maxGapMs) {
    state.pendingSince = null;
    state.clearSince = null;
    if (state.share) state.share = null;
  }
  state.lastTs = ts;
  const value = rule.smooth ? smoothStep(rule.smooth, (state.smooth ??= initialSmoothState(ts)), ts, ctx.value) : ctx.value;
  if (value === null) return null; // the smoothing window is not filled yet
  ctx.score?.(value);
  pushBounded(state.recent, [ts, value]);
  const above = rule.above !== undefined;
  const limit = (above ? rule.above : rule.below)!;
  const violating = above ? value > limit : value < limit;
  if (!state.firing) {
    state.clearSince = null;
    if (rule.forShare !== undefined) {
      const w = (state.share = observeShare(state.share, ts, violating, rule.forMs, false));
      if (!shareReached(w, ts, rule.forMs, rule.forShare) || ctx.suppressed()) return null;
      state.firing = true;
      state.share = null;
      return finding(rule, state, 'firing', ts, w.slots[0]![0], limit, value, shareEvidence(w, rule.forShare, rule.forMs));
    }
    if (!violating) {
      state.pendingSince = null;
      return null;
    }
    state.pendingSince ??= ts;
    if (ts - state.pendingSince < rule.forMs || ctx.suppressed()) return null;
    state.firing = true;
    return finding(rule, state, 'firing', ts, state.pendingSince, limit, value);
  }
  const back = above ? value <= limit - rule.hysteresis : value >= limit + rule.hysteresis;
  const clearLimit = above ? limit - rule.hysteresis : limit + rule.hysteresis;
  if (rule.clearShare !== undefined) {
    const w = (state.share = observeShare(state.share, ts, back, rule.clearForMs, true));
    if (!shareReached(w, ts, rule.clearForMs, rule.clearShare)) return null;
    state.firing = false;
    state.pendingSince = null;
    state.share = null;
    return finding(rule, state, 'cleared', ts, w.slots[0]![0], clearLimit, value, shareEvidence(w, rule.clearShare, rule.clearForMs));
  }
  if (!back) {
    state.clearSince = null;
    return null;
  }
  state.clearSince ??= ts;
  if (ts - state.clearSince < rule.clearForMs) return null;
  const from = state.clearSince;
  state.firing = false;
  state.pendingSince = null;
  state.clearSince = null;
  return finding(rule, state, 'cleared', ts, from, clearLimit, value);
}

function finding(
  rule: CompiledThreshold,
  state: ThresholdState,
  kind: 'firing' | 'cleared',
  ts: number,
  from: number,
  threshold: number,
  value: number,
  share?: ShareEvidence,
): Finding {
  return {
    ruleId: rule.id,
    faultCode: rule.fault,
    kind: 'threshold',
    state: kind,
    at: ts,
    evidence: {
      metric: rule.metric,
      values: sampleEvidence(since(state.recent, from)),
      window: { from, to: ts },
      threshold,
      ...(rule.smooth && { smooth: smoothEvidence(rule.smooth, state.smooth, value) }),
      ...(share && { share }),
    },
  };
}
