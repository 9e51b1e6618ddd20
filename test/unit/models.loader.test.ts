import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ModelFileError, loadModels } from '../../src/telemetry/models/models.loader.js';
import { isSimulatable } from '../../src/telemetry/models/models.schema.js';
import { createAssetSignal } from '../../simulators/signal.js';

const DEVICES_DIR = path.resolve(import.meta.dirname, '../../devices');
const DAY = 86_400_000;
const START = Date.UTC(2025, 5, 2);

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Writes a copy of the chiller model, changed by `mutate`, into a temp folder and loads it. */
interface ModelDoc {
  metrics: Record<string, { samplePeriodSeconds: unknown; simulation: Record<string, unknown> }>;
  faults: { simulation: { effects: { metric: string }[] } }[];
  events: Record<string, { fault?: string }>;
}

async function loadMutatedChiller(mutate: (doc: ModelDoc) => void): Promise<unknown> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'telemend-models-'));
  temps.push(dir);
  const doc = parseYaml(await readFile(path.join(DEVICES_DIR, 'water-chiller-wc200.yaml'), 'utf8')) as ModelDoc;
  mutate(doc);
  await writeFile(path.join(dir, 'water-chiller-wc200.yaml'), stringifyYaml(doc));
  return loadModels(dir).then(
    () => new Error('expected the model to be rejected'),
    (error: unknown) => error,
  );
}

describe('equipment model files in devices/', () => {
  it('all load with the real loader; the demo models with realistic metrics, events and fault catalogues', async () => {
    const all = await loadModels(DEVICES_DIR);
    // Models of real equipment (no simulation blocks) are checked by bench:real, not by these rules of thumb.
    const models = new Map([...all].filter(([, m]) => isSimulatable(m)));
    expect([...models.keys()]).toEqual(expect.arrayContaining(['water-chiller-wc200', 'screw-compressor-sc55', 'centrifugal-pump-cp80', 'gas-boiler-gb120']));
    for (const model of models.values()) {
      const metrics = Object.entries(model.metrics);
      expect(metrics.length, model.id).toBeGreaterThanOrEqual(5);
      expect(metrics.length, model.id).toBeLessThanOrEqual(8);
      for (const [name, m] of metrics) {
        if (m.normal) {
          expect(m.normal.min, `${model.id}.${name}`).toBeGreaterThanOrEqual(m.min);
          expect(m.normal.max, `${model.id}.${name}`).toBeLessThanOrEqual(m.max);
          expect(m.normal.max - m.normal.min, `${model.id}.${name}`).toBeLessThan(m.max - m.min);
        }
      }
      expect(model.faults.length, model.id).toBeGreaterThanOrEqual(4);
      expect(model.faults.length, model.id).toBeLessThanOrEqual(6);
      for (const fault of model.faults) {
        const where = `${model.id} ${fault.code}`;
        expect(fault.parts.length, where).toBeGreaterThan(0);
        expect(fault.simulation, where).toBeDefined();
        if (fault.simulation!.kind === 'sudden') {
          const code = fault.simulation!.eventCode;
          expect(code && model.events[code]?.fault, where).toBe(fault.code);
        }
      }
      expect(
        Object.values(model.events).some((e) => e.severity === 'critical'),
        model.id,
      ).toBe(true);
    }
  });

  it('degradation faults drift for days to weeks: inside the normal band for the first day, then clearly drifting', async () => {
    const models = new Map([...(await loadModels(DEVICES_DIR))].filter(([, m]) => isSimulatable(m)));
    for (const model of models.values()) {
      for (const fault of model.faults.filter((f) => f.simulation?.kind === 'degradation')) {
        const signal = createAssetSignal(model, { seed: 1, startTime: START });
        signal.inject(fault.code, START);
        const affected = fault.simulation!.effects.map((e) => e.metric).filter((m) => model.metrics[m]!.normal);
        const firstExit = (metric: string): number => {
          const { min, max } = model.metrics[metric]!.normal!;
          for (let t = START; t < START + 60 * DAY; t += 600_000) {
            const v = signal.sample(t)[metric]!;
            if (v < min || v > max) return (t - START) / DAY;
          }
          return Infinity;
        };
        const earliest = Math.min(...affected.map(firstExit));
        expect(earliest, `${model.id} ${fault.code} leaves the normal band in ${earliest} days`).toBeGreaterThan(1);
        // Either the band is left within 60 days, or (a metric that reads 0 when stopped, like a
        // flame signal) the running value drifts by at least a fifth of the band in 30 days.
        const drifts = fault.simulation!.effects.some((e) => {
          const normal = model.metrics[e.metric]!.normal;
          return normal !== undefined && Math.abs(e.change) * 30 >= 0.2 * (normal.max - normal.min);
        });
        expect(earliest < 60 || drifts, `${model.id} ${fault.code} does not drift far enough`).toBe(true);
      }
    }
  });

  it('names the field path of an unknown key', async () => {
    const error = await loadMutatedChiller((doc) => {
      doc.metrics.chw_supply_temp!.simulation.nois = 0.1;
    });
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as ModelFileError).problems.join('\n')).toMatch(/metrics\.chw_supply_temp\.simulation: .*nois/);
    expect((error as ModelFileError).message).toContain('water-chiller-wc200.yaml');
  });

  it('names the field path of a fault effect on an unknown metric and of a wrong type', async () => {
    const wrongType = await loadMutatedChiller((doc) => {
      doc.metrics.ambient_temp!.samplePeriodSeconds = 'sixty';
    });
    expect((wrongType as ModelFileError).problems.join('\n')).toMatch(/^metrics\.ambient_temp\.samplePeriodSeconds: .*number/m);
    const unknownMetric = await loadMutatedChiller((doc) => {
      doc.faults[1]!.simulation.effects[0]!.metric = 'condenser_presure';
    });
    expect((unknownMetric as ModelFileError).problems).toContain('faults.1.simulation.effects.0.metric: unknown metric condenser_presure');
  });

  it('rejects an event pointing to a fault that is not in the catalogue', async () => {
    const error = await loadMutatedChiller((doc) => {
      doc.events['HP-TRIP']!.fault = 'NO_SUCH_FAULT';
    });
    expect((error as ModelFileError).problems).toContain('events.HP-TRIP.fault: unknown fault NO_SUCH_FAULT');
  });
});
