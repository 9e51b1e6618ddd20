/**
 * Threshold with a minimum duration and hysteresis. Fires when the value stays past the limit
 * continuously for `for` (measured on the readings' own timestamps); clears only when it is back
 * past limit ∓ hysteresis continuously for `clearFor`. Readings taken while the running condition
 * does not hold neither fire nor clear: a pending violation restarts, a firing one holds. A gap
 * between readings longer than `maxGap` breaks continuity (we cannot know what happened in it).
 */
import { pushBounded, sampleEvidence, since } from './evidence.js';
import type { CompiledThreshold, Finding, StepContext, ThresholdState } from './detection.types.js';

export function initialThresholdState(sig: string): ThresholdState {
  return { kind: 'threshold', sig, firing: false, runSince: null, pendingSince: null, clearSince: null, lastTs: null, recent: [] };
}

export function stepThreshold(rule: CompiledThreshold, state: ThresholdState, ctx: StepContext): Finding | null {
  const { ts, value } = ctx;
  if (!ctx.running) {
    state.pendingSince = null;
    state.clearSince = null;
    return null;
  }
  if (state.lastTs !== null && ts - state.lastTs > rule.maxGapMs) {
    state.pendingSince = null;
    state.clearSince = null;
  }
  state.lastTs = ts;
  ctx.score?.(value);
  pushBounded(state.recent, [ts, value]);
  const above = rule.above !== undefined;
  const limit = (above ? rule.above : rule.below)!;
  const violating = above ? value > limit : value < limit;
  if (!state.firing) {
    state.clearSince = null;
    if (!violating) {
      state.pendingSince = null;
      return null;
    }
    state.pendingSince ??= ts;
    if (ts - state.pendingSince < rule.forMs || ctx.suppressed()) return null;
    state.firing = true;
    return finding(rule, state, 'firing', ts, state.pendingSince, limit);
  }
  const back = above ? value <= limit - rule.hysteresis : value >= limit + rule.hysteresis;
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
  return finding(rule, state, 'cleared', ts, from, above ? limit - rule.hysteresis : limit + rule.hysteresis);
}

function finding(rule: CompiledThreshold, state: ThresholdState, kind: 'firing' | 'cleared', ts: number, from: number, threshold: number): Finding {
  return {
    ruleId: rule.id,
    faultCode: rule.fault,
    kind: 'threshold',
    state: kind,
    at: ts,
    evidence: { metric: rule.metric, values: sampleEvidence(since(state.recent, from)), window: { from, to: ts }, threshold },
  };
}
