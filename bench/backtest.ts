/**
 * Backtest replay speed: writes a synthetic CSV of the centrifugal pump (8 metrics, one row every
 * 10 s, noise around the normal operating point) to a temporary file, then backtests it through
 * `backtestCsv` — CSV parsing, the engine in batches of 1 000 readings — once with the model's
 * threshold and anomaly rules only (the target: ≥ 200 000 readings/s on one core) and once with
 * all its rules (trend and rate included), and prints readings per second.
 *
 *   npm run bench:backtest -- [--rows 1000000] [--scores]
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { backtestCsv } from '../src/telemetry/backtest/backtest.service.js';
import { ModelRegistry } from '../src/telemetry/models/models.registry.js';
import type { EquipmentModel } from '../src/telemetry/models/models.schema.js';
import { mulberry32 } from '../simulators/signal.js';
import { log, normalValues, printTable } from './bench-utils.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, scores: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
});
if (values.help) {
  process.stdout.write(
    'Usage: npm run bench:backtest -- [--rows 1000000] [--scores]\n  --rows    rows of the synthetic CSV\n  --scores  also collect per-reading scores (the onScore hook)\n',
  );
  process.exit(0);
}
const ROWS = Number(values.rows);
if (!Number.isInteger(ROWS) || ROWS <= 0) {
  process.stderr.write('--rows must be a positive integer\n');
  process.exit(2);
}

const models = await ModelRegistry.fromDirectory(new URL('../devices', import.meta.url).pathname);
const pump = models.get('centrifugal-pump-cp80')!;
const names = Object.keys(pump.metrics);
const normal = normalValues(pump.metrics, names);
const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-backtest-'));
const file = path.join(dir, 'pump.csv');

log(`writing ${ROWS.toLocaleString('en')} rows to ${file}`);
const rand = mulberry32(7);
const t0 = Date.UTC(2025, 0, 1);
await writeFile(file, `time,${names.join(',')}\n`);
const CHUNK = 50_000;
for (let from = 0; from < ROWS; from += CHUNK) {
  const lines: string[] = [];
  for (let i = from; i < Math.min(ROWS, from + CHUNK); i++) {
    const ts = new Date(t0 + i * 10_000).toISOString().slice(0, 19).replace('T', ' ');
    lines.push(`${ts},${normal.map((v, j) => (v * (1 + (rand() - 0.5) * 0.04)).toFixed(j === names.length - 1 ? 2 : 3)).join(',')}`);
  }
  await appendFile(file, `${lines.join('\n')}\n`);
}
const size = (await stat(file)).size;

const only = (model: EquipmentModel, kinds: readonly string[]): EquipmentModel => ({
  ...model,
  detection: { ...model.detection!, rules: model.detection!.rules.filter((r) => kinds.includes(r.kind)) },
});
const runs: [string, EquipmentModel][] = [
  ['threshold + anomaly rules', only(pump, ['threshold', 'anomaly'])],
  ['all 13 rules (with trend, rate, event)', pump],
];
// Readings per CPU second of this process (user + system): the figure "on one core", whatever
// else the machine runs; the wall-clock rate is printed beside it.
const table = [['rules', 'rules run', 'readings', 'CPU s', 'readings/CPU s', 'wall readings/s', 'alarms']];
for (const [label, model] of runs) {
  let scored = 0;
  const onScore = values.scores ? () => void scored++ : undefined;
  log(`backtest: ${label}`);
  const cpu = process.cpuUsage();
  const result = await backtestCsv(model, createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }), { source: file }, { onScore });
  const used = process.cpuUsage(cpu);
  const cpuS = (used.user + used.system) / 1e6;
  table.push([
    label,
    String(model.detection!.rules.length),
    result.readings.toLocaleString('en'),
    cpuS.toFixed(2),
    Math.round(result.readings / cpuS).toLocaleString('en'),
    result.readingsPerSecond.toLocaleString('en'),
    String(result.alarms.length),
  ]);
}
printTable(
  `Backtest replay — ${ROWS.toLocaleString('en')} rows of ${pump.id} (${(size / 1e6).toFixed(0)} MB CSV, 8 metrics), one core, batches of 1 000${values.scores ? ', per-reading scores on' : ''}`,
  table,
);
await rm(dir, { recursive: true, force: true });
