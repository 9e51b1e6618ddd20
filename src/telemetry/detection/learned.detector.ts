/**
 * A baseline learned from the asset's own data (kind `learned`): several metrics judged together,
 * per operating mode.
 *
 * Lifecycle of each mode's baseline: `learning` (the first `trainSamples` readings spanning at
 * least `trainSpan`, taken while the running condition holds, are kept) → `active` (fitted once,
 * see baseline-fit.ts; every reading is scored) → optionally `frozen` (scored, never adapted).
 * A relearn (on request, or after a repair) starts the learning again; so does accepting a
 * firing alarm's condition as the asset's new normal.
 *
 * Judging: the squared Mahalanobis distance of the reading, optionally averaged over the trailing
 * `smooth` span (noisy 1 Hz sensors), against the limit learned from the training readings. It
 * fires after `for` above the limit and clears after `clearFor` below it.
 *
 * Slow drift: metrics listed in `follow` (temperatures of a machine warming up, a fluid loop
 * heating) have their centre follow the readings with the given time constant, on reading time,
 * even while firing: a slow warm-up is not a fault, a jump still is (it stays unusual for about
 * one time constant). Other metrics keep the learned centre: a broken coupling keeps firing.
 *
 * Readings carry some or all of the metrics; each reading is judged with the other metrics'
 * latest values while they are no older than `maxAge` (metrics sampled at different rates).
 */
import { contributions, fitBaseline, scoreReading } from './baseline-fit.js';
import { pushBounded, sampleEvidence, since, thinWindow } from './evidence.js';
import { initialSmoothState, smoothStep } from './smoothing.js';
import { startSteady, stepSteady } from './steady.js';
import type { CompiledLearned, Contribution, Finding, LearnedBaseline, LearnedState } from './detection.types.js';

/** Name of the single baseline of a rule without operating modes. */
export const ALL_MODES = 'all';
/** Contributions carried as evidence. */
const MAX_CONTRIBUTIONS = 5;

export interface LearnedContext {
  ts: number;
  /** The rule's metrics (its order), or null when one of them has no recent value. */
  values: number[] | null;
  /** The operating mode's metric value (rules with modes). */
  modeValue: number | undefined;
  running: boolean;
  suppressed: () => boolean;
  /** Receives the judged (smoothed) score of each reading. */
  score?: ((score: number, firing: boolean) => void) | undefined;
}

/**
 * A command on the baselines of one rule (all modes, or one). `auto`: sent by the platform (a
 * relearn after a repair), not by a person: frozen baselines are left alone.
 */
export interface BaselineCommand {
  op: 'relearn' | 'freeze' | 'unfreeze';
  mode?: string | undefined;
  auto?: boolean | undefined;
}

export function initialLearnedState(sig: string): LearnedState {
  return { kind: 'learned', sig, firing: false, runSince: null, modes: {}, lastTs: null, scores: null, pendingSince: null, clearSince: null, recent: [] };
}

function newBaseline(): LearnedBaseline {
  return { phase: 'learning', frozen: false, train: [], trainFrom: null, trainTo: null, fit: null };
}

/** The mode a value falls in: the number of edges at or below it (0 … edges.length). */
export function modeOf(rule: CompiledLearned, value: number | undefined): string | null {
  if (!rule.mode) return ALL_MODES;
  if (value === undefined) return null;
  let bin = 0;
  for (const edge of rule.mode.edges) if (value >= edge) bin++;
  return String(bin);
}

export function stepLearned(rule: CompiledLearned, state: LearnedState, ctx: LearnedContext): Finding | null {
  const { ts, values } = ctx;
  if (!ctx.running) {
    state.pendingSince = null;
    state.clearSince = null;
    return null;
  }
  if (!values) return null;
  const mode = modeOf(rule, ctx.modeValue);
  if (mode === null) return null;
  const baseline = (state.modes[mode] ??= newBaseline());
  const gap = state.lastTs === null ? 0 : Math.min(Math.max(ts - state.lastTs, 0), rule.maxAgeMs);
  state.lastTs = ts;
  if (baseline.phase === 'learning') {
    learn(rule, baseline, ts, values);
    return null;
  }
  const fit = baseline.fit!;
  const raw = scoreReading(fit, fit.centre, values);
  const score = smoothed(rule, state, ts, raw);
  if (!baseline.frozen) follow(rule, fit.centre, values, gap);
  pushBounded(state.recent, [ts, score]);
  const over = score > fit.limit;
  let result: Finding | null = null;
  if (!state.firing) {
    state.clearSince = null;
    if (!over) state.pendingSince = null;
    else {
      state.pendingSince ??= ts;
      if (ts - state.pendingSince >= rule.forMs && !ctx.suppressed()) {
        state.firing = true;
        result = finding(rule, state, baseline, mode, 'firing', ts, state.pendingSince, score, values);
      }
    }
  } else {
    if (over) state.clearSince = null;
    else {
      state.clearSince ??= ts;
      if (ts - state.clearSince >= rule.clearForMs) {
        const from = state.clearSince;
        state.firing = false;
        state.clearSince = null;
        state.pendingSince = null;
        state.steady = null;
        result = finding(rule, state, baseline, mode, 'cleared', ts, from, score, values);
      }
    }
    if (state.firing && rule.newNormal) stepSteady(rule.newNormal, (state.steady ??= startSteady(ts)), ts, score);
  }
  ctx.score?.(score, state.firing);
  return result;
}

