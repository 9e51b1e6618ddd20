/**
 * Detection on recordings of real machines (`../shared/datasets/`, see its README): one model file
 * per machine from devices/, replayed through the engine the worker runs, scored against labels.
 *
 *   npm run bench:real -- [--datasets ../shared/datasets] [--skab-model skab-testbed-pump]
 *                         [--nab-model nab-machine-temperature] [--json]
 *
 * SKAB (pump testbed): per file a fresh asset; the first 400 rows are the training part (not
 * scored); the remaining rows of all files are pooled: pointwise F1 = TP / (TP + (FP + FN) / 2),
 * FAR = FP / (FP + TN), MAR = FN / (FN + TP), and per-file figures.
 * NAB (machine temperature): which labelled windows are detected (an alarm episode overlapping the
 * window), how early relative to the window's start, and false-alarm episodes outside them.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BacktestRun } from '../src/telemetry/backtest/backtest.runner.js';
import type { Confusion } from '../src/telemetry/backtest/backtest.scoring.js';
import type { Reading } from '../src/telemetry/detection/detection.types.js';
import { loadModels } from '../src/telemetry/models/models.loader.js';
import type { EquipmentModel } from '../src/telemetry/models/models.schema.js';

const HELP = `Usage: npm run bench:real -- [options]
  --datasets <dir>     folder with skab/ and nab/ (default ../shared/datasets beside the repository)
  --skab-model <id>    model file of devices/ used for every SKAB file (default skab-testbed-pump)
  --nab-model <id>     model file of devices/ used for the NAB series (default nab-machine-temperature)
  --json               print the figures as JSON
  --help               this text`;

const { values: args } = parseArgs({
  options: {
    datasets: { type: 'string', default: path.resolve(import.meta.dirname, '../../shared/datasets') },
    'skab-model': { type: 'string', default: 'skab-testbed-pump' },
    'nab-model': { type: 'string', default: 'nab-machine-temperature' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
if (!existsSync(args.datasets)) {
  console.error(`no datasets folder at ${args.datasets} (--datasets)`);
  process.exit(2);
}

const models = await loadModels(path.resolve(import.meta.dirname, '../devices'));
const modelOf = (id: string): EquipmentModel => {
  const model = models.get(id);
  if (!model) throw new Error(`no model ${id} in devices/; known: ${[...models.keys()].join(', ')}`);
  return model;
};

const utc = (text: string): number => Date.parse(`${text.trim().replace(' ', 'T')}Z`);

// ---- SKAB ---------------------------------------------------------------------------------------
const SKAB_COLUMNS: Record<string, string> = {
  Accelerometer1RMS: 'accelerometer_1_rms',
  Accelerometer2RMS: 'accelerometer_2_rms',
  Current: 'current',
  Pressure: 'pressure',
  Temperature: 'motor_temperature',
  Thermocouple: 'fluid_temperature',
  Voltage: 'voltage',
  'Volume Flow RateRMS': 'flow',
};
const SKAB_TRAIN_ROWS = 400;

type Counts = Confusion;
const scores = (c: Counts) => ({
  f1: c.tp / (c.tp + (c.fp + c.fn) / 2),
  far: (100 * c.fp) / (c.fp + c.tn),
  mar: (100 * c.fn) / (c.fn + c.tp),
});

function skabFile(model: EquipmentModel, file: string): Counts {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = lines[0]!.split(';');
  const labelAt = header.indexOf('anomaly');
  const metricAt = header.map((h) => SKAB_COLUMNS[h]);
  // The backtest runner (src/telemetry/backtest/, what `telemend backtest` runs): a fresh state per file,
  // the first rows learn and are not scored.
  const run = new BacktestRun(model, { labelled: true, scoreFrom: { row: SKAB_TRAIN_ROWS } });
  for (const line of lines.slice(1)) {
    const cells = line.split(';');
    const metrics: Record<string, number> = {};
    cells.forEach((cell, i) => {
      const name = metricAt[i];
      if (name) metrics[name] = Number(cell);
    });
    run.reading({ ts: utc(cells[0]!), metrics }, Number(cells[labelAt]));
  }
  const { tp, fp, tn, fn } = run.finish().score!;
  return { tp, fp, tn, fn };
}

function skab(): { files: { file: string; counts: Counts }[]; pooled: Counts } {
  const model = modelOf(args['skab-model']);
  const dir = path.join(args.datasets, 'skab');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.csv') && !f.includes('anomaly-free'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const pooled: Counts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  const out = files.map((file) => {
    process.stderr.write(`skab: ${file}\r`);
    const counts = skabFile(model, path.join(dir, file));
    for (const k of Object.keys(pooled) as (keyof Counts)[]) pooled[k] += counts[k];
    return { file, counts };
  });
  process.stderr.write('\n');
  return { files: out, pooled };
}

// ---- NAB ----------------------------------------------------------------------------------------
interface Episode {
  from: number;
  to: number;
}
function nab(): {
  windows: { from: string; to: string; detected: boolean; firstAlarm: string | null; hoursFromStart: number | null }[];
  falseAlarms: string[];
} {
  const model = modelOf(args['nab-model']);
  const dir = path.join(args.datasets, 'nab');
  const windows = JSON.parse(readFileSync(path.join(dir, 'windows.json'), 'utf8'))['machine_temperature_system_failure.csv'] as [string, string][];
  const lines = readFileSync(path.join(dir, 'machine_temperature_system_failure.csv'), 'utf8').trim().split('\n').slice(1);
  const readings: Reading[] = lines.map((line) => {
    const [ts, value] = line.split(',');
    return { ts: utc(ts!), metrics: { temperature: Number(value) } };
  });
  const run = new BacktestRun(model);
  for (const reading of readings) run.reading(reading);
  const { alarms, to } = run.finish();
  // Alarm episodes: overlapping alarms of the model's rules merged; an alarm still firing lasts to the end.
  const episodes: Episode[] = [];
  for (const alarm of [...alarms].sort((a, b) => a.raisedAt - b.raisedAt)) {
    const episode = { from: alarm.raisedAt, to: alarm.clearedAt ?? to ?? alarm.raisedAt };
    const last = episodes.at(-1);
    if (last && episode.from <= last.to) last.to = Math.max(last.to, episode.to);
    else episodes.push(episode);
  }
  const spans = windows.map(([a, b]) => ({ from: utc(a), to: utc(b) }));
  const overlaps = (e: Episode, w: Episode): boolean => e.from <= w.to && e.to >= w.from;
  const iso = (t: number): string => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
  return {
    windows: spans.map((w) => {
      const hit = episodes.filter((e) => overlaps(e, w));
      const first = hit.length > 0 ? Math.max(hit[0]!.from, w.from) : null;
      return {
        from: iso(w.from),
        to: iso(w.to),
        detected: hit.length > 0,
        firstAlarm: first === null ? null : iso(first),
        hoursFromStart: first === null ? null : (first - w.from) / 3_600_000,
      };
    }),
    falseAlarms: episodes.filter((e) => !spans.some((w) => overlaps(e, w))).map((e) => `${iso(e.from)} → ${iso(e.to)}`),
  };
}

const started = performance.now();
const skabResult = skab();
const nabResult = nab();
const seconds = (performance.now() - started) / 1000;
const pooled = scores(skabResult.pooled);

if (args.json) {
  console.log(JSON.stringify({ skab: { pooled, files: skabResult.files.map((f) => ({ file: f.file, ...scores(f.counts) })) }, nab: nabResult }, null, 2));
  process.exit(0);
}
const pct = (v: number): string => `${v.toFixed(1)} %`;
const rule = (id: string): string => JSON.stringify(modelOf(id).detection?.rules ?? []);
console.log(`Configuration (devices/${args['skab-model']}.yaml): ${rule(args['skab-model'])}`);
console.log(`\nSKAB, ${skabResult.files.length} files, first ${SKAB_TRAIN_ROWS} rows of each learn and are not scored`);
console.log('file          F1     FAR      MAR');
for (const f of skabResult.files) {
  const s = scores(f.counts);
  console.log(
    `${f.file.padEnd(12)} ${Number.isNaN(s.f1) ? ' n/a' : s.f1.toFixed(2)}  ${pct(s.far).padStart(7)}  ${Number.isNaN(s.mar) ? '    n/a' : pct(s.mar).padStart(7)}`,
  );
}
console.log(
  `pooled       ${pooled.f1.toFixed(3)} ${pct(pooled.far).padStart(7)}  ${pct(pooled.mar).padStart(7)}   (TP ${skabResult.pooled.tp}, FP ${skabResult.pooled.fp}, TN ${skabResult.pooled.tn}, FN ${skabResult.pooled.fn})`,
);
console.log(`\nNAB machine temperature (devices/${args['nab-model']}.yaml): ${rule(args['nab-model'])}`);
nabResult.windows.forEach((w, i) => {
  const when = w.detected ? `detected, first alarm ${w.firstAlarm} (${w.hoursFromStart!.toFixed(1)} h after the window opens)` : 'missed';
  console.log(`window ${i + 1} ${w.from} → ${w.to}: ${when}`);
});
console.log(
  `false-alarm episodes outside the windows: ${nabResult.falseAlarms.length}${nabResult.falseAlarms.length ? `\n  ${nabResult.falseAlarms.join('\n  ')}` : ''}`,
);
console.log(`\n(${seconds.toFixed(1)} s)`);
