/**
 * The entry points a worker calls: `evaluate` runs every rule of a model over a micro-batch of one
 * asset's readings and controller events; `evaluateSilence` checks for a silent device on a clock
 * the caller supplies. Both are pure: the input state is never modified; a new state is returned.
 *
 * Time is the readings' own timestamps, never the wall clock, so a month can be replayed in
 * seconds and a batch buffered during an outage is judged at the times it was measured.
 *
 * Ordering and late data: the batch is sorted by timestamp (events before readings at the same
 * ms). Readings at or before the state's watermark (the newest reading already evaluated) are
 * skipped and counted in `late`: they are stored by ingest but the detectors are sequential state
 * machines and do not rewind. This also makes a redelivered batch (a retried job) a no-op.
 * Events have their own watermark, so an event that arrives after later telemetry is still heard.
 */
import { compileModel, type CompiledModel } from './detection-rules.compiler.js';
import { clearEventRule, initialEventState, onEvent, tickEvent } from './event.detector.js';
import { initialAnomalyState, resetAnomaly, stepAnomaly } from './anomaly.detector.js';
import { applyBaselineCommand, initialLearnedState, stepLearned } from './learned.detector.js';
import { initialRateState, stepRate } from './rate.detector.js';
import { checkSilence, silenceCleared } from './silence.detector.js';
import { steadySince, type NewNormalChange } from './steady.js';
import { initialThresholdState, stepThreshold } from './threshold.detector.js';
import { initialTrendState, stepTrend } from './trend.detector.js';
import type {
  AssetDetectionState,
  CompiledCondition,
  CompiledRule,
  ControllerEvent,
  Finding,
  Reading,
  RuleCommand,
  RuleState,
  StepContext,
} from './detection.types.js';
import type { EquipmentModel } from '../models/models.schema.js';

export interface EvaluationResult {
  state: AssetDetectionState;
  /** Transitions in time order. */
  findings: Finding[];
  /** Firing alarms that became (or stopped being) steady: the asset's new normal (steady.ts). */
  newNormal: NewNormalChange[];
  /** Readings and events skipped because they were at or before the watermark. */
  late: number;
}

export function createDetectionState(model: EquipmentModel): AssetDetectionState {
  return {
    version: 1,
    modelId: model.id,
    watermark: null,
    eventWatermark: null,
    lastSeen: null,
    latest: {},
    rules: {},
    silence: { firing: false, since: null },
  };
}

export interface EvaluateOptions {
  /**
   * The caller hands `previous` over and will not use it again (the worker's freshly loaded
   * state): it is updated in place instead of copied. Default false (`previous` is untouched).
   */
  readonly takeOwnership?: boolean;
  /**
   * Per-reading scores (backtests): called after each rule (event rules excepted) has judged a
   * reading that carries its metric, with the rule's natural score — threshold: the value; rate:
   * the slope per `per`; anomaly: the robust z; trend: hours until the projected limit, at each
   * bucket close; learned: the smoothed distance it compares with its limit — NaN when it
   * judged nothing (warm-up, not running), and whether the rule fires after that reading.
   * Absent (the worker): no closure, no call, no cost.
   */
  readonly onScore?: (ruleId: string, ts: number, score: number, firing: boolean) => void;
}