function learn(rule: CompiledLearned, baseline: LearnedBaseline, ts: number, values: number[]): void {
  baseline.train.push(values);
  baseline.trainFrom ??= ts;
  baseline.trainTo = ts;
  const span = ts - baseline.trainFrom;
  if (baseline.train.length < rule.trainSamples) return;
  if (span < rule.trainSpanMs) {
    // Enough readings but not yet the span: keep every other one and go on learning, so the
    // baseline covers the whole span at a bounded size.
    const points = baseline.train.map((row, i) => [i, i] as [number, number]);
    thinWindow(points, Math.floor(rule.trainSamples / 2));
    baseline.train = points.map(([i]) => baseline.train[i]!);
    return;
  }
  const fit = fitBaseline(baseline.train, {
    shrinkage: rule.shrinkage,
    trim: rule.trim,
    quantile: rule.quantile,
    factor: rule.factor,
    threshold: rule.threshold,
    minSpread: rule.minSpread,
  });
  baseline.fit = {
    centre: followedCentre(rule, baseline.train, fit.centre, ts - baseline.trainFrom),
    learnedCentre: fit.centre,
    spread: fit.spread,
    basis: fit.basis,
    eigen: fit.eigen,
    limit: fit.limit,
    samples: baseline.train.length,
    trainedFrom: baseline.trainFrom,
    trainedTo: ts,
  };
  baseline.train = [];
  baseline.phase = 'active';
}

/**
 * Where a followed metric's centre stands at the end of the training: the same exponential
 * following run over the training readings (taken as evenly spaced), not their median — a machine
 * still warming up while it learns is judged from its current level on.
 */
function followedCentre(rule: CompiledLearned, train: readonly number[][], learned: readonly number[], spanMs: number): number[] {
  const gap = train.length > 1 ? spanMs / (train.length - 1) : 0;
  return learned.map((centre, j) => {
    const tau = rule.followMs[j]!;
    if (tau <= 0 || gap <= 0) return centre;
    const alpha = 1 - Math.exp(-gap / tau);
    let c = train[0]![j]!;
    for (const row of train) c += (row[j]! - c) * alpha;
    return c;
  });
}

/**
 * Mean score over the trailing smoothing span (the reading's own score without one). Until the
 * span has been observed whole, the mean of the scores so far.
 */
function smoothed(rule: CompiledLearned, state: LearnedState, ts: number, raw: number): number {
  if (!rule.smoothScore) return raw;
  const window = (state.scores ??= initialSmoothState(ts));
  return smoothStep(rule.smoothScore, window, ts, raw) ?? window.sum / window.count;
}

function follow(rule: CompiledLearned, centre: number[], values: readonly number[], gapMs: number): void {
  if (gapMs <= 0) return;
  for (let j = 0; j < centre.length; j++) {
    const tau = rule.followMs[j]!;
    if (tau > 0) centre[j]! += (values[j]! - centre[j]!) * (1 - Math.exp(-gapMs / tau));
  }
}

/** The metrics behind a score, largest contribution first. */
export function explain(rule: CompiledLearned, fit: NonNullable<LearnedBaseline['fit']>, values: readonly number[]): Contribution[] {
  const parts = contributions(fit, fit.centre, values);
  const total = parts.reduce((s, p) => s + p, 0);
  if (!(total > 0)) return [];
  return parts
    .map((part, j) => ({ metric: rule.metrics[j]!, share: part / total, value: values[j]!, expected: fit.centre[j]! }))
    .filter((c) => c.share > 0)
    .sort((a, b) => b.share - a.share)
    .slice(0, MAX_CONTRIBUTIONS);
}

function finding(
  rule: CompiledLearned,
  state: LearnedState,
  baseline: LearnedBaseline,
  mode: string,
  kind: 'firing' | 'cleared',
  ts: number,
  from: number,
  score: number,
  values: readonly number[],
): Finding {
  const fit = baseline.fit!;
  const explained = explain(rule, fit, values);
  return {
    ruleId: rule.id,
    faultCode: rule.fault,
    kind: 'learned',
    state: kind,
    at: ts,
    evidence: {
      ...(explained[0] ? { metric: explained[0].metric } : {}),
      values: sampleEvidence(since(state.recent, from)),
      window: { from, to: ts },
      threshold: fit.limit,
      score,
      ...(rule.mode ? { mode } : {}),
      contributions: explained,
    },
  };
}

/**
 * Applies a baseline command. Relearning clears a firing alarm (its baseline is gone); the
 * caller gets that cleared finding. A frozen baseline is relearnt only on an explicit request:
 * an automatic relearn (`auto`) skips it, and does nothing when every target is frozen.
 */
export function applyBaselineCommand(rule: CompiledLearned, state: LearnedState, command: BaselineCommand, ts: number): Finding | null {
  const targets = command.mode === undefined ? Object.keys(state.modes) : [command.mode];
  let relearnt = 0;
  for (const mode of targets) {
    if (command.op === 'relearn' && command.auto && state.modes[mode]?.frozen) continue;
    const baseline = (state.modes[mode] ??= newBaseline());
    if (command.op === 'freeze') baseline.frozen = true;
    else if (command.op === 'unfreeze') baseline.frozen = false;
    else {
      state.modes[mode] = newBaseline();
      relearnt++;
    }
  }
  if (command.op !== 'relearn' || (command.auto && relearnt === 0)) return null;
  state.scores = null;
  state.pendingSince = null;
  state.clearSince = null;
  state.steady = null;
  if (!state.firing) return null;
  state.firing = false;
  return {
    ruleId: rule.id,
    faultCode: rule.fault,
    kind: 'learned',
    state: 'cleared',
    at: ts,
    evidence: { values: [], window: { from: ts, to: ts }, message: 'baseline relearnt: the current behaviour is learnt as normal' },
  };
}
