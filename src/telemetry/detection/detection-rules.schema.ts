/**
 * The `detection` section of an equipment model file: the rules that turn readings and controller
 * events into findings (see src/telemetry/detection/README.md for the semantics and a YAML example).
 *
 * Durations are written either as seconds (a number) or as a string with a unit: `90s`, `10m`,
 * `6h`, `3d`. The parsed model keeps what the file says (no transforms, so the API serves the file
 * as written and the OpenAPI document stays exact); `compileRules` converts to milliseconds.
 * Cross-references (metrics, faults, event codes) are checked by {@link checkDetectionReferences},
 * called from the model schema's superRefine.
 */
import { z } from 'zod';

const METRIC_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const CODE = /^[A-Z0-9][A-Z0-9_-]{0,31}$/;
const RULE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Seconds as a number, or `<n><unit>` with unit ms, s, m, h or d. */
export const durationSchema = z.union([
  z.number().nonnegative(),
  z.string().regex(DURATION, 'a duration is seconds, or a number with a unit: 500ms, 90s, 10m, 6h, 3d'),
]);
export type Duration = z.infer<typeof durationSchema>;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Converts a parsed duration to milliseconds. */
export function durationMs(duration: Duration): number {
  if (typeof duration === 'number') return duration * 1_000;
  const match = DURATION.exec(duration);
  if (!match) throw new RangeError(`not a duration: ${duration}`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/**
 * Evaluate a rule only while the machine runs: `metric` (its latest value) is above/below a
 * value, and has been so for `settle` (start-up transients excluded). The simulator's duty cycle
 * puts idle values in the off phases, which would otherwise look like faults.
 */
export const runningConditionSchema = z
  .object({
    metric: z.string().regex(METRIC_NAME),
    above: z.number().optional(),
    below: z.number().optional(),
    /** Time the condition must have held before readings count. Default 0. */
    settle: durationSchema.default(0),
  })
  .strict()
  .refine((c) => (c.above === undefined) !== (c.below === undefined), { message: 'give exactly one of above / below' });

/**
 * An alarm is not a ticket: `immediate` opens the auto-ticket when the rule fires; `persist` only
 * once its alarm has stayed uncleared for `after` (cleared sooner: no ticket); `never` keeps it an
 * alarm (no ticket, no parts reserved, no dispatch).
 */
export const ticketPolicySchema = z
  .object({
    policy: z.enum(['immediate', 'persist', 'never']).default('immediate'),
    /** persist: how long the alarm must stay uncleared (wall clock, from the reading that raised it). */
    after: durationSchema.optional(),
  })
  .strict()
  .refine((t) => (t.policy === 'persist') === (t.after !== undefined), { message: 'give `after` with policy persist, and only then', path: ['after'] });
export type TicketPolicy = z.infer<typeof ticketPolicySchema>;

const ruleBase = {
  /** Stable id, unique within the model (kebab-case). */
  id: z.string().regex(RULE_ID, 'rule ids are kebab-case'),
  /** Fault catalogue code this rule diagnoses. */
  fault: z.string().regex(CODE),
  description: z.string().min(1).optional(),
  /** While a finding of one of these faults is firing on the asset, this rule does not start firing (root cause known). Default none. */
  suppressedBy: z.array(z.string().regex(CODE)).default([]),
  /** Transient condition: when it clears before anyone is dispatched, the auto-ticket cancels itself. Default false (the ticket only says it cleared). */
  autoCancel: z.boolean().default(false),
  /** When the rule's alarm becomes a ticket (parts reserved, auto-assign). Default immediate (see ticketPolicySchema). */
  ticket: ticketPolicySchema.default({ policy: 'immediate' }),
};

/**
 * A rolling statistic of a rule's metric over the trailing `window` of reading time, judged instead
 * of each raw value (noisy sensors), once the window has been observed in full. `p<NN>` is a
 * percentile, interpolated linearly between samples (numpy's default); `median` is `p50`. See
 * smoothing.ts.
 */
export const smoothSchema = z
  .object({
    /** Trailing span of reading time the statistic is taken over (the samples newer than ts − window). */
    window: durationSchema,
    /** `mean`, `median` or `p<NN>` (p1 to p99, e.g. p90). Default mean. */
    stat: z
      .string()
      .regex(/^(mean|median|p[1-9][0-9]?)$/, 'stat is mean, median or p<NN> (p1 to p99)')
      .default('mean'),
  })
  .strict();

/** A share of samples in (0, 1]: 1 is "every sample". */
const shareSchema = z.number().gt(0).max(1);

/**
 * Alarm hygiene for noisy signals, shared by the threshold, rate and anomaly kinds. Optional, with
 * no defaults filled in, so a rule that does not use them compiles (and signs its state) exactly
 * as before they existed.
 */
const hygieneFields = {
  /** Judge the rolling statistic of the metric over a trailing window instead of each raw value: `{ window, stat }`. Default none (raw values). */
  smooth: smoothSchema.optional(),
  /** Fires when at least this share of the samples in the trailing `for` window are in violation (and the window spans at least `for`). Default 1 (every sample). */
  forShare: shareSchema.optional(),
  /** Clears when at least this share of the samples in the trailing `clearFor` window are back to normal (and the window spans at least `clearFor`). Default 1 (every sample). */
  clearShare: shareSchema.optional(),
};

/**
 * A learned or anomaly alarm is shown as "the new normal" once its score stayed steady for `after`
 * (reading time): drift ≤ `drift`, standard deviation ≤ `variation`, both of its level (steady.ts).
 */
export const newNormalSchema = z
  .object({
    after: durationSchema,
    drift: z.number().positive().max(1),
    variation: z.number().positive(),
  })
  .strict();
const newNormalField = z.union([newNormalSchema, z.literal(false)]).default({ after: '2h', drift: 0.1, variation: 0.3 });

const limitFields = {
  above: z.number().optional(),
  below: z.number().optional(),
};
const oneLimit = { message: 'give exactly one of above / below' };
const hasOneLimit = (r: { above?: number | undefined; below?: number | undefined }): boolean => (r.above === undefined) !== (r.below === undefined);

export const thresholdRuleSchema = z
  .object({
    ...ruleBase,
    kind: z.literal('threshold'),
    metric: z.string().regex(METRIC_NAME),
    ...limitFields,
    /** Minimum time past the limit (by reading timestamps) before firing: continuously, or `forShare` of the samples. Default 60 s. */
    for: durationSchema.default(60),
    /** Clears only once the value is back past limit ∓ hysteresis (metric units). Default 0. */
    hysteresis: z.number().nonnegative().default(0),
    /** ...for at least this long (every sample, or `clearShare` of them). Default 60 s. */
    clearFor: durationSchema.default(60),
    whenRunning: runningConditionSchema.optional(),
    /** A gap between readings longer than this breaks "continuously" (and restarts the `forShare` / `clearShare` window). Default max(3 × the metric's sample period, 5 min). */
    maxGap: durationSchema.optional(),
    ...hygieneFields,
  })
  .strict()
  .refine(hasOneLimit, oneLimit);

export const rateRuleSchema = z
  .object({
    ...ruleBase,
    kind: z.literal('rate'),
    metric: z.string().regex(METRIC_NAME),
    /** Which change counts. Default either. */
    direction: z.enum(['rise', 'fall', 'either']).default('either'),
    /** Largest normal |Δvalue/Δt| (least-squares slope over the window), in metric units per `per`. */
    limit: z.number().positive(),
    per: z.enum(['second', 'minute', 'hour']).default('minute'),
    /** Window the slope is fitted over. Default 2 min. */
    window: durationSchema.default(120),
    /** Readings needed in the window. Default 3. */
    minSamples: z.number().int().min(2).default(3),
    /** Past the limit this long (every sample, or `forShare` of them) before firing. Default 0 (the first reading past the limit). */
    for: durationSchema.optional(),
    /** Clears once the rate stays below limit / 2 for this long (every sample, or `clearShare` of them). Default 5 min. */
    clearFor: durationSchema.default(300),
    whenRunning: runningConditionSchema.optional(),
    ...hygieneFields,
  })
  .strict();

export const eventRuleSchema = z
  .object({
    ...ruleBase,
    kind: z.literal('event'),
    /** Controller codes (`devices/{id}/events`) that raise this fault. Default: every event of the model whose `fault` is this rule's fault. */
    codes: z.array(z.string().regex(CODE)).min(1).optional(),
    /** Clears after this long without the code; omit to never clear automatically (cleared by the service process). */
    clearAfter: durationSchema.optional(),
  })
  .strict();

export const anomalyRuleSchema = z
  .object({
    ...ruleBase,
    kind: z.literal('anomaly'),
    metric: z.string().regex(METRIC_NAME),
    /** Rolling robust z-score: (value − median) / (1.4826 · MAD) over the trailing window. */
    method: z.literal('robust-z').default('robust-z'),
    direction: z.enum(['rise', 'fall', 'either']).default('either'),
    /** Trailing baseline window; keep it short next to the daily cycle (see anomaly.detector.ts). Default 1 h. */
    window: durationSchema.default(3600),
    /** |z| at or above which a reading is anomalous. Default 6. */
    z: z.number().positive().default(6),
    /** |z| below which a reading counts as normal again. Default 3. */
    clearZ: z.number().positive().default(3),
    /** No finding before this many baseline samples... Default 30. */
    warmupSamples: z.number().int().min(3).default(30),
    /** ...spanning at least this long. Default 30 min. */
    warmup: durationSchema.default(1800),
    /** Floor of the robust standard deviation, in metric units (quantised or very quiet signals). Default 0. */
    minSpread: z.number().nonnegative().default(0),
    /** Anomalous this long before firing (continuously, or `forShare` of the samples). Default 0 (first anomalous reading). */
    for: durationSchema.default(0),
    /** Normal again this long before clearing (every sample, or `clearShare` of them). Default 5 min. */
    clearFor: durationSchema.default(300),
    whenRunning: runningConditionSchema.optional(),
    /** A firing alarm steady this long is shown as the asset's new normal. Default `{ after: 2h, drift: 0.1, variation: 0.3 }`. */
    newNormal: newNormalField,
    ...hygieneFields,
  })
  .strict()
  .refine((r) => r.clearZ < r.z, { message: 'clearZ must be below z', path: ['clearZ'] });

/** Operating modes of a learned baseline: bins of one metric, each learned and judged on its own. */
export const operatingModeSchema = z
  .object({
    /** The metric that defines the operating point (load, flow, speed). */
    metric: z.string().regex(METRIC_NAME),
    /** Ascending bin edges: `[40, 90]` makes three modes, below 40, 40 to 90, and 90 and above. */
    edges: z.array(z.number()).min(1).max(16),
  })
  .strict()
  .refine((m) => m.edges.every((e, i) => i === 0 || e > m.edges[i - 1]!), { message: 'edges must be ascending', path: ['edges'] });

/**
 * A baseline learned from the asset's own data: the joint normal behaviour of several metrics
 * (robust centre and spread per metric, a shrunk covariance between them) and a Mahalanobis
 * score of every reading against it. See learned.detector.ts.
 */
export const learnedRuleSchema = z
  .object({
    ...ruleBase,
    kind: z.literal('learned'),
    /** The metrics judged together. Readings carry some or all of them; the others' latest values are used. */
    metrics: z.array(z.string().regex(METRIC_NAME)).min(1).max(32),
    /** Readings learned from before the baseline judges anything. Default 400. */
    trainSamples: z.number().int().min(10).max(1024).default(400),
    /** ...spanning at least this long of reading time. Default 0. */
    trainSpan: durationSchema.default(0),
    /** Covariance shrinkage towards independent metrics: 0 keeps the sample covariance, 1 ignores correlations. Default 0.1. */
    shrinkage: z.number().min(0).max(1).default(0.1),
    /** Share of the training readings, the most unusual ones, left out of the covariance (outliers inside training). Default 0. */
    trim: z.number().min(0).max(0.5).default(0),
    /** The limit is this quantile of the training readings' scores... Default 0.99. */
    quantile: z.number().min(0.5).max(1).default(0.99),
    /** ...times this factor. Default 1. */
    factor: z.number().positive().default(1),
    /** A fixed limit on the score instead of the learned one. */
    threshold: z.number().positive().optional(),
    /** The score judged is the mean over this trailing span of reading time (noisy sensors). Default 0 (each reading alone). */
    smooth: durationSchema.default(0),
    /** Smallest spread per metric, in its units (sensor accuracy). Default: the metric's `accuracy`, else none; the data's quantisation step always applies. */
    minSpread: z.record(z.string().regex(METRIC_NAME), z.number().positive()).default({}),
    /** Metrics whose normal level drifts slowly (temperatures): the baseline's centre follows them with this time constant. */
    follow: z.record(z.string().regex(METRIC_NAME), durationSchema).default({}),
    /** Learn and judge per operating mode. */
    mode: operatingModeSchema.optional(),
    /** Other metrics' latest values count while no older than this. Default 3 × the largest sample period of the metrics. */
    maxAge: durationSchema.optional(),
    /** Above the limit continuously this long before firing. Default 0. */
    for: durationSchema.default(0),
    /** Below the limit this long before clearing. Default 0. */
    clearFor: durationSchema.default(0),
    /** Relearn this long after a repair visit closes as fixed (the machine settles first); `false`: keep the baseline. Default 1 h. */
    relearnAfterRepair: z.union([durationSchema, z.literal(false)]).default('1h'),
    whenRunning: runningConditionSchema.optional(),
    /** A firing alarm steady this long is shown as the asset's new normal. Default `{ after: 2h, drift: 0.1, variation: 0.3 }`. */
    newNormal: newNormalField,
  })
  .strict();

export const trendRuleSchema = z
  .object({
    ...ruleBase,
    kind: z.literal('trend'),
    metric: z.string().regex(METRIC_NAME),
    /** The limit the drift is projected to: exactly one of above / below. */
    ...limitFields,
    /** Readings are aggregated into buckets of this length. Default 1 h. */
    bucket: durationSchema.default(3600),
    aggregate: z.enum(['mean', 'max', 'min']).default('mean'),
    /** Regression window. Default 3 days. */
    window: durationSchema.default('3d'),
    /** Fit a 24 h cosine with the line (the daily cycle) and project its daily peak to the limit. Default true. */
    dailyCycle: z.boolean().default(true),
    /** Fires when the projected time to the limit is below this. Default 7 days. */
    horizon: durationSchema.default('7d'),
    /** Buckets needed before any projection. Default 24. */
    minBuckets: z.number().int().min(3).default(24),
    /** Minimum r² of the drift (after the daily cycle is removed). A step scores at most 0.75 against a line. Default 0.8. */
    minR2: z.number().min(0).max(1).default(0.8),
    /** Clears when the projection moves beyond horizon × this factor. Default 1.5. */
    clearFactor: z.number().min(1).default(1.5),
    whenRunning: runningConditionSchema.optional(),
  })
  .strict()
  .refine(hasOneLimit, oneLimit);

export const detectionRuleSchema = z.discriminatedUnion('kind', [
  thresholdRuleSchema,
  rateRuleSchema,
  eventRuleSchema,
  anomalyRuleSchema,
  trendRuleSchema,
  learnedRuleSchema,
]);

export const detectionSchema = z
  .object({
    /** No data: a device silent longer than `after` is a finding of its own. */
    silence: z
      .object({
        /** Default 3 × the model's largest sample period. */
        after: durationSchema.optional(),
        /** Catalogue fault to report; default the built-in NO_DATA. */
        fault: z.string().regex(CODE).optional(),
        /** Cancel the NO_DATA ticket when the device reports again before anyone is dispatched. Default false. */
        autoCancel: z.boolean().default(false),
      })
      .strict()
      .default({ autoCancel: false }),
    rules: z.array(detectionRuleSchema).default([]),
  })
  .strict();

export type RunningCondition = z.infer<typeof runningConditionSchema>;
export type Smooth = z.infer<typeof smoothSchema>;
export type NewNormal = z.infer<typeof newNormalSchema>;
export type ThresholdRule = z.infer<typeof thresholdRuleSchema>;
export type RateRule = z.infer<typeof rateRuleSchema>;
export type EventRule = z.infer<typeof eventRuleSchema>;
export type AnomalyRule = z.infer<typeof anomalyRuleSchema>;
export type TrendRule = z.infer<typeof trendRuleSchema>;
export type LearnedRule = z.infer<typeof learnedRuleSchema>;
export type DetectionRule = z.infer<typeof detectionRuleSchema>;
export type DetectionSection = z.infer<typeof detectionSchema>;

interface ReferenceContext {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void;
}

/** The parts of a model the rules may refer to. */
interface ModelReferences {
  metrics: Record<string, unknown>;
  events: Record<string, { fault?: string | undefined }>;
  faults: readonly { code: string }[];
  detection?: DetectionSection | undefined;
}

/** Checks that every rule names known metrics, faults and event codes, and that rule ids are unique. */
export function checkDetectionReferences(model: ModelReferences, ctx: ReferenceContext): void {
  const detection = model.detection;
  if (!detection) return;
  const faults = new Set(model.faults.map((f) => f.code));
  const issue = (path: (string | number)[], message: string): void => ctx.addIssue({ code: 'custom', path: ['detection', ...path], message });
  const metric = (path: (string | number)[], name: string): void => {
    if (!(name in model.metrics)) issue(path, `unknown metric ${name}`);
  };
  const fault = (path: (string | number)[], code: string): void => {
    if (!faults.has(code)) issue(path, `unknown fault ${code}`);
  };
  if (detection.silence.fault) fault(['silence', 'fault'], detection.silence.fault);
  const ids = new Set<string>();
  detection.rules.forEach((rule, i) => {
    const at = (...rest: (string | number)[]): (string | number)[] => ['rules', i, ...rest];
    if (ids.has(rule.id)) issue(at('id'), `duplicate rule id ${rule.id}`);
    ids.add(rule.id);
    fault(at('fault'), rule.fault);
    rule.suppressedBy.forEach((code, j) => fault(at('suppressedBy', j), code));
    if (rule.kind === 'event') {
      rule.codes?.forEach((code, j) => {
        const event = model.events[code];
        if (!event) issue(at('codes', j), `unknown event code ${code}`);
        else if (event.fault && event.fault !== rule.fault) issue(at('codes', j), `event ${code} points to fault ${event.fault}, not ${rule.fault}`);
      });
      if (!rule.codes && !Object.values(model.events).some((e) => e.fault === rule.fault)) {
        issue(at('codes'), `no event of the model points to fault ${rule.fault}; list the codes`);
      }
      return;
    }
    if (rule.kind === 'learned') {
      rule.metrics.forEach((name, j) => metric(at('metrics', j), name));
      if (new Set(rule.metrics).size !== rule.metrics.length) issue(at('metrics'), 'a metric is listed twice');
      for (const name of Object.keys(rule.minSpread))
        if (!rule.metrics.includes(name)) issue(at('minSpread', name), `${name} is not one of the rule's metrics`);
      for (const name of Object.keys(rule.follow)) if (!rule.metrics.includes(name)) issue(at('follow', name), `${name} is not one of the rule's metrics`);
      if (rule.mode) metric(at('mode', 'metric'), rule.mode.metric);
    } else metric(at('metric'), rule.metric);
    if (rule.whenRunning) metric(at('whenRunning', 'metric'), rule.whenRunning.metric);
  });
}
