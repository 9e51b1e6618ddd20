/**
 * Detection benchmark: replays a scenario set at accelerated simulated time through the detection
 * engine, in-process (bench/detection-scenarios.ts): for every model in devices/, every catalogue
 * fault injected into its own assets (--faulty-seeds per fault, onset after 3 healthy days; sudden
 * faults with a telemetry rule once more with their controller events dropped) plus
 * --healthy healthy assets per model with realistic noise, over --days of simulated time, readings
 * every --step, evaluated in micro-batches of --batch simulated time with the state round-tripped
 * through JSON between batches (as the worker does with Redis).
 *
 * Prints precision, recall and false alarms per asset-day per model and overall, detection delay of
 * sudden faults, lead time before the limit of degradation faults, wall time and simulated
 * asset-days per second. Targets: precision and recall ≥ 0.95; lead time ≥ 24 h. Exits 1 when a
 * target is missed.
 *
 *   npm run bench:detection -- [--healthy 20] [--days 14] [--seed 1] [--step 60s] [--faulty-seeds 3] [--batch 10m]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadModels } from '../src/telemetry/models/models.loader.js';
import { isSimulatable } from '../src/telemetry/models/models.schema.js';
import { DAY, HOUR, MINUTE } from '../test/detection/replay.js';
import { buildScenarios, median, quality, runScenario, type ScenarioOptions, type ScenarioResult } from './detection-scenarios.js';

const USAGE = 'Usage: npm run bench:detection -- [--healthy 20] [--days 14] [--seed 1] [--step 60s] [--faulty-seeds 3] [--batch 10m]\n';
const TARGET = { precision: 0.95, recall: 0.95, leadMs: 24 * HOUR };

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, 'a duration like 60s, 10m, 1h')
  .transform((text) => {
    const [, amount, unit] = /^(\d+)(ms|s|m|h)$/.exec(text)!;
    return Number(amount) * { ms: 1, s: 1000, m: MINUTE, h: HOUR }[unit as 'ms' | 's' | 'm' | 'h'];
  })
  .refine((ms) => ms >= 1000, 'at least 1 s');
const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const argsSchema = z.object({
  healthy: count(0, 1000),
  days: count(5, 365),
  seed: count(0, 1_000_000),
  step: duration,
  batch: duration,
  'faulty-seeds': count(1, 100),
});

let args: z.infer<typeof argsSchema>;
try {
  const { values } = parseArgs({
    options: {
      healthy: { type: 'string', default: '20' },
      days: { type: 'string', default: '14' },
      seed: { type: 'string', default: '1' },
      step: { type: 'string', default: '60s' },
      batch: { type: 'string', default: '10m' },
      'faulty-seeds': { type: 'string', default: '3' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
  args = parsed.data;
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}

const options: ScenarioOptions = {
  healthy: args.healthy,
  days: args.days,
  seedsPerFault: args['faulty-seeds'],
  seed: args.seed,
  stepMs: args.step,
  batchMs: Math.max(args.batch, args.step),
  healthyDaysBeforeOnset: 3,
};
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const out = (line = '') => process.stdout.write(`${line}\n`);
const hours = (ms: number) => `${(ms / HOUR).toFixed(1)} h`;
const pct = (x: number) => x.toFixed(3);

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  rows.forEach((r, i) => {
    out(r.map((cell, c) => (c === 0 || c === 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    if (i === 0) out(widths.map((w) => '-'.repeat(w)).join('  '));
  });
}

const models = [...(await loadModels(path.resolve(import.meta.dirname, '../devices'))).values()].filter(isSimulatable);
const setupStart = performance.now();
const scenarios = buildScenarios(models, options);
const setupMs = performance.now() - setupStart;
log(
  `${scenarios.length} assets (${scenarios.filter((s) => s.fault).length} faulty) over ${models.length} models; limits computed in ${(setupMs / 1000).toFixed(1)} s`,
);

const replayStart = performance.now();
const results: ScenarioResult[] = [];
for (const [i, scenario] of scenarios.entries()) {
  results.push(runScenario(scenario, options));
  if ((i + 1) % 20 === 0) log(`${i + 1}/${scenarios.length} assets replayed`);
}
const replayMs = performance.now() - replayStart;

// Per fault.
out(
  `Detection benchmark — step ${args.step / 1000}s, micro-batch ${options.batchMs / MINUTE} min, ${args.days} d period, seed ${args.seed}, ` +
    `${options.seedsPerFault} assets per fault, ${args.healthy} healthy assets per model`,
);
out();
const faultRows: string[][] = [['model', 'fault', 'kind', 'detected', 'first by', 'delay after onset', 'lead before limit min / median', 'FP']];
const leads: number[] = [];
let undetectedDegradations = 0;
for (const model of models) {
  for (const [fault, dropEvents] of model.faults.flatMap(
    (f) =>
      [
        [f, false],
        [f, true],
      ] as const,
  )) {
    const rs = results.filter((r) => r.scenario.model === model && r.scenario.fault?.definition === fault && (r.scenario.dropEvents ?? false) === dropEvents);
    if (rs.length === 0) continue;
    const hit = rs.filter((r) => r.detectedAt !== undefined);
    const kind = fault.simulation?.kind ?? 'none';
    const delays = hit.map((r) => r.detectedAt! - r.scenario.fault!.onset);
    let timing = '';
    let lead = '';
    if (kind === 'degradation') {
      const ls = hit.map((r) => r.scenario.fault!.limitAt! - r.detectedAt!);
      leads.push(...ls);
      undetectedDegradations += rs.length - hit.length;
      timing = delays.length ? `median ${(median(delays) / DAY).toFixed(1)} d` : '-';
      lead = ls.length ? `${hours(Math.min(...ls))} / ${hours(median(ls))}` : '-';
    } else {
      timing = delays.length ? `max ${hours(Math.max(...delays))}` : '-';
    }
    const by = [...new Set(hit.map((r) => r.detectedBy!))].join(',') || '-';
    const fp = rs.reduce((n, r) => n + r.falsePositives.length, 0);
    faultRows.push([model.id, fault.code + (dropEvents ? ' (no event)' : ''), kind, `${hit.length}/${rs.length}`, by, timing, lead, String(fp)]);
  }
}
table(faultRows);
out();

// Per model and overall.
const modelRows: string[][] = [['model', 'assets', 'asset-days', 'TP', 'FP', 'FP healthy', 'precision', 'recall', 'FA/asset-day']];
const row = (name: string, rs: ScenarioResult[]): string[] => {
  const q = quality(rs);
  return [
    name,
    `${q.faulty}+${rs.length - q.faulty}`,
    q.assetDays.toFixed(0),
    String(q.truePositives),
    String(q.falsePositives),
    String(q.healthyFalsePositives),
    pct(q.precision),
    `${pct(q.recall)} (${q.detected}/${q.faulty})`,
    q.falseAlarmsPerAssetDay.toFixed(4),
  ];
};
for (const model of models)
  modelRows.push(
    row(
      model.id,
      results.filter((r) => r.scenario.model === model),
    ),
  );
modelRows.push(row('overall', results));
table(modelRows);
out();

const falsePositives = results.flatMap((r) => r.falsePositives.map((f) => ({ r, f })));
if (falsePositives.length > 0) {
  out(`False positives (${falsePositives.length}, first 10):`);
  for (const { r, f } of falsePositives.slice(0, 10)) {
    const asset = r.scenario.fault ? `${r.scenario.fault.definition.code} asset${r.scenario.dropEvents ? ' (no event)' : ''}` : 'healthy asset';
    const when = r.scenario.fault ? `${hours(f.at - r.scenario.fault.onset)} after onset` : `day ${((f.at - r.scenario.from) / DAY).toFixed(2)}`;
    out(`  ${r.scenario.model.id} ${asset} seed ${r.scenario.seed}: ${f.ruleId} (${f.kind}, ${f.faultCode}) ${when}`);
  }
  out();
}

const overall = quality(results);
const minLead = leads.length ? Math.min(...leads) : Number.NaN;
const checks = [
  { name: `precision ≥ ${TARGET.precision}`, value: pct(overall.precision), met: overall.precision >= TARGET.precision },
  { name: `recall ≥ ${TARGET.recall}`, value: pct(overall.recall), met: overall.recall >= TARGET.recall },
  {
    name: 'lead time ≥ 24 h (every degradation asset)',
    value:
      `min ${Number.isNaN(minLead) ? '-' : hours(minLead)}, median ${leads.length ? hours(median(leads)) : '-'}` +
      (undetectedDegradations ? `, ${undetectedDegradations} undetected` : ''),
    met: leads.length > 0 && minLead >= TARGET.leadMs && undetectedDegradations === 0,
  },
];
out('Targets:');
for (const c of checks) out(`  ${c.met ? 'MET   ' : 'MISSED'}  ${c.name}: ${c.value}`);
out();
const readings = results.reduce((n, r) => n + r.readings, 0);
out(
  `Replayed ${overall.assetDays.toFixed(0)} simulated asset-days (${results.length} assets, ${readings.toLocaleString('en')} readings) ` +
    `in ${(replayMs / 1000).toFixed(1)} s wall time: ${(overall.assetDays / (replayMs / 1000)).toFixed(1)} asset-days/s, ` +
    `${Math.round(readings / (replayMs / 1000)).toLocaleString('en')} readings/s (+ ${(setupMs / 1000).toFixed(1)} s computing limits).`,
);
if (!checks.every((c) => c.met)) process.exitCode = 1;
