/**
 * Turns a model's `detection` section into compiled rules: durations in milliseconds, defaults
 * that depend on the model filled in, and one implicit event rule (never auto-clearing) for every
 * controller event that points to a fault but is not listed by an explicit event rule — so a
 * controller that says "this is fault X" is always heard. Compiled once per model object.
 */
import { durationMs, type NewNormal, type RunningCondition } from './detection-rules.schema.js';
import type { CompiledNewNormal } from './steady.js';
import { NO_DATA_FAULT, type CompiledCondition, type CompiledRule, type SilenceRule } from './detection.types.js';
import { compileSmooth } from './smoothing.js';
import type { EquipmentModel } from '../models/models.schema.js';

export interface CompiledModel {
  modelId: string;
  rules: CompiledRule[];
  silence: SilenceRule;
  /** JSON signature of each rule, by id. */
  signatures: Map<string, string>;
}

/** Devices may publish slower than their model's sample period (a `--rate` option, a replay): bridge gaps up to 5 min. */
const DEFAULT_MIN_GAP_MS = 300_000;
const PER_MS = { second: 1_000, minute: 60_000, hour: 3_600_000 } as const;
const cache = new WeakMap<EquipmentModel, CompiledModel>();

export function compileModel(model: EquipmentModel): CompiledModel {
  const cached = cache.get(model);
  if (cached) return cached;
  const detection = model.detection ?? { silence: { autoCancel: false }, rules: [] };
  const periodMs = (metric: string): number => (model.metrics[metric]?.samplePeriodSeconds ?? 60) * 1_000;
  const condition = (c: RunningCondition | undefined): CompiledCondition | undefined =>
    c && { metric: c.metric, above: c.above, below: c.below, settleMs: durationMs(c.settle) };
  // Alarm hygiene: a share of 1 is the original "every sample" code path, so it compiles to nothing.
  const share = (s: number | undefined): number | undefined => (s !== undefined && s < 1 ? s : undefined);
  const rules: CompiledRule[] = detection.rules.map((rule): CompiledRule => {
    switch (rule.kind) {
      case 'threshold': {
        const { for: f, clearFor, maxGap, whenRunning, smooth, forShare, clearShare, ...rest } = rule;
        return {
          ...rest,
          forMs: durationMs(f),
          clearForMs: durationMs(clearFor),
          maxGapMs: maxGap === undefined ? Math.max(3 * periodMs(rule.metric), DEFAULT_MIN_GAP_MS) : durationMs(maxGap),
          whenRunning: condition(whenRunning),
          smooth: compileSmooth(smooth),
          forShare: share(forShare),
          clearShare: share(clearShare),
        };
      }
      case 'rate': {
        const { window, for: f, clearFor, whenRunning, smooth, forShare, clearShare, ...rest } = rule;
        const forMs = f === undefined ? 0 : durationMs(f);
        return {
          ...rest,
          windowMs: durationMs(window),
          forMs: forMs > 0 ? forMs : undefined,
          clearForMs: durationMs(clearFor),
          perMs: PER_MS[rule.per],
          whenRunning: condition(whenRunning),
          smooth: compileSmooth(smooth),
          forShare: share(forShare),
          clearShare: share(clearShare),
        };
      }
      case 'event': {
        const { codes, clearAfter, ...rest } = rule;
        const mapped = Object.entries(model.events)
          .filter(([, e]) => e.fault === rule.fault)
          .map(([code]) => code);
        return { ...rest, codes: codes ?? mapped, clearAfterMs: clearAfter === undefined ? null : durationMs(clearAfter) };
      }
      case 'anomaly': {
        const { window, warmup, for: f, clearFor, whenRunning, smooth, forShare, clearShare, newNormal, ...rest } = rule;
        return {
          ...rest,
          newNormal: compileNewNormal(newNormal),
          windowMs: durationMs(window),
          warmupMs: durationMs(warmup),
          forMs: durationMs(f),
          clearForMs: durationMs(clearFor),
          whenRunning: condition(whenRunning),
          smooth: compileSmooth(smooth),
          forShare: share(forShare),
          clearShare: share(clearShare),
        };
      }
      case 'learned': {
        const { trainSpan, smooth, follow, maxAge, for: f, clearFor, relearnAfterRepair, whenRunning, minSpread, newNormal, ...rest } = rule;
        return {
          ...rest,
          newNormal: compileNewNormal(newNormal),
          trainSpanMs: durationMs(trainSpan),
          smoothMs: durationMs(smooth),
          smoothScore: durationMs(smooth) > 0 ? { stat: 'mean', windowMs: durationMs(smooth), quantile: null } : undefined,
          followMs: rule.metrics.map((m) => (follow[m] === undefined ? 0 : durationMs(follow[m]))),
          minSpread: rule.metrics.map((m) => minSpread[m] ?? model.metrics[m]?.accuracy ?? 0),
          maxAgeMs: maxAge === undefined ? 3 * Math.max(...rule.metrics.map(periodMs)) : durationMs(maxAge),
          forMs: durationMs(f),
          clearForMs: durationMs(clearFor),
          relearnAfterRepairMs: relearnAfterRepair === false ? null : durationMs(relearnAfterRepair),
          whenRunning: condition(whenRunning),
        };
      }
      case 'trend': {
        const { bucket, window, horizon, whenRunning, ...rest } = rule;
        return {
          ...rest,
          bucketMs: durationMs(bucket),
          windowMs: durationMs(window),
          horizonMs: durationMs(horizon),
          whenRunning: condition(whenRunning),
        };
      }
    }
  });
  const covered = new Set(rules.flatMap((r) => (r.kind === 'event' ? r.codes : [])));
  for (const [code, event] of Object.entries(model.events)) {
    if (!event.fault || covered.has(code)) continue;
    rules.push({
      kind: 'event',
      id: `event-${code.toLowerCase()}`,
      fault: event.fault,
      suppressedBy: [],
      autoCancel: false,
      ticket: { policy: 'immediate' },
      codes: [code],
      clearAfterMs: null,
    });
  }
  const largestPeriodS = Math.max(...Object.values(model.metrics).map((m) => m.samplePeriodSeconds));
  const silence: SilenceRule = {
    ruleId: 'silence',
    faultCode: detection.silence.fault ?? NO_DATA_FAULT,
    afterMs: detection.silence.after === undefined ? 3 * largestPeriodS * 1_000 : durationMs(detection.silence.after),
    autoCancel: detection.silence.autoCancel ?? false,
  };
  const compiled: CompiledModel = { modelId: model.id, rules, silence, signatures: new Map(rules.map((r) => [r.id, signature(r)])) };
  cache.set(model, compiled);
  return compiled;
}

/**
 * What restarts a rule's state when it changes: everything but what happens to its alarm — the
 * ticket policy and when the alarm is called the new normal.
 */
function signature(rule: CompiledRule): string {
  return JSON.stringify({ ...rule, ticket: undefined, newNormal: undefined });
}

function compileNewNormal(newNormal: NewNormal | false | undefined): CompiledNewNormal | null {
  if (!newNormal) return null;
  return { afterMs: durationMs(newNormal.after), drift: newNormal.drift, variation: newNormal.variation };
}
