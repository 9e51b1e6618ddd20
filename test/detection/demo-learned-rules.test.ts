/**
 * The learned rules of the demo models in devices/ against the simulator (simulators/signal.ts):
 * each can fire at all on its machine's duty cycle, fires on the fault it names after onset and
 * before the fault's limit, and stays quiet on healthy assets. Readings every simulated minute.
 *
 * Why the first check exists: a rule judged only while the machine runs (`whenRunning`) restarts
 * its `for` at every pause, and must also wait `settle` after each start. The compressor runs
 * 14 minutes loaded, then 4 unloaded; its motor baseline had `for: 10m` after a 6 min settle, so
 * no loaded phase was ever long enough and it never fired, whatever the motor did.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModels } from '../../src/telemetry/models/models.loader.js';
import { isSimulatable, type EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import { compileModel } from '../../src/telemetry/detection/detection.engine.js';
import type { CompiledLearned } from '../../src/telemetry/detection/detection.types.js';
import { createAssetSignal } from '../../simulators/signal.js';
import { DAY, HOUR, MINUTE, limitReachedAt, replay } from './replay.js';

const START = Date.UTC(2025, 5, 2);
const ONSET = START + 3 * DAY + 7 * HOUR;

let models: EquipmentModel[];
beforeAll(async () => {
  models = [...(await loadModels(path.resolve(import.meta.dirname, '../../devices'))).values()].filter(isSimulatable);
});

const learnedRules = (model: EquipmentModel): CompiledLearned[] => compileModel(model).rules.filter((r): r is CompiledLearned => r.kind === 'learned');

describe('learned rules of the demo models', () => {
  it('every rule judged only while running can fire within one running phase of its duty cycle', () => {
    for (const model of models) {
      const duty = model.simulation.dutyCycle;
      if (!duty || duty.offMinutes === 0) continue;
      for (const rule of compileModel(model).rules) {
        if (rule.kind === 'event' || !rule.whenRunning) continue;
        const forMs = 'forMs' in rule ? (rule.forMs ?? 0) : 0;
        expect(forMs + rule.whenRunning.settleMs, `${model.id} ${rule.id}: for + settle within ${duty.onMinutes} min running`).toBeLessThan(
          duty.onMinutes * MINUTE,
        );
      }
    }
  });

  it('each simulatable demo model has a learned rule, which fires on its fault after onset and before the limit', () => {
    for (const model of models) {
      const rules = learnedRules(model);
      expect(rules.length, `${model.id} has a learned rule`).toBeGreaterThan(0);
      for (const rule of rules) {
        const fault = model.faults.find((f) => f.code === rule.fault)!;
        const seed = 11;
        const limitAt = limitReachedAt(model, fault, { seed, startTime: START, onset: ONSET });
        const signal = createAssetSignal(model, { seed, startTime: START });
        signal.inject(fault.code, ONSET);
        const { findings } = replay(model, signal, { from: START, to: limitAt, stopWhen: (f) => f.ruleId === rule.id && f.state === 'firing' });
        const fired = findings.filter((f) => f.ruleId === rule.id && f.state === 'firing');
        expect(fired.length, `${model.id} ${rule.id} fires on ${fault.code} before its limit`).toBe(1);
        expect(fired[0]!.at, `${model.id} ${rule.id} after onset`).toBeGreaterThan(ONSET);
        expect(fired[0]!.faultCode).toBe(fault.code);
        console.info(`${model.id} ${rule.id}: ${fault.code} detected ${((limitAt - fired[0]!.at) / HOUR).toFixed(1)} h before the limit`);
      }
    }
  });

  it('no learned rule fires on healthy assets over ten days', () => {
    for (const model of models) {
      for (const seed of [3, 4]) {
        const signal = createAssetSignal(model, { seed, startTime: START });
        const { findings } = replay(model, signal, { from: START, to: START + 10 * DAY });
        const learned = new Set(learnedRules(model).map((r) => r.id));
        expect(
          findings.filter((f) => learned.has(f.ruleId)),
          `${model.id} seed ${seed}`,
        ).toEqual([]);
      }
    }
  });
});
