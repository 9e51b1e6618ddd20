/**
 * `telemend backtest [options] <file.csv>...` (or `npm run backtest -- ...`): runs a model's
 * rules over recorded data and prints what they would have raised. See HELP.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compileModel } from '../detection/detection.engine.js';
import { connectInflux, influxOptionsFromConfig } from '../influx/influx.connection.js';
import { TelemetryReader } from '../readings/telemetry.reader.js';
import { ModelRegistry } from '../models/models.registry.js';
import { ConfigError, loadConfig } from '../../kernel/config.js';
import { AppError } from '../../kernel/errors.js';
import { createLogger } from '../../kernel/logger.js';
import { formatResult, formatScore, ScoresWriter } from './backtest.report.js';
import { poolScores } from './backtest.scoring.js';
import { backtestCsv, backtestTelemetry, resolveModel, type BacktestResult } from './backtest.service.js';
import { parseTimestamp } from './csv-readings.js';

export const HELP = `Usage: telemend backtest [options] <file.csv>...
       telemend backtest [options] --asset <id> --from <time> --to <time>

Runs an equipment model's detection rules over recorded data, through the same engine as the
detection worker, and prints the alarms they raise (rule, fault, raise and clear times, whether
the rule's ticket policy would open a ticket). Nothing is written: no alarm, ticket, reserved part
or live detector state. Each CSV file is a separate run from a fresh state.

Model (one of):
  --model <id>            a deployed model, from DEVICES_DIR (default ./devices)
  --model-file <path>     a draft model file (.yaml, .yml or .json), checked like devices/*.yaml;
                          the file name (without extension) is the model id

Data (one of):
  <file.csv>...           CSV files: a header row, one row per reading, sorted by time
  --asset <id>            an asset's stored telemetry, read from InfluxDB (INFLUX_URL,
                          INFLUX_DATABASE, ... as for the platform), with:
  --from <time>           start of the range (inclusive; a time as in the CSV)
  --to <time>             end of the range (exclusive)

CSV layout:
  --time-column <name>    timestamp column (default: the first column). Timestamps: ISO 8601,
                          'YYYY-MM-DD HH:MM:SS[.fff]' (read as UTC), or epoch seconds (below
                          1e11) or milliseconds
  --sep <c>               separator: ',' ';' or 'tab' (default: detected from the header)
  --map <Col=metric,...>  rename CSV columns to model metrics, e.g. 'Current=motor_current'
  --ignore <col,...>      columns to skip. Any other column that is not a model metric is an error
  --label <column>        label column (0 = normal, anything else = anomalous): scores the run

Scoring (with --label):
  --score-from <row|time> readings before this are run but not scored: a data-row index from 0
                          (--score-from 400: the first 400 rows only train, as SKAB's protocol),
                          or a time
  --rules <id,...>        rules whose firing counts as an alarm (default: all). A reading is
                          "alarm" when any of them fires; pointwise precision, recall,
                          F1 = TP/(TP+(FP+FN)/2), FAR = FP/(FP+TN), MAR = FN/(FN+TP), and the
                          detection delay of each labelled segment (first alarm − segment start)

Output:
  --json                  the results as JSON on stdout (instead of tables)
  --scores <file.csv>     per-reading scores of every rule (threshold: the value; rate: the slope;
                          anomaly: robust z; trend: hours to the limit; learned: the smoothed
                          distance), with each rule's firing state
  --quiet                 no progress on stderr (printed every 2 s on long runs)
  -h, --help              this help
`;

const argsOptions = {
  model: { type: 'string' },
  'model-file': { type: 'string' },
  asset: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'time-column': { type: 'string' },
  sep: { type: 'string' },
  map: { type: 'string' },
  ignore: { type: 'string' },
  label: { type: 'string' },
  'score-from': { type: 'string' },
  rules: { type: 'string' },
  json: { type: 'boolean' },
  scores: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

const list = (v: string | undefined): string[] | undefined =>
  v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function time(name: string, raw: string): number {
  const t = parseTimestamp(raw);
  if (Number.isNaN(t)) throw new UsageError(`--${name}: not a time: ${raw}`);
  return t;
}

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 bad usage or input). */
export async function backtestCli(argv: readonly string[]): Promise<number> {
  const say = (msg: string) => process.stderr.write(`[backtest] ${msg}\n`);
  try {
    const { values: a, positionals: files } = parseArgs({ args: [...argv], options: argsOptions, allowPositionals: true, strict: true });
    if (a.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if ((a.model === undefined) === (a['model-file'] === undefined)) throw new UsageError('give exactly one of --model and --model-file');
    const stored = a.asset !== undefined;
    if (stored && (files.length > 0 || !a.from || !a.to)) throw new UsageError('--asset needs --from and --to, and no CSV file');
    if (!stored && files.length === 0) throw new UsageError('give CSV files, or --asset with --from and --to');
    if (stored && a.label) throw new UsageError('--label needs CSV files');
    const map: Record<string, string> = {};
    for (const pair of list(a.map) ?? []) {
      const eq = pair.lastIndexOf('=');
      if (eq <= 0 || eq === pair.length - 1) throw new UsageError(`--map: "${pair}" is not Column=metric`);
      map[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
    const sep = a.sep === 'tab' ? '\t' : a.sep;
    if (sep !== undefined && ![',', ';', '\t'].includes(sep)) throw new UsageError("--sep: ',' ';' or 'tab'");
    const scoreFrom =
      a['score-from'] === undefined
        ? undefined
        : /^\d{1,9}$/.test(a['score-from'])
          ? { row: Number(a['score-from']) }
          : { time: time('score-from', a['score-from']) };

    // The CLI reads no secret and opens no database: a placeholder satisfies loadConfig.
    const config = loadConfig(undefined, { TELEMEND_ADMIN_TOKEN: 'backtest-does-not-use-the-admin-token' });
    const model =
      a.model !== undefined
        ? resolveModel(await ModelRegistry.fromDirectory(config.DEVICES_DIR), { modelId: a.model })
        : resolveModel(ModelRegistry.of([]), { draft: { name: a['model-file']!, text: await readFile(a['model-file']!, 'utf8') } });
    const nonEvent = compileModel(model)
      .rules.filter((r) => r.kind !== 'event')
      .map((r) => r.id);
    const scores = a.scores ? new ScoresWriter(a.scores, nonEvent, files.length > 1) : undefined;
    const runOptions = { rules: list(a.rules), scoreFrom, onScore: scores?.onScore };
    const results: { name: string; result: BacktestResult }[] = [];
    try {
      if (stored) {
        const influx = await connectInflux({ ...influxOptionsFromConfig(config), logger: createLogger('silent') });
        try {
          const result = await backtestTelemetry(
            model,
            new TelemetryReader(influx),
            { assetId: a.asset!, from: new Date(time('from', a.from!)), to: new Date(time('to', a.to!)) },
            runOptions,
          );
          results.push({ name: `asset ${a.asset}`, result });
        } finally {
          await influx.close();
        }
      }
      for (const file of files) {
        scores?.startFile(file);
        const size = (await stat(file)).size;
        const progress = a.quiet
          ? undefined
          : {
              size,
              every: 2000,
              report: (p: { readings: number; fraction: number | null }) =>
                say(`${path.basename(file)}: ${p.readings.toLocaleString('en')} readings, ${Math.round((p.fraction ?? 0) * 100)} %`),
            };
        const layout = { source: file, timeColumn: a['time-column'], separator: sep, map, ignore: list(a.ignore), label: a.label };
        const result = await backtestCsv(model, createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }), layout, runOptions, progress);
        if (!a.quiet && result.elapsedMs >= 2000)
          say(
            `${path.basename(file)}: ${result.readings.toLocaleString('en')} readings in ${(result.elapsedMs / 1000).toFixed(1)} s (${result.readingsPerSecond.toLocaleString('en')} readings/s)`,
          );
        results.push({ name: file, result });
      }
    } finally {
      await scores?.close();
    }
    const scored = results.flatMap((r) => (r.result.score ? [r.result.score] : []));
    const pooled = scored.length > 1 ? poolScores(scored) : null;
    if (a.json) process.stdout.write(`${JSON.stringify({ runs: results.map((r) => ({ source: r.name, ...r.result })), pooled }, null, 2)}\n`);
    else {
      process.stdout.write(`${results.map((r) => formatResult(r.name, r.result)).join('\n\n')}\n`);
      if (pooled) process.stdout.write(`\nPooled over ${scored.length} files:\n${formatScore(pooled).replace(/^/gm, '  ')}\n`);
    }
    return 0;
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof Error && error.name === 'TypeError' && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`telemend backtest: ${error.message}\n\n${HELP}`);
      return 2;
    }
    if (error instanceof AppError || error instanceof ConfigError) {
      process.stderr.write(`telemend backtest: ${error.message}\n`);
      return 2;
    }
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      process.stderr.write(`telemend backtest: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