export function evaluate(
  model: EquipmentModel,
  previous: AssetDetectionState | null | undefined,
  readings: readonly Reading[],
  events: readonly ControllerEvent[] = [],
  options: EvaluateOptions = {},
): EvaluationResult {
  const compiled = compileModel(model);
  const state = prepareState(model, compiled, previous, options.takeOwnership ?? false);
  const findings: Finding[] = [];
  const readingMark = state.watermark ?? -Infinity;
  const eventMark = state.eventWatermark ?? -Infinity;
  const freshReadings = readings.filter((r) => r.ts > readingMark);
  const freshEvents = events.filter((e) => e.ts > eventMark);
  const late = readings.length - freshReadings.length + events.length - freshEvents.length;
  const items: ({ event: ControllerEvent; ts: number } | { reading: Reading; ts: number })[] = [
    ...freshEvents.map((event) => ({ event, ts: event.ts })),
    ...freshReadings.map((reading) => ({ reading, ts: reading.ts })),
  ];
  items.sort((a, b) => a.ts - b.ts || ('event' in a ? 0 : 1) - ('event' in b ? 0 : 1));
  const emit = (f: Finding | null): void => {
    if (f) findings.push(f);
  };
  const scorer = makeScorer(options.onScore);
  // One suppression check per rule and call (they read the state live), not one closure per reading.
  const suppressors = compiled.rules.map((rule) => suppression(compiled, state, rule));
  const steadyBefore = compiled.rules.map((rule) => steadySince(state.rules[rule.id] as SteadyHolder));
  for (const item of items) {
    if (state.silence.firing) {
      emit(silenceCleared(compiled.silence, state.silence.since ?? item.ts, item.ts));
      state.silence = { firing: false, since: null };
    }
    state.lastSeen = Math.max(state.lastSeen ?? item.ts, item.ts);
    if ('event' in item) {
      state.eventWatermark = Math.max(state.eventWatermark ?? item.ts, item.ts);
      for (const rule of compiled.rules) {
        if (rule.kind !== 'event') continue;
        emit(onEvent(rule, state.rules[rule.id] as Extract<RuleState, { kind: 'event' }>, item.event, suppression(compiled, state, rule)));
      }
      continue;
    }
    state.watermark = item.ts;
    stepReading(compiled, state, item.reading, emit, scorer, suppressors);
  }
  // Per call, not per reading: only the mark at the end of the batch matters to the alarm.
  const newNormal: NewNormalChange[] = [];
  compiled.rules.forEach((rule, i) => {
    const since = steadySince(state.rules[rule.id] as SteadyHolder);
    if (since !== steadyBefore[i]) newNormal.push({ ruleId: rule.id, since, at: state.watermark ?? since ?? 0 });
  });
  return { state, findings, newNormal, late };
}

type SteadyHolder = Parameters<typeof steadySince>[0];

/** One sink per evaluate call (not per reading): a detector's `ctx.score(s)` lands in `last`. */
interface Scorer {
  last: number;
  readonly score: (s: number) => void;
  readonly report: (ruleId: string, ts: number, score: number, firing: boolean) => void;
}

function makeScorer(report: EvaluateOptions['onScore']): Scorer | undefined {
  if (!report) return undefined;
  const scorer: Scorer = { last: NaN, score: (s) => (scorer.last = s), report };
  return scorer;
}

function stepReading(
  compiled: CompiledModel,
  state: AssetDetectionState,
  reading: Reading,
  emit: (f: Finding | null) => void,
  scorer: Scorer | undefined,
  suppressors: readonly (() => boolean)[],
): void {
  const { ts, metrics } = reading;
  // In place, without Object.entries: this runs for every metric of every reading.
  const latest = state.latest;
  for (const name in metrics) {
    const value = metrics[name]!;
    if (!Number.isFinite(value)) continue;
    const point = latest[name];
    if (point) {
      point[0] = ts;
      point[1] = value;
    } else latest[name] = [ts, value];
  }
  for (let i = 0; i < compiled.rules.length; i++) {
    const rule = compiled.rules[i]!;
    const ruleState = state.rules[rule.id]!;
    if (rule.kind === 'event') {
      emit(tickEvent(rule, ruleState as Extract<RuleState, { kind: 'event' }>, ts));
      continue;
    }
    if (rule.whenRunning) updateRunning(rule.whenRunning, ruleState, metrics, ts);
    if (rule.kind === 'learned') {
      if (!rule.metrics.some((m) => metrics[m] !== undefined)) continue;
      if (scorer) scorer.last = NaN;
      emit(
        stepLearned(rule, ruleState as Extract<RuleState, { kind: 'learned' }>, {
          ts,
          values: freshValues(state, rule.metrics, ts - rule.maxAgeMs),
          modeValue: rule.mode ? freshValues(state, [rule.mode.metric], ts - rule.maxAgeMs)?.[0] : undefined,
          running: isRunning(rule.whenRunning, ruleState, ts),
          suppressed: suppressors[i]!,
          score: scorer?.score,
        }),
      );
      if (scorer) scorer.report(rule.id, ts, scorer.last, ruleState.firing);
      continue;
    }
    const value = metrics[rule.metric];
    if (value === undefined || !Number.isFinite(value)) continue;
    const ctx: StepContext = { ts, value, running: isRunning(rule.whenRunning, ruleState, ts), suppressed: suppressors[i]! };
    if (scorer) {
      ctx.score = scorer.score;
      scorer.last = NaN;
    }
    switch (rule.kind) {
      case 'threshold':
        emit(stepThreshold(rule, ruleState as Extract<RuleState, { kind: 'threshold' }>, ctx));
        break;
      case 'rate':
        emit(stepRate(rule, ruleState as Extract<RuleState, { kind: 'rate' }>, ctx));
        break;
      case 'anomaly':
        emit(stepAnomaly(rule, ruleState as Extract<RuleState, { kind: 'anomaly' }>, ctx));
        break;
      case 'trend':
        emit(stepTrend(rule, ruleState as Extract<RuleState, { kind: 'trend' }>, ctx));
        break;
    }
    if (scorer) scorer.report(rule.id, ts, scorer.last, ruleState.firing);
  }
}

