/**
 * Replays a simulated asset (simulators/signal.ts) through detection at accelerated time: readings
 * every `stepMs` of simulated time (each metric only when its own sample period has elapsed),
 * controller events as the simulator releases them, evaluated in micro-batches with the state
 * carried between batches as JSON (as a worker keeping it in Redis would).
 */
import { compileModel, evaluate } from '../../src/telemetry/detection/detection.engine.js';
import type { AssetDetectionState, ControllerEvent, Finding, Reading } from '../../src/telemetry/detection/detection.types.js';
import type { EquipmentModel, FaultDefinition } from '../../src/telemetry/models/models.schema.js';
import { createAssetSignal, type AssetSignal } from '../../simulators/signal.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface ReplayOptions {
  from: number;
  to: number;
  /** Simulated time between readings. Default 60 s. */
  stepMs?: number;
  /** Readings per micro-batch. Default 120. */
  batchSize?: number;
  /** Stops early when this returns true for a finding. */
  stopWhen?: (finding: Finding) => boolean;
  /** Drop the controller events (detection from telemetry alone). Default false. */
  dropEvents?: boolean;
}

export interface ReplayResult {
  findings: Finding[];
  state: AssetDetectionState | null;
  readings: number;
  /** Simulated time reached. */
  until: number;
}

export function replay(model: EquipmentModel, signal: AssetSignal, options: ReplayOptions): ReplayResult {
  const stepMs = options.stepMs ?? MINUTE;
  const batchSize = options.batchSize ?? 120;
  const periods = Object.entries(model.metrics).map(([name, m]) => [name, Math.max(stepMs, m.samplePeriodSeconds * 1000)] as const);
  let state: AssetDetectionState | null = null;
  const findings: Finding[] = [];
  let batch: Reading[] = [];
  let events: ControllerEvent[] = [];
  let count = 0;
  let t = options.from;
  const flush = (): boolean => {
    const result = evaluate(model, state, batch, events);
    // Through JSON, as a worker storing the state in Redis would.
    state = JSON.parse(JSON.stringify(result.state)) as AssetDetectionState;
    findings.push(...result.findings);
    batch = [];
    events = [];
    return options.stopWhen !== undefined && result.findings.some(options.stopWhen);
  };
  for (; t < options.to; t += stepMs) {
    const values = signal.sample(t);
    const metrics: Record<string, number> = {};
    for (const [name, period] of periods) if ((t - options.from) % period === 0) metrics[name] = values[name]!;
    batch.push({ ts: t, metrics });
    const released = signal.drainEvents();
    if (!options.dropEvents) events.push(...released.map((e) => ({ ts: e.ts, code: e.code, severity: e.severity })));
    count++;
    if (batch.length >= batchSize && flush()) return { findings, state, readings: count, until: t };
  }
  if (batch.length > 0 || events.length > 0) flush();
  return { findings, state, readings: count, until: t };
}

export interface LimitOptions {
  seed: number;
  startTime: number;
  /** When the fault is injected (epoch ms). */
  onset: number;
  /** Simulated time between samples. Default 60 s. */
  stepMs?: number;
}

/**
 * When a degradation fault reaches its limit, computed from the signal: the first reading of an
 * affected metric outside its normal band; if none within 60 days (a flame signal reads 0 when the
 * burner rests, so never leaves its band), the first settled running reading past the limit of the
 * fault's trend rule. Throws when neither happens.
 */
export function limitReachedAt(model: EquipmentModel, fault: FaultDefinition, options: LimitOptions): number {
  const stepMs = options.stepMs ?? MINUTE;
  const { onset } = options;
  const signal = createAssetSignal(model, { seed: options.seed, startTime: options.startTime });
  signal.inject(fault.code, onset);
  const effects = fault.simulation?.effects ?? [];
  for (let t = onset; t < onset + 60 * DAY; t += stepMs) {
    const v = signal.sample(t);
    for (const { metric } of effects) {
      const normal = model.metrics[metric]?.normal;
      if (normal && (v[metric]! < normal.min || v[metric]! > normal.max)) return t;
    }
  }
  const trend = compileModel(model).rules.find((r) => r.fault === fault.code && r.kind === 'trend');
  if (trend?.kind !== 'trend') throw new Error(`${model.id} ${fault.code}: no limit`);
  const settled = (t: number): boolean => [0, 2, 4, 6].every((m) => signal.isRunning(t - m * MINUTE));
  for (let t = onset; t < onset + 90 * DAY; t += stepMs) {
    const v = signal.sample(t)[trend.metric]!;
    if (settled(t) && (trend.above !== undefined ? v >= trend.above : v <= trend.below!)) return t;
  }
  throw new Error(`${model.id} ${fault.code}: the limit is never reached`);
}
