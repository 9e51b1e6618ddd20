/**
 * Replays a simulated asset (simulators/signal.ts) through detection at accelerated time: readings
 * every `stepMs` of simulated time (each metric only when its own sample period has elapsed),
 * controller events as the simulator releases them, evaluated in micro-batches with the state
 * carried between batches as JSON (as a worker keeping it in Redis would).
 */
import { evaluate } from '../../src/detection/detection.engine.js';
import type { AssetDetectionState, ControllerEvent, Finding, Reading } from '../../src/detection/detection.types.js';
import type { EquipmentModel } from '../../src/models/models.schema.js';
import type { AssetSignal } from '../../simulators/signal.js';

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