/** The latest value of each metric when none is older than `oldest`, else null. */
function freshValues(state: AssetDetectionState, metrics: readonly string[], oldest: number): number[] | null {
  const values: number[] = [];
  for (const name of metrics) {
    const point = state.latest[name];
    if (!point || point[0] < oldest) return null;
    values.push(point[1]);
  }
  return values;
}

function updateRunning(condition: CompiledCondition, ruleState: RuleState, metrics: Record<string, number>, ts: number): void {
  const value = metrics[condition.metric];
  if (value === undefined || !Number.isFinite(value)) return;
  const holds = condition.above !== undefined ? value > condition.above : value < condition.below!;
  if (!holds) ruleState.runSince = null;
  else ruleState.runSince ??= ts;
}

function isRunning(condition: CompiledCondition | undefined, ruleState: RuleState, ts: number): boolean {
  if (!condition) return true;
  return ruleState.runSince !== null && ts - ruleState.runSince >= condition.settleMs;
}

/** Whether any fault in the rule's suppressedBy is firing on the asset right now. */
function suppression(compiled: CompiledModel, state: AssetDetectionState, rule: CompiledRule): () => boolean {
  return () =>
    rule.suppressedBy.length > 0 && compiled.rules.some((other) => rule.suppressedBy.includes(other.fault) && state.rules[other.id]?.firing === true);
}

/** Copies the state (or creates it) and aligns its rule states with the model's current rules. */
function prepareState(model: EquipmentModel, compiled: CompiledModel, previous: AssetDetectionState | null | undefined, owned = false): AssetDetectionState {
  const reusable = previous && previous.modelId === model.id;
  const state: AssetDetectionState = reusable ? (owned ? previous : structuredClone(previous)) : createDetectionState(model);
  const rules: Record<string, RuleState> = {};
  for (const rule of compiled.rules) {
    const sig = compiled.signatures.get(rule.id)!;
    const existing = state.rules[rule.id];
    rules[rule.id] = existing && existing.sig === sig && existing.kind === rule.kind ? existing : initialRuleState(rule, sig);
  }
  state.rules = rules;
  return state;
}

function initialRuleState(rule: CompiledRule, sig: string): RuleState {
  switch (rule.kind) {
    case 'threshold':
      return initialThresholdState(sig);
    case 'rate':
      return initialRateState(sig);
    case 'event':
      return initialEventState(sig);
    case 'anomaly':
      return initialAnomalyState(sig);
    case 'trend':
      return initialTrendState(sig);
    case 'learned':
      return initialLearnedState(sig);
  }
}

/**
 * Checks the asset for silence at `nowTs` (a clock the caller supplies). Emits one firing finding
 * when the silence starts; the next reading or event clears it (in `evaluate`).
 */
export function evaluateSilence(model: EquipmentModel, previous: AssetDetectionState, nowTs: number): { state: AssetDetectionState; findings: Finding[] } {
  const compiled = compileModel(model);
  if (previous.silence.firing) return { state: previous, findings: [] };
  const finding = checkSilence(previous.lastSeen, nowTs, compiled.silence);
  if (!finding) return { state: previous, findings: [] };
  const state = structuredClone(previous);
  state.silence = { firing: true, since: previous.lastSeen };
  return { state, findings: [finding] };
}

