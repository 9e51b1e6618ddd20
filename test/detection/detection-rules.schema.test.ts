import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModels } from '../../src/telemetry/models/models.loader.js';
import { isSimulatable } from '../../src/telemetry/models/models.schema.js';
import { durationMs } from '../../src/telemetry/detection/detection-rules.schema.js';
import { compileModel } from '../../src/telemetry/detection/detection.engine.js';
import { testModel } from './detection-fixtures.js';

/** The problems zod reports for a test model with these rules, as "path: message". */
function problems(rules: unknown[], extra: Record<string, unknown> = {}): string[] {
  try {
    testModel(rules, extra);
    return [];
  } catch (error) {
    const issues = (error as { issues?: { path: (string | number)[]; message: string }[] }).issues ?? [];
    return issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  }
}

describe('detection rules in the model schema', () => {
  it('validates cross-references: metrics, faults, event codes, suppressedBy, unique ids', () => {
    expect(problems([{ id: 'a', kind: 'threshold', fault: 'HOT', metric: 'tmp', above: 1 }])).toContain('detection.rules.0.metric: unknown metric tmp');
    expect(problems([{ id: 'a', kind: 'threshold', fault: 'COLD', metric: 'temp', above: 1 }])).toContain('detection.rules.0.fault: unknown fault COLD');
    expect(problems([{ id: 'a', kind: 'trend', fault: 'WEAR', metric: 'temp', above: 1, whenRunning: { metric: 'amps', above: 1 } }])).toContain(
      'detection.rules.0.whenRunning.metric: unknown metric amps',
    );
    expect(problems([{ id: 'a', kind: 'event', fault: 'HOT', codes: ['E-TRIP'] }])).toContain(
      'detection.rules.0.codes.0: event E-TRIP points to fault TRIP, not HOT',
    );
    expect(problems([{ id: 'a', kind: 'event', fault: 'HOT', codes: ['E-NOPE'] }])).toContain('detection.rules.0.codes.0: unknown event code E-NOPE');
    expect(problems([{ id: 'a', kind: 'event', fault: 'HOT' }])).toContain(
      'detection.rules.0.codes: no event of the model points to fault HOT; list the codes',
    );
    expect(problems([{ id: 'a', kind: 'rate', fault: 'JUMP', metric: 'temp', limit: 1, suppressedBy: ['NOPE'] }])).toContain(
      'detection.rules.0.suppressedBy.0: unknown fault NOPE',
    );
    const twice = { id: 'same', kind: 'event', fault: 'TRIP' };
    expect(problems([twice, twice])).toContain('detection.rules.1.id: duplicate rule id same');
    expect(problems([], { silence: { fault: 'NOPE' } })).toContain('detection.silence.fault: unknown fault NOPE');
  });

  it('rejects malformed rules with the field named', () => {
    expect(problems([{ id: 'a', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 1, below: 0 }]).join('\n')).toMatch(/exactly one of above \/ below/);
    expect(problems([{ id: 'a', kind: 'threshold', fault: 'HOT', metric: 'temp', above: 1, for: '5 minutes' }]).join('\n')).toMatch(
      /^detection\.rules\.0\.for: /m,
    );
    expect(problems([{ id: 'a', kind: 'anomaly', fault: 'ODD', metric: 'temp', z: 3, clearZ: 4 }])).toContain(
      'detection.rules.0.clearZ: clearZ must be below z',
    );
    expect(problems([{ id: 'a', kind: 'sorcery', fault: 'ODD' }]).join('\n')).toMatch(/detection\.rules\.0\.kind/);
    expect(problems([{ id: 'a', kind: 'rate', fault: 'JUMP', metric: 'temp', limit: 1, extra: true }]).join('\n')).toMatch(/extra/);
  });

  it('parses durations', () => {
    expect([durationMs(90), durationMs('90s'), durationMs('10m'), durationMs('6h'), durationMs('3d'), durationMs('500ms'), durationMs('1.5h')]).toEqual([
      90_000, 90_000, 600_000, 21_600_000, 259_200_000, 500, 5_400_000,
    ]);
  });

  it('the four demo models in devices/ declare rules for every fault of their catalogue, valid and compiled', async () => {
    const all = await loadModels(path.resolve(import.meta.dirname, '../../devices'));
    // Models of real equipment (no simulation blocks, e.g. skab-testbed-pump) are measured by bench:real instead.
    const models = new Map([...all].filter(([, m]) => isSimulatable(m)));
    expect(models.size).toBe(4);
    for (const model of models.values()) {
      const compiled = compileModel(model);
      const kinds = new Set(compiled.rules.map((r) => r.kind));
      expect([...kinds].sort(), model.id).toEqual(expect.arrayContaining(['event', 'threshold', 'trend']));
      for (const fault of model.faults) {
        expect(
          compiled.rules.some((r) => r.fault === fault.code),
          `${model.id} ${fault.code}`,
        ).toBe(true);
        if (fault.simulation?.kind === 'degradation') {
          expect(
            compiled.rules.some((r) => r.fault === fault.code && r.kind === 'trend'),
            `${model.id} ${fault.code} has a trend rule`,
          ).toBe(true);
        }
      }
      expect(compiled.silence.afterMs).toBeGreaterThan(0);
    }
    const kinds = [...models.values()].flatMap((m) => compileModel(m).rules.map((r) => r.kind));
    expect(new Set(kinds)).toEqual(new Set(['threshold', 'rate', 'event', 'anomaly', 'trend', 'learned']));
  });
});
