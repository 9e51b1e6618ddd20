/**
 * Shapes shared by the detectors and the engine. Every state object here is plain JSON (numbers,
 * strings, booleans, arrays, records, null), so a worker can keep it in Redis between micro-batches
 * and `JSON.parse(JSON.stringify(state))` continues exactly where it stopped.
 */
import type { CompiledNewNormal, SteadyState } from './steady.js';
import type { AnomalyRule, EventRule, LearnedRule, RateRule, RunningCondition, ThresholdRule, TrendRule } from './detection-rules.schema.js';

/** One telemetry message: its own timestamp (epoch ms) and some or all metrics of the model. */
export interface Reading {
  ts: number;
  metrics: Record<string, number>;
}

/** A controller event from `devices/{id}/events`. */
export interface ControllerEvent {
  ts: number;
  code: string;
  severity?: string | undefined;
  message?: string | undefined;
}

export const DETECTOR_KINDS = ['threshold', 'rate', 'event', 'anomaly', 'trend', 'learned', 'silence'] as const;
export type DetectorKind = (typeof DETECTOR_KINDS)[number];
/** A finding's kind: a detector's, or `no_data`, which other producers use as a synonym of `silence` (stored as given). */
export const FINDING_KINDS = [...DETECTOR_KINDS, 'no_data'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
/** Severities a finding may carry (detectors set none; the auto-ticket priority uses it when the fault is not in the catalogue). */
export const FINDING_SEVERITIES = ['info', 'warning', 'alarm', 'critical'] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

/** Fault code of a silent device when the model names no catalogue fault for it. */
export const NO_DATA_FAULT = 'NO_DATA';
/** Largest number of values carried as evidence by one finding. */
export const MAX_EVIDENCE_VALUES = 24;

export interface EvidenceValue {
  ts: number;
  value: number;
}

export interface Evidence {
  metric?: string;
  eventCode?: string;
  /** A bounded sample (≤ {@link MAX_EVIDENCE_VALUES}) of the values behind the decision, oldest first. */
  values: EvidenceValue[];
  /** Time span the decision looked at (epoch ms). */
  window: { from: number; to: number };
  /** threshold: the limit crossed; rate: the rate limit; anomaly: the z limit; trend: the projected limit. */
  threshold?: number;
  /** Trend: when the projected daily peak (or trough) reaches the limit (epoch ms). */
  projectedFailureAt?: number;
  /** Rate: fitted slope in metric units per the rule's `per`. */
  rate?: number;
  /** Anomaly: robust z of the deciding reading, with the baseline it was measured against. */
  z?: number;
  baseline?: { median: number; spread: number };
  /** Trend: fitted slope per day and fit quality. */
  slopePerDay?: number;
  r2?: number;
  /** Silence: how long the device had been silent. */
  silentForMs?: number;
  /** Why, in words, when the numbers do not say it (a relearnt baseline). */
  message?: string;
  /** Learned: the (smoothed) score and the learned limit it is judged against (`threshold`), the operating mode. */
  score?: number;
  mode?: string;
  /** Learned: the metrics that made the reading unusual, largest share first. */
  contributions?: Contribution[];
  /** A rule with `smooth`: the rolling statistic judged at the deciding reading (`values` are then the smoothed series the rule judged). */
  smooth?: SmoothEvidence;
  /** A rule with `forShare` (firing) or `clearShare` (cleared): the share of the trailing window's samples that met the condition. */
  share?: ShareEvidence;
  /** Other statistics by name (at most 20), for producers without a field of their own. */
  stats?: Record<string, number>;
}

export interface SmoothEvidence {
  /** The rule's statistic: mean, median or p<NN>. */
  stat: string;
  windowMs: number;
  /** The statistic's value at the deciding reading. */
  value: number;
  /** Samples it was taken over. */
  samples: number;
}

export interface ShareEvidence {
  /** Share of the window's samples that met the condition (0..1). */
  value: number;
  /** The rule's forShare or clearShare. */
  required: number;
  samples: number;
  windowMs: number;
}

/** One metric's part in a learned baseline's score. */
export interface Contribution {
  metric: string;
  /** Share of the score (0..1). */
  share: number;
  value: number;
  /** The baseline's centre for it (what was expected). */
  expected: number;
}

/**
 * A command on one rule's learnt normal, applied by the worker that owns the asset's state, in
 * order with its readings (see DetectionBatch.commands). `relearn`: a learned rule learns its
 * baselines (all modes, or `mode`) again, an anomaly rule starts its baseline window afresh;
 * `freeze`/`unfreeze`: a learned rule's baselines stop/resume adapting. `auto`: sent by the
 * platform (after a repair), so frozen baselines are left alone.
 */
export interface RuleCommand {
  ruleId: string;
  op: 'relearn' | 'freeze' | 'unfreeze';
  mode?: string | undefined;
  /** When it takes effect (epoch ms): the time of the cleared finding it may emit. */
  at: number;
  auto?: boolean | undefined;
}

/** A transition of one rule on one asset: it started firing, or it cleared. */
export interface Finding {
  ruleId: string;
  faultCode: string;
  kind: DetectorKind;
  state: 'firing' | 'cleared';
  /** Timestamp of the reading (or the supplied clock, for silence) that decided it. */
  at: number;
  evidence: Evidence;
}

/**
 * A finding for one asset: what the detection worker hands to auto-tickets and alarms (the
 * detector's `Finding` plus the asset it was evaluated for), and what `parseFinding`
 * (finding.schema.ts) makes of one read back from storage. A detector's finding with its asset is
 * one as it stands; the optional parts are for other producers: no fault code (an alarm but no
 * ticket), a `no_data` kind, a severity, a title, a stable id, evidence without values or window.
 */
export interface AssetFinding extends Omit<Finding, 'faultCode' | 'kind' | 'evidence'> {
  assetId: string;
  deviceId?: string | undefined;
  /** Checked against the asset's model when given. */
  modelId?: string | undefined;
  /** Fault catalogue code; without one the finding raises an alarm but no ticket. */
  faultCode?: string | undefined;
  kind: FindingKind;
  evidence: Partial<Evidence>;
  /** Stable id of the finding (a replay carries the same id); default: see findingKey. */
  id?: string | undefined;
  severity?: FindingSeverity | undefined;
  /** Title of the ticket when the fault code is not in the model's catalogue. */
  title?: string | undefined;
}

/** Rules with durations converted to milliseconds and defaults filled in from the model. */
export interface CompiledCondition extends Omit<RunningCondition, 'settle'> {
  settleMs: number;
}
/** A rule's `smooth`: window in ms, and the quantile for median / p<NN> (null: the mean). */
export interface CompiledSmooth {
  stat: string;
  windowMs: number;
  quantile: number | null;
}
/**
 * The alarm-hygiene options as compiled: present only when used (`forShare` / `clearShare` below
 * 1), so rules without them keep the compiled form, and the state signature, they always had.
 */
interface CompiledHygiene {
  smooth?: CompiledSmooth | undefined;
  forShare?: number | undefined;
  clearShare?: number | undefined;
}
type HygieneKeys = 'smooth' | 'forShare' | 'clearShare';
export interface CompiledThreshold extends Omit<ThresholdRule, 'for' | 'clearFor' | 'maxGap' | 'whenRunning' | HygieneKeys>, CompiledHygiene {
  forMs: number;
  clearForMs: number;
  maxGapMs: number;
  whenRunning?: CompiledCondition | undefined;
}
export interface CompiledRate extends Omit<RateRule, 'window' | 'for' | 'clearFor' | 'whenRunning' | HygieneKeys>, CompiledHygiene {
  windowMs: number;
  /** Present only when the rule gives a `for` above 0. */
  forMs?: number | undefined;
  clearForMs: number;
  perMs: number;
  whenRunning?: CompiledCondition | undefined;
}
export interface CompiledEvent extends Omit<EventRule, 'codes' | 'clearAfter'> {
  codes: string[];
  clearAfterMs: number | null;
}
export interface CompiledAnomaly
  extends Omit<AnomalyRule, 'window' | 'warmup' | 'for' | 'clearFor' | 'whenRunning' | 'newNormal' | HygieneKeys>, CompiledHygiene {
  windowMs: number;
  newNormal: CompiledNewNormal | null;
  warmupMs: number;
  forMs: number;
  clearForMs: number;
  whenRunning?: CompiledCondition | undefined;
}
export interface CompiledTrend extends Omit<TrendRule, 'bucket' | 'window' | 'horizon' | 'whenRunning'> {
  bucketMs: number;
  windowMs: number;
  horizonMs: number;
  whenRunning?: CompiledCondition | undefined;
}
export interface CompiledLearned extends Omit<
  LearnedRule,
  'trainSpan' | 'smooth' | 'follow' | 'maxAge' | 'for' | 'clearFor' | 'relearnAfterRepair' | 'whenRunning' | 'minSpread' | 'newNormal'
> {
  newNormal: CompiledNewNormal | null;
  trainSpanMs: number;
  smoothMs: number;
  /** The score's running mean over smoothMs (smoothing.ts), when smoothMs > 0. */
  smoothScore: CompiledSmooth | undefined;
  /** Per metric (rule order): time constant of the centre's drift following, 0 = none. */
  followMs: number[];
  /** Per metric (rule order): spread floor (minSpread, else the metric's accuracy, else 0). */
  minSpread: number[];
  maxAgeMs: number;
  forMs: number;
  clearForMs: number;
  relearnAfterRepairMs: number | null;
  whenRunning?: CompiledCondition | undefined;
}
export type CompiledRule = CompiledThreshold | CompiledRate | CompiledEvent | CompiledAnomaly | CompiledTrend | CompiledLearned;

export interface SilenceRule {
  ruleId: string;
  faultCode: string;
  afterMs: number;
  /** Cancel the NO_DATA ticket when the device speaks again before dispatch. */
  autoCancel: boolean;
}

/** [ts, value] pairs keep the JSON state compact. */
export type Point = [number, number];

interface RuleStateBase {
  /** JSON of the compiled rule: a changed rule in the model file restarts its state. */
  sig: string;
  firing: boolean;
  /** Since when the running condition holds (null: not running / unknown). */
  runSince: number | null;
}
/**
 * A slot of an alarm-hygiene window: [start ts, sum, count]. Readings closer together than
 * window / MAX_WINDOW_SAMPLES share a slot, so a window holds at most that many slots (+1)
 * however fast a device reports, with every reading still counted.
 */
export type Slot = [number, number, number];
/** The trailing window of a rule's `smooth` (see smoothing.ts). */
export interface SmoothState {
  /** First reading since the window was (re)started: judged once ts − since ≥ window. */
  since: number;
  /**
   * Oldest first. mean: [start ts, sum of the slot's values, their count]; median / p<NN>:
   * [ts, value, 1], the first reading of each slot (an even sample of a fast device's readings).
   */
  slots: Slot[];
  /** mean: sum and count over the slots. */
  sum: number;
  count: number;
  /** mean: slots opened since the sum was last recomputed from them (floating-point drift). */
  adds: number;
  /** median / p<NN>: the slots' values in ascending order. */
  sorted: number[];
}
/** The trailing window of a `forShare` / `clearShare` decision (see share-window.ts). */
export interface ShareWindow {
  /** Counts samples back to normal for clearing (else violating ones, for firing). */
  clearing: boolean;
  /** Since when the window has been observed without a break (start, transition, gap, stop). */
  from: number;
  /** Oldest first: [start ts, samples that met the condition, samples] (violating; while firing, back to normal). */
  slots: Slot[];
  hits: number;
  count: number;
}
/** Alarm-hygiene state, present only on rules that use the options (older states lack it). */
interface HygieneState {
  smooth?: SmoothState | null;
  share?: ShareWindow | null;
}
export interface ThresholdState extends RuleStateBase, HygieneState {
  kind: 'threshold';
  pendingSince: number | null;
  clearSince: number | null;
  lastTs: number | null;
  recent: Point[];
}
export interface RateState extends RuleStateBase, HygieneState {
  kind: 'rate';
  buf: Point[];
  clearSince: number | null;
  /** With a `for`: since when the rate has been past the limit. */
  pendingSince?: number | null;
}
export interface EventState extends RuleStateBase {
  kind: 'event';
  lastSeen: number | null;
  code: string | null;
}
/** Present while a learned or anomaly rule fires (older states lack it). */
interface SteadyHolder {
  steady?: SteadyState | null;
}
export interface AnomalyState extends RuleStateBase, HygieneState, SteadyHolder {
  kind: 'anomaly';
  /** Baseline samples (normal readings only) inside the trailing window. */
  buf: Point[];
  baseline: { median: number; spread: number; at: number; warm: boolean } | null;
  pendingSince: number | null;
  clearSince: number | null;
  recent: Point[];
}
export interface TrendState extends RuleStateBase {
  kind: 'trend';
  /** Closed buckets: [bucket middle ts, aggregate]. */
  buckets: Point[];
  open: { start: number; sum: number; count: number; max: number; min: number } | null;
}
/** A learned baseline of one operating mode (see learned.detector.ts). */
export interface LearnedBaseline {
  /** learning: collecting `train`; active: judging readings. */
  phase: 'learning' | 'active';
  /** Frozen: judged but never adapted (no drift following, no relearn after repairs). */
  frozen: boolean;
  /** Training readings (values in the rule's metric order) while learning; emptied once fitted. */
  train: number[][];
  trainFrom: number | null;
  trainTo: number | null;
  fit: LearnedFit | null;
}
export interface LearnedFit {
  /** Centre per metric now (follows drifting metrics), and as learned. */
  centre: number[];
  learnedCentre: number[];
  /** Spread per metric (robust standard deviation with its floors). */
  spread: number[];
  /** Eigenvectors (columns, row-major d×d) and eigenvalues of the shrunk correlation of the standardised metrics. */
  basis: number[];
  eigen: number[];
  /** Score limit (learned or the rule's threshold). */
  limit: number;
  samples: number;
  trainedFrom: number;
  trainedTo: number;
}
export interface LearnedState extends RuleStateBase, SteadyHolder {
  kind: 'learned';
  /** Baselines by operating mode ('all' without modes, else the bin index). */
  modes: Record<string, LearnedBaseline>;
  /** Time of the last judged or learned reading (drift following uses the gap). */
  lastTs: number | null;
  /** The scores inside the smoothing span (a running mean, smoothing.ts); null until the first. */
  scores: SmoothState | null;
  pendingSince: number | null;
  clearSince: number | null;
  /** Recent smoothed scores, for evidence. */
  recent: Point[];
}
export type RuleState = ThresholdState | RateState | EventState | AnomalyState | TrendState | LearnedState;

/** Everything detection remembers about one asset between micro-batches (JSON-serialisable). */
export interface AssetDetectionState {
  version: 1;
  modelId: string;
  /** Newest reading timestamp evaluated; readings at or before it are late (see engine). */
  watermark: number | null;
  /** Newest event timestamp evaluated. */
  eventWatermark: number | null;
  /** Newest reading or event timestamp seen, for the silence check. */
  lastSeen: number | null;
  /** Latest value of each metric: [ts, value]. */
  latest: Record<string, Point>;
  rules: Record<string, RuleState>;
  silence: { firing: boolean; since: number | null };
}

/** What a detector step gets besides its rule and state. */
export interface StepContext {
  ts: number;
  value: number;
  /** The rule's running condition holds (always true without one). */
  running: boolean;
  /** A fault named in the rule's suppressedBy is firing on the asset. */
  suppressed: () => boolean;
  /** Set only when the caller asked for per-reading scores (EvaluateOptions.onScore): the detector's natural score of this reading. */
  score?: (s: number) => void;
}
