/**
 * Scenario set and scoring for the detection benchmark (bench/detection.ts).
 *
 * For every equipment model: every fault of its catalogue injected into its own asset (several
 * seeds, onset after a few healthy days at a seed-dependent hour), plus N healthy assets over the
 * same period. Each asset is replayed in-process at accelerated simulated time through
 * test/detection/replay.ts (evaluate() over micro-batches, state round-tripped through JSON).
 *
 * Scoring, over firing findings only:
 * - true positive: a finding for the injected fault code on that asset at or after onset;
 * - false positive: any finding on a healthy asset, or on a faulty asset a finding for another
 *   fault code or before onset.
 * Recall counts faulty assets with at least one true positive. Degradation faults are replayed until
 * the affected metric reaches its limit (see limitReachedAt) or the end of the period, whichever is
 * later; their lead time is limit − first detection. Sudden faults: delay = first detection − onset;
 * those with a telemetry rule are also replayed with their controller events dropped.
 */
import { compileModel } from '../src/telemetry/detection/detection.engine.js';
import type { Finding } from '../src/telemetry/detection/detection.types.js';
import type { EquipmentModel, FaultDefinition } from '../src/telemetry/models/models.schema.js';
import { createAssetSignal } from '../simulators/signal.js';
import { DAY, HOUR, limitReachedAt, replay } from '../test/detection/replay.js';

export interface ScenarioOptions {
  /** Healthy assets per model. Default 20. */
  healthy: number;
  /** Simulated period per asset in days. Default 14. */
  days: number;
  /** Faulty assets (seeds) per catalogue fault. Default 3. */
  seedsPerFault: number;
  /** Base seed; every asset derives its own from it. Default 1. */
  seed: number;
  /** Simulated time between readings (ms). Default 60 000. */
  stepMs: number;
  /** Simulated time per micro-batch (ms). Default 10 min. */
  batchMs: number;
  /** Healthy days before a fault starts. Default 3. */
  healthyDaysBeforeOnset: number;
}

export const START = Date.UTC(2025, 5, 2);

export interface Scenario {
  model: EquipmentModel;
  seed: number;
  fault?: { definition: FaultDefinition; onset: number; limitAt?: number };
  /** Controller events dropped: the fault must be found from telemetry alone. */
  dropEvents?: boolean;
  from: number;
  to: number;
}

export interface ScenarioResult {
  scenario: Scenario;
  truePositives: number;
  falsePositives: Finding[];
  /** First true positive (epoch ms), if any. */
  detectedAt?: number;
  /** Kind of the detector behind the first true positive. */
  detectedBy?: string;
  assetDays: number;
  readings: number;
}

/** Builds the scenario set: faulty assets first (model by model, fault by fault), then healthy ones. */
export function buildScenarios(models: EquipmentModel[], options: ScenarioOptions): Scenario[] {
  const end = START + options.days * DAY;
  const scenarios: Scenario[] = [];
  models.forEach((model, m) => {
    const telemetryRuled = new Set(
      compileModel(model)
        .rules.filter((r) => r.kind !== 'event')
        .map((r) => r.fault),
    );
    model.faults.forEach((definition, f) => {
      for (let k = 0; k < options.seedsPerFault; k++) {
        const seed = options.seed * 100_003 + m * 10_007 + f * 101 + k;
        // Onset hour varies with the seed so faults start at different points of the daily cycle.
        const onset = START + options.healthyDaysBeforeOnset * DAY + ((7 + 5 * k) % 24) * HOUR;
        if (definition.simulation?.kind === 'degradation') {
          const limitAt = limitReachedAt(model, definition, { seed, startTime: START, onset, stepMs: options.stepMs });
          scenarios.push({ model, seed, fault: { definition, onset, limitAt }, from: START, to: Math.max(end, limitAt) });
        } else {
          scenarios.push({ model, seed, fault: { definition, onset }, from: START, to: end });
          // Sudden faults with a telemetry rule also without their controller event.
          if (telemetryRuled.has(definition.code)) scenarios.push({ model, seed, fault: { definition, onset }, from: START, to: end, dropEvents: true });
        }
      }
    });
    for (let h = 0; h < options.healthy; h++) {
      scenarios.push({ model, seed: options.seed * 100_003 + m * 10_007 + 50_000 + h, from: START, to: end });
    }
  });
  return scenarios;
}

/** Replays one scenario and scores its findings. */
export function runScenario(scenario: Scenario, options: ScenarioOptions): ScenarioResult {
  const { model, fault } = scenario;
  const signal = createAssetSignal(model, { seed: scenario.seed, startTime: START });
  if (fault) signal.inject(fault.definition.code, fault.onset);
  const batchSize = Math.max(1, Math.round(options.batchMs / options.stepMs));
  const { findings, readings } = replay(model, signal, {
    from: scenario.from,
    to: scenario.to,
    stepMs: options.stepMs,
    batchSize,
    dropEvents: scenario.dropEvents ?? false,
  });
  const result: ScenarioResult = { scenario, truePositives: 0, falsePositives: [], assetDays: (scenario.to - scenario.from) / DAY, readings };
  for (const finding of findings) {
    if (finding.state !== 'firing') continue;
    if (fault && finding.faultCode === fault.definition.code && finding.at >= fault.onset) {
      result.truePositives += 1;
      if (result.detectedAt === undefined) {
        result.detectedAt = finding.at;
        result.detectedBy = finding.kind;
      }
    } else {
      result.falsePositives.push(finding);
    }
  }
  return result;
}

export interface Quality {
  truePositives: number;
  falsePositives: number;
  faulty: number;
  detected: number;
  assetDays: number;
  healthyAssetDays: number;
  healthyFalsePositives: number;
  precision: number;
  recall: number;
  /** False positives (all assets) per simulated asset-day. */
  falseAlarmsPerAssetDay: number;
}

export function quality(results: ScenarioResult[]): Quality {
  let truePositives = 0;
  let falsePositives = 0;
  let faulty = 0;
  let detected = 0;
  let assetDays = 0;
  let healthyAssetDays = 0;
  let healthyFalsePositives = 0;
  for (const r of results) {
    truePositives += r.truePositives;
    falsePositives += r.falsePositives.length;
    assetDays += r.assetDays;
    if (r.scenario.fault) {
      faulty += 1;
      if (r.detectedAt !== undefined) detected += 1;
    } else {
      healthyAssetDays += r.assetDays;
      healthyFalsePositives += r.falsePositives.length;
    }
  }
  const fired = truePositives + falsePositives;
  return {
    truePositives,
    falsePositives,
    faulty,
    detected,
    assetDays,
    healthyAssetDays,
    healthyFalsePositives,
    precision: fired === 0 ? 1 : truePositives / fired,
    recall: faulty === 0 ? 1 : detected / faulty,
    falseAlarmsPerAssetDay: assetDays === 0 ? 0 : falsePositives / assetDays,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
