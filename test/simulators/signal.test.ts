import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModels } from '../../src/telemetry/models/models.loader.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import { SimulationError, createAssetSignal } from '../../simulators/signal.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2025, 5, 2); // a Monday, 00:00 UTC

let models: Map<string, EquipmentModel>;
const model = (id: string): EquipmentModel => {
  const m = models.get(id);
  if (!m) throw new Error(`model ${id} missing`);
  return m;
};

beforeAll(async () => {
  models = await loadModels(path.resolve(import.meta.dirname, '../../devices'));
});

/** The models of devices/ the simulator can run (models for real equipment have no simulation blocks). */
const simulatable = (): EquipmentModel[] => [...models.values()].filter((m) => Object.values(m.metrics).every((d) => d.simulation));

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('createAssetSignal', () => {
  it('is deterministic for a seed, independent of sampling order, and differs between seeds', () => {
    const times = Array.from({ length: 200 }, (_, i) => START + i * 10_000);
    const a = createAssetSignal(model('water-chiller-wc200'), { seed: 42, startTime: START });
    const b = createAssetSignal(model('water-chiller-wc200'), { seed: 42, startTime: START });
    const c = createAssetSignal(model('water-chiller-wc200'), { seed: 43, startTime: START });
    const seqA = times.map((t) => a.sample(t));
    const seqB = [...times]
      .reverse()
      .map((t) => b.sample(t))
      .reverse();
    expect(seqB).toEqual(seqA);
    expect(times.map((t) => c.sample(t))).not.toEqual(seqA);
  });

  it('refuses a model for real equipment (no simulation blocks), naming the metrics', () => {
    const base = model('centrifugal-pump-cp80');
    const { simulation: _unused, ...flow } = base.metrics.flow!;
    const real: EquipmentModel = { ...base, metrics: { ...base.metrics, flow } };
    expect(() => createAssetSignal(real, { seed: 1, startTime: START })).toThrow(SimulationError);
    expect(() => createAssetSignal(real, { seed: 1, startTime: START })).toThrow(/cannot be simulated: metric\(s\) flow have no simulation block/);
  });

  it('keeps every metric of every model inside its physical range and decimals over a simulated week, even with every fault active', () => {
    for (const m of simulatable()) {
      const healthy = createAssetSignal(m, { seed: 7, startTime: START });
      const broken = createAssetSignal(m, { seed: 7, startTime: START });
      for (const f of m.faults) broken.inject(f.code, START + DAY);
      for (let t = START; t < START + 7 * DAY; t += 300_000) {
        for (const signal of [healthy, broken]) {
          const values = signal.sample(t);
          expect(Object.keys(values).sort()).toEqual(Object.keys(m.metrics).sort());
          for (const [name, v] of Object.entries(values)) {
            const def = m.metrics[name]!;
            if (v < def.min || v > def.max) throw new Error(`${m.id}.${name}=${v} outside [${def.min}, ${def.max}] at ${t}`);
            const scaled = v * 10 ** def.simulation!.decimals;
            expect(Math.abs(scaled - Math.round(scaled))).toBeLessThan(1e-6);
          }
        }
      }
    }
  });

  it('counts running hours monotonically, only while running', () => {
    const signal = createAssetSignal(model('water-chiller-wc200'), { seed: 3, startTime: START });
    let previous = -Infinity;
    let offSamples = 0;
    for (let t = START; t < START + 7 * DAY; t += 60_000) {
      const hours = signal.sample(t).running_hours!;
      expect(hours).toBeGreaterThanOrEqual(previous);
      // Across a whole minute stopped, the counter does not move.
      if (!signal.isRunning(t) && !signal.isRunning(t - 60_000) && previous !== -Infinity) {
        expect(hours).toBe(previous);
        offSamples++;
      }
      previous = hours;
    }
    expect(offSamples).toBeGreaterThan(500);
    // 40 min on / 8 min off: about 5/6 of 168 h.
    const grown = signal.sample(START + 7 * DAY).running_hours! - signal.sample(START).running_hours!;
    expect(grown).toBeGreaterThan(168 * (40 / 48) - 1);
    expect(grown).toBeLessThan(168 * (40 / 48) + 1);
  });

  it('shows the duty cycle: the compressor draws nothing while stopped and full current while running', () => {
    const signal = createAssetSignal(model('water-chiller-wc200'), { seed: 5, startTime: START });
    const on: number[] = [];
    const off: number[] = [];
    for (let t = START; t < START + DAY; t += 10_000) {
      const current = signal.sample(t).compressor_current!;
      (signal.isRunning(t) ? on : off).push(current);
    }
    expect(off.length / (on.length + off.length)).toBeCloseTo(8 / 48, 1);
    // Once the 6-minute run-down is over the current is exactly zero (idle 0, noise scaled away).
    expect(off.filter((c) => c === 0).length).toBeGreaterThan(off.length / 5);
    expect(on.filter((c) => c === 0)).toEqual([]);
    expect(mean(off)).toBeLessThan(mean(on) / 2);
    expect(mean(on)).toBeGreaterThan(70);
  });

  it('follows a daily load curve: afternoons are busier than nights', () => {
    for (const [id, metric] of [
      ['centrifugal-pump-cp80', 'flow'],
      ['water-chiller-wc200', 'compressor_current'],
      ['water-chiller-wc200', 'ambient_temp'],
    ] as const) {
      const signal = createAssetSignal(model(id), { seed: 11, startTime: START });
      const afternoon: number[] = [];
      const night: number[] = [];
      for (let t = START; t < START + 7 * DAY; t += 60_000) {
        const hour = new Date(t).getUTCHours();
        const v = signal.sample(t)[metric]!;
        if (hour >= 13 && hour < 17) afternoon.push(v);
        if (hour >= 1 && hour < 5) night.push(v);
      }
      expect(mean(afternoon), `${id}.${metric}`).toBeGreaterThan(mean(night) * 1.1);
    }
  });

  it('moves a degrading metric by change per simulated day', () => {
    const m = model('water-chiller-wc200');
    const fault = m.faults.find((f) => f.code === 'LOW_REFRIGERANT_CHARGE')!;
    const change = fault.simulation!.effects.find((e) => e.metric === 'suction_superheat')!.change;
    const healthy = createAssetSignal(m, { seed: 9, startTime: START });
    const faulty = createAssetSignal(m, { seed: 9, startTime: START });
    const onset = START + 2 * HOUR;
    faulty.inject('LOW_REFRIGERANT_CHARGE', onset);
    expect(faulty.activeFaults(onset - 1)).toEqual([]);
    expect(faulty.activeFaults(onset)).toEqual([{ code: 'LOW_REFRIGERANT_CHARGE', kind: 'degradation', sinceMs: onset }]);
    for (const days of [0, 1, 3, 5]) {
      const t = onset + days * DAY + 17_000;
      const diff = faulty.sample(t).suction_superheat! - healthy.sample(t).suction_superheat!;
      expect(diff).toBeCloseTo(change * days, 1);
    }
    expect(faulty.sample(onset - 10_000)).toEqual(healthy.sample(onset - 10_000));
    expect(faulty.drainEvents()).toEqual([]);
    faulty.clear('LOW_REFRIGERANT_CHARGE');
    expect(faulty.sample(onset + 3 * DAY)).toEqual(healthy.sample(onset + 3 * DAY));
  });

  it('applies a sudden fault at once and emits its controller event exactly once', () => {
    const m = model('water-chiller-wc200');
    const healthy = createAssetSignal(m, { seed: 2, startTime: START });
    const faulty = createAssetSignal(m, { seed: 2, startTime: START });
    // Pick an onset while running so the current drop is visible.
    let onset = START + 6 * HOUR;
    while (!faulty.isRunning(onset) || !faulty.isRunning(onset - 10_000)) onset += 60_000;
    faulty.inject('COMPRESSOR_FAILURE', onset);

    expect(faulty.sample(onset - 10_000)).toEqual(healthy.sample(onset - 10_000));
    expect(faulty.drainEvents()).toEqual([]);

    const after = faulty.sample(onset);
    const before = healthy.sample(onset);
    expect(before.compressor_current).toBeGreaterThan(50);
    expect(after.compressor_current).toBe(0);
    expect(after.chw_supply_temp! - before.chw_supply_temp!).toBeCloseTo(5.5, 1);
    expect(faulty.drainEvents()).toEqual([{ ts: onset, code: 'C1-FAIL', severity: 'critical', message: m.events['C1-FAIL']!.description }]);
    faulty.sample(onset + 10_000);
    faulty.sample(onset + DAY);
    expect(faulty.drainEvents()).toEqual([]);
  });

  it('refuses unknown fault codes with a clear error', () => {
    const signal = createAssetSignal(model('centrifugal-pump-cp80'), { seed: 1, startTime: START });
    expect(() => signal.inject('NO_SUCH_FAULT', START)).toThrow(SimulationError);
    expect(() => signal.inject('NO_SUCH_FAULT', START)).toThrow(/no fault NO_SUCH_FAULT.*MECHANICAL_SEAL_LEAK/);
  });
});
