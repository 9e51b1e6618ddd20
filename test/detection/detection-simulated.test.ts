/**
 * Detection against the simulator (simulators/signal.ts) for every model in devices/: a healthy
 * week stays silent; every catalogue fault with a rule, injected, is detected (by its controller
 * event and, where a telemetry rule exists, from the telemetry alone); degradation faults at least
 * 24 h of simulated time before the metric reaches its limit. Readings every simulated minute.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModels } from '../../src/telemetry/models/models.loader.js';
import { isSimulatable } from '../../src/telemetry/models/models.schema.js';
import { compileModel } from '../../src/telemetry/detection/detection.engine.js';
import type { Finding } from '../../src/telemetry/detection/detection.types.js';
import type { EquipmentModel, FaultDefinition } from '../../src/telemetry/models/models.schema.js';
import { createAssetSignal } from '../../simulators/signal.js';
import { DAY, HOUR, MINUTE, replay } from './replay.js';

const START = Date.UTC(2025, 5, 2);
/** Faults start after three healthy days (baselines and trend windows hold history), at 07:00. */
const ONSET = START + 3 * DAY + 7 * HOUR;
const SEED = 5;

let models: EquipmentModel[];
beforeAll(async () => {
  models = [...(await loadModels(path.resolve(import.meta.dirname, '../../devices'))).values()].filter(isSimulatable);
});

/**
 * When the degradation reaches its limit, computed from the signal: the first reading of an
 * affected metric outside its normal band; if none within 60 days (a flame signal reads 0 when
 * the burner rests, so never leaves its band), the first settled running reading past the limit of
 * the fault's trend rule.
 */
function limitReachedAt(model: EquipmentModel, fault: FaultDefinition): number {
  const signal = createAssetSignal(model, { seed: SEED, startTime: START });
  signal.inject(fault.code, ONSET);
  const effects = fault.simulation!.effects;
  for (let t = ONSET; t < ONSET + 60 * DAY; t += MINUTE) {
    const v = signal.sample(t);
    for (const { metric } of effects) {
      const normal = model.metrics[metric]!.normal;
      if (normal && (v[metric]! < normal.min || v[metric]! > normal.max)) return t;
    }
  }
  const trend = compileModel(model).rules.find((r) => r.fault === fault.code && r.kind === 'trend');
  if (trend?.kind !== 'trend') throw new Error(`${model.id} ${fault.code}: no limit`);
  const settled = (t: number): boolean => [0, 2, 4, 6].every((m) => signal.isRunning(t - m * MINUTE));
  for (let t = ONSET; t < ONSET + 90 * DAY; t += MINUTE) {
    const v = signal.sample(t)[trend.metric]!;
    if (settled(t) && (trend.above !== undefined ? v >= trend.above : v <= trend.below!)) return t;
  }
  throw new Error(`${model.id} ${fault.code}: the limit is never reached`);
}

const tally = { truePositive: 0, falsePositive: 0, faults: 0, detected: 0, telemetryOnly: { faults: 0, detected: 0 } };
const leads: string[] = [];
const firing = (findings: Finding[]): Finding[] => findings.filter((f) => f.state === 'firing');

describe('detection on simulated assets', () => {
  it('a healthy week of every model produces no finding', () => {
    for (const model of models) {
      const signal = createAssetSignal(model, { seed: SEED, startTime: START });
      const { findings, readings } = replay(model, signal, { from: START, to: START + 7 * DAY });
      expect(readings).toBe(7 * 1440);
      expect(findings, model.id).toEqual([]);
      tally.falsePositive += firing(findings).length;
    }
  });

  it('detects every sudden fault at once from its controller event, and from telemetry alone where a telemetry rule exists', () => {
    for (const model of models) {
      const rules = compileModel(model).rules;
      for (const fault of model.faults.filter((f) => f.simulation?.kind === 'sudden')) {
        if (!rules.some((r) => r.fault === fault.code)) continue;
        for (const dropEvents of [false, true]) {
          const telemetryRules = rules.filter((r) => r.fault === fault.code && r.kind !== 'event');
          if (dropEvents && telemetryRules.length === 0) continue;
          const signal = createAssetSignal(model, { seed: SEED, startTime: START });
          signal.inject(fault.code, ONSET);
          const { findings } = replay(model, signal, { from: ONSET - DAY, to: ONSET + DAY, dropEvents });
          const fired = firing(findings);
          const hit = fired.find((f) => f.faultCode === fault.code);
          const where = `${model.id} ${fault.code}${dropEvents ? ' (telemetry only)' : ''}`;
          expect(hit, where).toBeDefined();
          expect(hit!.at, where).toBeGreaterThanOrEqual(ONSET);
          // From the event: at the event's time; from telemetry: within the hour.
          expect(hit!.at - ONSET, where).toBeLessThanOrEqual(dropEvents ? HOUR : 0);
          expect(
            fired.filter((f) => f.faultCode !== fault.code),
            where,
          ).toEqual([]);
          tally.truePositive += fired.length;
          if (dropEvents) {
            tally.telemetryOnly.faults += 1;
            tally.telemetryOnly.detected += 1;
          } else {
            tally.faults += 1;
            tally.detected += 1;
          }
        }
      }
    }
  });

  it('detects every degradation fault at least 24 h of simulated time before its metric reaches the limit, with a projected failure time', () => {
    for (const model of models) {
      for (const fault of model.faults.filter((f) => f.simulation?.kind === 'degradation')) {
        const limitAt = limitReachedAt(model, fault);
        const signal = createAssetSignal(model, { seed: SEED, startTime: START });
        signal.inject(fault.code, ONSET);
        const { findings } = replay(model, signal, {
          from: START,
          to: limitAt,
          // The predictive (trend) rule: a learned baseline of the same fault may fire earlier still.
          stopWhen: (f) => f.faultCode === fault.code && f.state === 'firing' && f.kind === 'trend',
        });
        const fired = firing(findings);
        const hit = fired.find((f) => f.faultCode === fault.code && f.kind === 'trend');
        const where = `${model.id} ${fault.code}`;
        expect(hit, `${where} not detected before its limit`).toBeDefined();
        expect(
          fired.filter((f) => f.faultCode !== fault.code),
          where,
        ).toEqual([]);
        const leadHours = (limitAt - hit!.at) / HOUR;
        expect(leadHours, where).toBeGreaterThanOrEqual(24);
        expect(hit!.kind, where).toBe('trend');
        expect(hit!.evidence.projectedFailureAt, where).toBeGreaterThan(hit!.at);
        leads.push(
          `${where}: detected ${((hit!.at - ONSET) / DAY).toFixed(1)} d after onset, ${(leadHours / 24).toFixed(1)} d before the limit ` +
            `(projected ${((hit!.evidence.projectedFailureAt! - limitAt) / DAY).toFixed(1)} d from the truth)`,
        );
        tally.truePositive += fired.length;
        tally.faults += 1;
        tally.detected += 1;
      }
    }
    const precision = tally.truePositive / (tally.truePositive + tally.falsePositive);
    const recall = tally.detected / tally.faults;
    console.info(
      [
        `detection quality: precision ${precision.toFixed(2)}, recall ${recall.toFixed(2)} (${tally.detected}/${tally.faults} faults), ` +
          `telemetry-only recall of sudden faults ${tally.telemetryOnly.detected}/${tally.telemetryOnly.faults}`,
        ...leads,
      ].join('\n'),
    );
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });
});
