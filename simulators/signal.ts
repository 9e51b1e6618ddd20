/**
 * Deterministic signal generator for one simulated asset, driven by its equipment model file.
 *
 * Every value is a pure function of (model, seed, start time, injected faults, simulated time):
 * noise comes from a hash of (seed, metric, timestamp), never from call order, so the same seed
 * gives the same readings whichever times are sampled and in whatever order.
 *
 * Shape of a metric while the machine runs:
 *   base + offset + load·L(t) + daily·D(t) + faults(t) + noise
 * and while it is stopped (off phase of the duty cycle) it relaxes toward
 *   idle + offset + daily·D(t) + faults(t) + noise
 * with a first-order lag (time constant {@link TRANSITION_TAU_MS}, settled after 4 of them); the noise and the per-asset
 * offset scale with it by |idle| / |base| (at most 1), so a stopped compressor reads 0 A, not ±noise. L(t) ∈ [0, 1] is the load:
 * a daily curve peaking at 15:00 site time plus slow seeded wander; D(t) = cos(2π(h − 15)/24).
 * Counter metrics (`counterPerHour`) start at `base` (+ a seeded spread) and grow only while running.
 * Results are clamped to the physical range and rounded to `decimals`.
 */
import type { EquipmentModel, FaultDefinition } from '../src/telemetry/models/models.schema.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Time constant of the on/off transition toward the running or idle value. */
export const TRANSITION_TAU_MS = 90_000;
/** Hour of the day (site time) at which the daily curve peaks. */
export const DAILY_PEAK_HOUR = 15;

export type EventSeverity = 'info' | 'warning' | 'alarm' | 'critical';

export interface SimulatedEvent {
  ts: number;
  code: string;
  severity: EventSeverity;
  message: string;
}

export interface ActiveFault {
  code: string;
  kind: 'degradation' | 'sudden';
  /** Simulated time (epoch ms) at which the fault starts. */
  sinceMs: number;
}

export interface AssetSignalOptions {
  /** PRNG seed; the same seed gives the same signal. Default 1. */
  seed?: number;
  /** Simulated time (epoch ms) the counters count from. Required. */
  startTime: number;
  /** Site time = UTC + this many hours, for the daily cycle. Default 0. */
  utcOffsetHours?: number;
}

export interface AssetSignal {
  readonly modelId: string;
  /** Every metric of the model at simulated time `simTimeMs` (epoch ms). Also releases due events. */
  sample(simTimeMs: number): Record<string, number>;
  /** True when the duty cycle has the machine running at `simTimeMs`. */
  isRunning(simTimeMs: number): boolean;
  /** Load factor 0..1 at `simTimeMs`. */
  loadAt(simTimeMs: number): number;
  /** Starts a catalogue fault at `atSimTimeMs`; re-injecting a code moves its start. */
  inject(faultCode: string, atSimTimeMs: number): void;
  /** Removes a fault (and its event if not yet released). */
  clear(faultCode: string): void;
  /** Injected faults; with a time, only those already started then. */
  activeFaults(atSimTimeMs?: number): ActiveFault[];
  /** Controller events whose time has been reached by sample(), oldest first; each is returned once. */
  drainEvents(): SimulatedEvent[];
}

export class SimulationError extends Error {
  readonly code = 'SIMULATION_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'SimulationError';
  }
}

