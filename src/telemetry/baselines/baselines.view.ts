/**
 * What an asset's learned rules have learnt, read from its detection state (pure: state in, view
 * out). A rule whose state is missing, or was kept for another version of the rule (its
 * signature differs: the worker starts it afresh at the next reading), shows as not started.
 */
import type { CompiledModel } from '../detection/detection-rules.compiler.js';
import type { AssetDetectionState, CompiledLearned, LearnedBaseline, LearnedState } from '../detection/detection.types.js';
import { ALL_MODES } from '../detection/learned.detector.js';
import type { ModeBaseline, RuleBaselines } from './baselines.schemas.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function learnedRules(compiled: CompiledModel): CompiledLearned[] {
  return compiled.rules.filter((r): r is CompiledLearned => r.kind === 'learned');
}

/** The mode names a rule can have: 'all', or the bin indexes 0 … edges.length. */
export function modeNames(rule: CompiledLearned): string[] {
  return rule.mode ? Array.from({ length: rule.mode.edges.length + 1 }, (_, i) => String(i)) : [ALL_MODES];
}

export function ruleBaselines(compiled: CompiledModel, rule: CompiledLearned, state: AssetDetectionState | null): RuleBaselines {
  const stored = state?.modelId === compiled.modelId ? state.rules[rule.id] : undefined;
  const ruleState = stored?.kind === 'learned' && stored.sig === compiled.signatures.get(rule.id) ? (stored as LearnedState) : undefined;
  const modes = Object.keys(ruleState?.modes ?? {}).sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  if (!rule.mode && !modes.includes(ALL_MODES)) modes.unshift(ALL_MODES);
  return {
    ruleId: rule.id,
    fault: rule.fault,
    metrics: [...rule.metrics],
    modeMetric: rule.mode?.metric ?? null,
    firing: ruleState?.firing ?? false,
    relearnAfterRepairMs: rule.relearnAfterRepairMs,
    modes: modes.map((mode) => modeBaseline(rule, mode, ruleState?.modes[mode])),
  };
}

function modeBaseline(rule: CompiledLearned, mode: string, baseline: LearnedBaseline | undefined): ModeBaseline {
  const fit = baseline?.phase === 'active' ? baseline.fit : null;
  const frozen = baseline?.frozen ?? false;
  const window = fit
    ? { from: fit.trainedFrom, to: fit.trainedTo }
    : baseline?.trainFrom != null
      ? { from: baseline.trainFrom, to: baseline.trainTo ?? baseline.trainFrom }
      : null;
  return {
    mode,
    range: range(rule, mode),
    state: frozen ? 'frozen' : fit ? 'active' : 'learning',
    frozen,
    progress: fit
      ? null
      : {
          samples: baseline?.train.length ?? 0,
          needed: rule.trainSamples,
          spanMs: window ? window.to - window.from : 0,
          neededSpanMs: rule.trainSpanMs,
        },
    trainingWindow: window ? { from: iso(window.from), to: iso(window.to) } : null,
    samples: fit?.samples ?? null,
    metrics: fit ? rule.metrics.map((metric, j) => ({ metric, learnedCentre: fit.learnedCentre[j]!, centre: fit.centre[j]!, spread: fit.spread[j]! })) : [],
    limit: fit?.limit ?? null,
  };
}

function range(rule: CompiledLearned, mode: string): ModeBaseline['range'] {
  if (!rule.mode) return null;
  const bin = Number(mode);
  const edges = rule.mode.edges;
  return { from: bin > 0 ? (edges[bin - 1] ?? null) : null, to: edges[bin] ?? null };
}
