/** A small in-memory equipment model and series builders for the detector tests. */
import { equipmentModelFileSchema, type EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import { mulberry32 } from '../../simulators/signal.js';
import type { Reading } from '../../src/telemetry/detection/detection.types.js';

export const T0 = Date.UTC(2025, 5, 2);
export const SEC = 1_000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

const metric = (min: number, max: number) => ({ unit: 'u', description: 'd', min, max, samplePeriodSeconds: 10, simulation: { base: 0 } });
const fault = (code: string) => ({
  code,
  title: code,
  diagnosis: 'd',
  probableCauses: ['c'],
  actions: ['a'],
  labourHours: 1,
  skill: 's',
  priority: 'high',
});

/** A model with metrics temp / current / level and faults HOT, JUMP, TRIP, ODD, WEAR, whose `detection.rules` are `rules`. */
export function testModel(rules: unknown[], extra: Record<string, unknown> = {}): EquipmentModel {
  const file = equipmentModelFileSchema.parse({
    name: 'Test',
    manufacturer: 'T',
    category: 'test',
    description: 'd',
    metrics: { temp: metric(-100, 1000), current: metric(0, 500), level: metric(-1000, 1000) },
    events: { 'E-TRIP': { severity: 'critical', description: 'trip', fault: 'TRIP' }, 'W-INFO': { severity: 'info', description: 'info' } },
    faults: ['HOT', 'JUMP', 'TRIP', 'ODD', 'WEAR'].map(fault),
    detection: { rules, ...extra },
  });
  return { id: 'test-model', ...file };
}

/** Gaussian noise source with a fixed seed. */
export function noise(seed: number, sd: number): () => number {
  const rand = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand()) * sd;
}

/** Readings of one metric every `stepMs` from `from` (inclusive) to `to` (exclusive). */
export function series(
  metricName: string,
  from: number,
  to: number,
  stepMs: number,
  value: (t: number) => number,
  extra?: (t: number) => Record<string, number>,
): Reading[] {
  const out: Reading[] = [];
  for (let t = from; t < to; t += stepMs) out.push({ ts: t, metrics: { [metricName]: value(t), ...(extra?.(t) ?? {}) } });
  return out;
}

/** A daily cycle of amplitude `a` peaking at 15:00 UTC, like the simulator's. */
export const daily =
  (a: number) =>
  (t: number): number =>
    a * Math.cos((2 * Math.PI * ((t % DAY) / HOUR - 15)) / 24);