/** 32-bit integer hash of a few integers (murmur3-style finaliser). */
export function hash32(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    let k = Math.floor(v) | 0;
    const hi = Math.floor(v / 4_294_967_296) | 0;
    k = Math.imul(k ^ hi, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of a string, for seeding per device id. */
export function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Standard normal deviate (Box–Muller) from a PRNG. */
function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

interface MetricPlan {
  name: string;
  index: number;
  min: number;
  max: number;
  base: number;
  idle: number;
  load: number;
  daily: number;
  noise: number;
  scale: number;
  counterPerHour: number | undefined;
  /** Noise while stopped relative to running: |idle| / |base|, capped at 1 (a stopped motor draws 0 A, exactly). */
  idleNoiseRatio: number;
  /** Seeded per-asset offset (manufacturing spread), or counter starting value for counters. */
  offset: number;
}

interface InjectedFault {
  definition: FaultDefinition;
  sinceMs: number;
}

export function createAssetSignal(model: EquipmentModel, options: AssetSignalOptions): AssetSignal {
  const seed = (options.seed ?? 1) >>> 0;
  const startTime = options.startTime;
  if (!Number.isFinite(startTime)) throw new SimulationError('startTime must be a finite epoch-ms number');
  const utcOffsetMs = (options.utcOffsetHours ?? 0) * HOUR_MS;
  const setup = mulberry32(hash32(seed, 0x5eed));

  const unsimulated = Object.entries(model.metrics)
    .filter(([, def]) => !def.simulation)
    .map(([name]) => name);
  if (unsimulated.length > 0) {
    throw new SimulationError(
      `model ${model.id} cannot be simulated: metric(s) ${unsimulated.join(', ')} have no simulation block (a model for real equipment needs none)`,
    );
  }
  const duty = model.simulation.dutyCycle;
  const onMs = duty ? duty.onMinutes * 60_000 : 0;
  const cycleMs = duty ? onMs + duty.offMinutes * 60_000 : 0;
  const continuous = !duty || duty.offMinutes === 0;
  const phaseOffsetMs = continuous ? 0 : Math.floor(setup() * cycleMs);
  const wanderPhase = [setup() * 2 * Math.PI, setup() * 2 * Math.PI];

  const plans: MetricPlan[] = Object.entries(model.metrics).map(([name, def], index) => {
    const sim = def.simulation!;
    const spread = gaussian(setup);
    const counter = sim.counterPerHour !== undefined;
    return {
      name,
      index,
      min: def.min,
      max: def.max,
      base: sim.base,
      idle: sim.idle ?? sim.base,
      load: sim.load,
      daily: sim.daily,
      noise: sim.noise,
      scale: 10 ** sim.decimals,
      counterPerHour: sim.counterPerHour,
      idleNoiseRatio: sim.base === 0 ? 1 : Math.min(1, Math.abs((sim.idle ?? sim.base) / sim.base)),
      // Counters: a seeded head start of up to 50 % of base; others: one noise sd of spread.
      offset: counter ? sim.base * 0.5 * setup() : spread * sim.noise,
    };
  });

  const faults = new Map<string, InjectedFault>();
  const pending: SimulatedEvent[] = [];
  const ready: SimulatedEvent[] = [];

  /** On-time accumulated over [0, p) of the duty-cycle pattern. */
  const onTimeUpTo = (p: number): number => Math.floor(p / cycleMs) * onMs + Math.min(((p % cycleMs) + cycleMs) % cycleMs, onMs);

  const runningMsSinceStart = (t: number): number => {
    if (continuous) return t - startTime;
    const p = t - startTime + phaseOffsetMs;
    return onTimeUpTo(p) - onTimeUpTo(phaseOffsetMs);
  };

  /** Running state and milliseconds spent in the current phase. */
  const phase = (t: number): { running: boolean; inPhaseMs: number } => {
    if (continuous) return { running: true, inPhaseMs: Number.POSITIVE_INFINITY };
    const pos = (((t - startTime + phaseOffsetMs) % cycleMs) + cycleMs) % cycleMs;
    return pos < onMs ? { running: true, inPhaseMs: pos } : { running: false, inPhaseMs: pos - onMs };
  };

  const siteHour = (t: number): number => ((((t + utcOffsetMs) % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
  const dailyShape = (t: number): number => Math.cos((2 * Math.PI * (siteHour(t) - DAILY_PEAK_HOUR)) / 24);

  const loadAt = (t: number): number => {
    const wander =
      0.6 * Math.sin((2 * Math.PI * t) / (2.7 * HOUR_MS) + wanderPhase[0]!) + 0.4 * Math.sin((2 * Math.PI * t) / (9.1 * HOUR_MS) + wanderPhase[1]!);
    return Math.min(1, Math.max(0, 0.5 + 0.4 * dailyShape(t) + 0.08 * wander));
  };

  const faultEffect = (metric: string, t: number): number => {
    let total = 0;
    for (const { definition, sinceMs } of faults.values()) {
      if (t < sinceMs) continue;
      const sim = definition.simulation!;
      for (const effect of sim.effects) {
        if (effect.metric !== metric) continue;
        total += sim.kind === 'sudden' ? effect.change : (effect.change * (t - sinceMs)) / DAY_MS;
      }
    }
    return total;
  };

  const finish = (plan: MetricPlan, value: number): number => {
    const clamped = Math.min(plan.max, Math.max(plan.min, value));
    return Math.round(clamped * plan.scale) / plan.scale;
  };

  const sample = (t: number): Record<string, number> => {
    if (!Number.isFinite(t)) throw new SimulationError('sample time must be a finite epoch-ms number');
    releaseEvents(t);
    const { running, inPhaseMs } = phase(t);
    const L = loadAt(t);
    const D = dailyShape(t);
    // First-order lag, normalised to reach exactly 1 after 4 time constants.
    const w = Math.min(1, (1 - Math.exp(-inPhaseMs / TRANSITION_TAU_MS)) / (1 - Math.exp(-4)));
    const out: Record<string, number> = {};
    for (const plan of plans) {
      if (plan.counterPerHour !== undefined) {
        const hours = runningMsSinceStart(t) / HOUR_MS;
        out[plan.name] = finish(plan, plan.base + plan.offset + plan.counterPerHour * hours);
        continue;
      }
      const runValue = plan.base + plan.load * L;
      const target = running ? plan.idle + (runValue - plan.idle) * w : runValue + (plan.idle - runValue) * w;
      const rand = mulberry32(hash32(seed, plan.index + 1, t));
      const noiseScale = running ? plan.idleNoiseRatio + (1 - plan.idleNoiseRatio) * w : 1 + (plan.idleNoiseRatio - 1) * w;
      const noise = plan.noise > 0 ? gaussian(rand) * plan.noise : 0;
      out[plan.name] = finish(plan, target + (plan.offset + noise) * noiseScale + plan.daily * D + faultEffect(plan.name, t));
    }
    return out;
  };

  function releaseEvents(t: number): void {
    pending.sort((a, b) => a.ts - b.ts);
    while (pending.length > 0 && pending[0]!.ts <= t) ready.push(pending.shift()!);
  }

  const inject = (faultCode: string, atSimTimeMs: number): void => {
    const definition = model.faults.find((f) => f.code === faultCode);
    if (!definition) {
      throw new SimulationError(`model ${model.id} has no fault ${faultCode} (known: ${model.faults.map((f) => f.code).join(', ') || 'none'})`);
    }
    if (!definition.simulation) throw new SimulationError(`fault ${faultCode} of model ${model.id} has no simulation block`);
    if (!Number.isFinite(atSimTimeMs)) throw new SimulationError('fault time must be a finite epoch-ms number');
    clear(faultCode);
    faults.set(faultCode, { definition, sinceMs: atSimTimeMs });
    const { kind, eventCode } = definition.simulation;
    if (kind === 'sudden' && eventCode) {
      const event = model.events[eventCode];
      pending.push({
        ts: atSimTimeMs,
        code: eventCode,
        severity: event?.severity ?? 'alarm',
        message: event?.description ?? definition.title,
      });
    }
  };

  function clear(faultCode: string): void {
    const existing = faults.get(faultCode);
    if (!existing) return;
    faults.delete(faultCode);
    const eventCode = existing.definition.simulation?.eventCode;
    const i = pending.findIndex((e) => e.code === eventCode && e.ts === existing.sinceMs);
    if (i >= 0) pending.splice(i, 1);
  }

  return {
    modelId: model.id,
    sample,
    isRunning: (t) => phase(t).running,
    loadAt,
    inject,
    clear,
    activeFaults: (at) =>
      [...faults.entries()]
        .filter(([, f]) => at === undefined || f.sinceMs <= at)
        .map(([code, f]) => ({ code, kind: f.definition.simulation!.kind, sinceMs: f.sinceMs })),
    drainEvents: () => ready.splice(0, ready.length),
  };
}
