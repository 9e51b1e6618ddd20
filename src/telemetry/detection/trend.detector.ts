/**
 * Predictive trend: readings (while running) are aggregated into buckets (`bucket`, mean/max/min);
 * each time a bucket closes, a least-squares fit over the buckets of the trailing `window`
 * (line + 24 h harmonic by default, see trend-fit.ts) is projected to the limit. The rule fires
 * when the slope points at the limit, the fit explains enough (r² ≥ minR2, ≥ minBuckets buckets)
 * and the projected time until the daily peak (or trough) reaches the limit is within `horizon`;
 * the finding carries the projected failure time. It clears when the projection moves beyond
 * horizon × clearFactor (or the slope turns away). Evaluating once per bucket keeps the cost low.
 */
import { sampleEvidence } from './evidence.js';
import { fitLine, fitLineWithDailyCycle, type TrendFit } from './trend-fit.js';
import type { CompiledTrend, Finding, StepContext, TrendState } from './detection.types.js';

const DAY_MS = 86_400_000;

export function initialTrendState(sig: string): TrendState {
  return { kind: 'trend', sig, firing: false, runSince: null, buckets: [], open: null };
}

export interface TrendProjection {
  fit: TrendFit;
  /** Days until the projected peak/trough reaches the limit (0 if already there; Infinity if moving away). */
  daysToLimit: number;
  projectedFailureAt: number | null;
}

export function stepTrend(rule: CompiledTrend, state: TrendState, ctx: StepContext): Finding | null {
  if (!ctx.running) return null;
  const { ts, value } = ctx;
  const start = Math.floor(ts / rule.bucketMs) * rule.bucketMs;
  let result: Finding | null = null;
  if (state.open && state.open.start !== start) {
    closeBucket(rule, state, ts);
    result = judge(rule, state, ts, ctx.suppressed, ctx.score);
  }
  state.open ??= { start, sum: 0, count: 0, max: -Infinity, min: Infinity };
  state.open.sum += value;
  state.open.count += 1;
  state.open.max = Math.max(state.open.max, value);
  state.open.min = Math.min(state.open.min, value);
  return result;
}

function closeBucket(rule: CompiledTrend, state: TrendState, ts: number): void {
  const open = state.open!;
  const agg = rule.aggregate === 'max' ? open.max : rule.aggregate === 'min' ? open.min : open.sum / open.count;
  state.buckets.push([open.start + rule.bucketMs / 2, agg]);
  state.open = null;
  const from = ts - rule.windowMs;
  let drop = 0;
  while (drop < state.buckets.length && state.buckets[drop]![0] < from) drop++;
  if (drop > 0) state.buckets.splice(0, drop);
}

/** Fits the buckets and projects to the limit as seen at time `ts` (exported for tests and the API). */
/** History a fit with a daily cycle needs before it is trusted. */
const MIN_CYCLE_SPAN_MS = 2 * DAY_MS;

export function projectTrend(rule: CompiledTrend, buckets: readonly [number, number][], ts: number): TrendProjection | null {
  if (buckets.length < rule.minBuckets) return null;
  // A daily cycle cannot be told from a slope on less than two days of history (a healthy
  // compressor's afternoon load rise looked like a leak at day 1): judge once the buckets span
  // two days, or the whole window if it is shorter.
  const span = buckets[buckets.length - 1]![0] - buckets[0]![0] + rule.bucketMs;
  if (rule.dailyCycle && span < Math.min(rule.windowMs, MIN_CYCLE_SPAN_MS)) return null;
  const origin = Math.floor(buckets[0]![0] / DAY_MS) * DAY_MS;
  const xs = buckets.map(([t]) => (t - origin) / DAY_MS);
  const ys = buckets.map(([, v]) => v);
  const fit = rule.dailyCycle ? fitLineWithDailyCycle(xs, ys) : fitLine(xs, ys);
  if (!fit) return null;
  const above = rule.above !== undefined;
  const limit = (above ? rule.above : rule.below)!;
  const xNow = (ts - origin) / DAY_MS;
  const edge = above ? fit.a + fit.amplitude : fit.a - fit.amplitude;
  const towards = above ? fit.b > 0 : fit.b < 0;
  const levelNow = edge + fit.b * xNow;
  const reached = above ? levelNow >= limit : levelNow <= limit;
  if (!towards) return { fit, daysToLimit: reached ? 0 : Infinity, projectedFailureAt: reached ? ts : null };
  const daysToLimit = Math.max(0, (limit - edge) / fit.b - xNow);
  return { fit, daysToLimit, projectedFailureAt: ts + daysToLimit * DAY_MS };
}

function judge(rule: CompiledTrend, state: TrendState, ts: number, suppressed: () => boolean, score?: (s: number) => void): Finding | null {
  const projection = projectTrend(rule, state.buckets, ts);
  if (!projection) return null;
  score?.(projection.daysToLimit * 24);
  const horizonDays = rule.horizonMs / DAY_MS;
  if (!state.firing) {
    if (projection.fit.r2 < rule.minR2 || projection.daysToLimit > horizonDays || suppressed()) return null;
    state.firing = true;
    return finding(rule, state, 'firing', ts, projection);
  }
  if (projection.daysToLimit <= horizonDays * rule.clearFactor) return null;
  state.firing = false;
  return finding(rule, state, 'cleared', ts, projection);
}

function finding(rule: CompiledTrend, state: TrendState, kind: 'firing' | 'cleared', ts: number, p: TrendProjection): Finding {
  return {
    ruleId: rule.id,
    faultCode: rule.fault,
    kind: 'trend',
    state: kind,
    at: ts,
    evidence: {
      metric: rule.metric,
      values: sampleEvidence(state.buckets),
      window: { from: state.buckets[0]![0] - rule.bucketMs / 2, to: ts },
      threshold: (rule.above ?? rule.below)!,
      ...(p.projectedFailureAt !== null && Number.isFinite(p.projectedFailureAt) ? { projectedFailureAt: Math.round(p.projectedFailureAt) } : {}),
      slopePerDay: p.fit.b,
      r2: p.fit.r2,
    },
  };
}