/** One micro-batch of an asset: its readings and events, then optionally a silence check. */
export interface DetectionBatch {
  readonly readings: readonly Reading[];
  readonly events: readonly ControllerEvent[];
  /** After the readings, check for a silent device at this time (epoch ms). */
  readonly silenceCheckAt?: number | undefined;
  /** Applied before the readings, in order (relearn, freeze...: see RuleCommand). */
  readonly commands?: readonly RuleCommand[] | undefined;
}

/** `evaluate`, then `evaluateSilence` when the batch asks for a silence check: what a worker does per asset. */
export function evaluateBatch(
  model: EquipmentModel,
  previous: AssetDetectionState | null | undefined,
  batch: DetectionBatch,
  options: EvaluateOptions = {},
): EvaluationResult {
  let before: Finding[] = [];
  if (batch.commands?.length) {
    ({ state: previous, findings: before } = applyCommands(model, previous, batch.commands, options));
    options = { ...options, takeOwnership: true };
  }
  const result = evaluate(model, previous, batch.readings, batch.events, options);
  if (before.length) result.findings.unshift(...before);
  if (batch.silenceCheckAt !== undefined) {
    const silence = evaluateSilence(model, result.state, batch.silenceCheckAt);
    result.state = silence.state;
    result.findings.push(...silence.findings);
  }
  return result;
}

/**
 * Applies rule commands to the state (a copy unless `takeOwnership`). Commands for rules the model
 * no longer has, or for kinds without a learnt normal, change nothing. Findings: the alarms a
 * relearn cleared.
 */
export function applyCommands(
  model: EquipmentModel,
  previous: AssetDetectionState | null | undefined,
  commands: readonly RuleCommand[],
  options: EvaluateOptions = {},
): { state: AssetDetectionState; findings: Finding[] } {
  const compiled = compileModel(model);
  const state = prepareState(model, compiled, previous, options.takeOwnership ?? false);
  const findings: Finding[] = [];
  for (const command of commands) {
    const rule = compiled.rules.find((r) => r.id === command.ruleId);
    const ruleState = state.rules[command.ruleId];
    let finding: Finding | null = null;
    if (rule?.kind === 'learned' && ruleState?.kind === 'learned') finding = applyBaselineCommand(rule, ruleState, command, command.at);
    else if (rule?.kind === 'anomaly' && ruleState?.kind === 'anomaly' && command.op === 'relearn') finding = resetAnomaly(rule, ruleState, command.at);
    if (finding) findings.push(finding);
  }
  return { state, findings };
}

/** Clears a rule by hand (e.g. an event rule that never clears by itself, once the ticket is closed). */
export function clearRule(
  model: EquipmentModel,
  previous: AssetDetectionState,
  ruleId: string,
  ts: number,
): { state: AssetDetectionState; findings: Finding[] } {
  const compiled = compileModel(model);
  const rule = compiled.rules.find((r) => r.id === ruleId);
  const state = prepareState(model, compiled, previous);
  const ruleState = state.rules[ruleId];
  if (!rule || !ruleState?.firing) return { state, findings: [] };
  if (rule.kind === 'event') {
    const f = clearEventRule(rule, ruleState as Extract<RuleState, { kind: 'event' }>, ts);
    return { state, findings: f ? [f] : [] };
  }
  ruleState.firing = false;
  if (ruleState.kind === 'learned' || ruleState.kind === 'anomaly') ruleState.steady = null;
  const metric = rule.kind === 'learned' ? {} : { metric: rule.metric };
  const cleared: Finding = {
    ruleId,
    faultCode: rule.fault,
    kind: rule.kind,
    state: 'cleared',
    at: ts,
    evidence: { ...metric, values: [], window: { from: ts, to: ts } },
  };
  return { state, findings: [cleared] };
}

/** The compiled rules of a model (ids, faults, kinds), e.g. to list them in the API. */
export { compileModel } from './detection-rules.compiler.js';
