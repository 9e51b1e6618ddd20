/**
 * Backtests: a model's rules — a deployed model (by id) or a draft model file validated by the
 * same schema as devices/*.yaml — over recorded data (CSV, or an asset's stored telemetry), with
 * BacktestRun (fresh state, the worker's engine). Pure with respect to the platform: it reads
 * telemetry at most, and writes no alarm, ticket, reservation or detector state.
 */
import { compileModel } from '../detection/detection.engine.js';
import type { TelemetryReader } from '../readings/telemetry.reader.js';
import { ModelFileError, parseModelFile } from '../models/models.loader.js';
import type { ModelRegistry } from '../models/models.registry.js';
import type { EquipmentModel } from '../models/models.schema.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { BacktestRun, type BacktestRunOptions, type BacktestRunResult } from './backtest.runner.js';
import { CsvReadingParser, type CsvLayoutOptions } from './csv-readings.js';

/** The deployed model, or a draft file's text (`name` = file name: its extension says YAML or JSON). */
export type ModelSource = { readonly modelId: string } | { readonly draft: { readonly name: string; readonly text: string } };

export interface BacktestRuleInfo {
  id: string;
  kind: string;
  faultCode: string;
  ticket: { policy: string; after?: string | number | undefined };
}

export interface BacktestResult extends BacktestRunResult {
  model: { id: string; draft: boolean };
  rules: BacktestRuleInfo[];
  elapsedMs: number;
  readingsPerSecond: number;
}

export interface Progress {
  readonly readings: number;
  /** 0..1 of the input, when known. */
  readonly fraction: number | null;
}

const drafts = new WeakSet<EquipmentModel>();

/** The model to run; a draft that fails the model schema is VALIDATION_FAILED naming the file and each field. */
export function resolveModel(models: ModelRegistry, source: ModelSource): EquipmentModel {
  if ('modelId' in source) {
    const model = models.get(source.modelId);
    if (!model) throw notFound('equipment model', source.modelId);
    return model;
  }
  try {
    const draft = parseModelFile(source.draft.name, source.draft.text);
    drafts.add(draft);
    return draft;
  } catch (error) {
    if (!(error instanceof ModelFileError)) throw error;
    const fields = error.problems.map((p) => {
      const cut = p.indexOf(': ');
      return { field: `draft.${cut === -1 ? '(root)' : p.slice(0, cut)}`, message: cut === -1 ? p : p.slice(cut + 2) };
    });
    throw new AppError('VALIDATION_FAILED', error.message, { file: error.file, fields });
  }
}

export function ruleInfo(model: EquipmentModel): BacktestRuleInfo[] {
  return compileModel(model).rules.map((r) => ({ id: r.id, kind: r.kind, faultCode: r.fault, ticket: r.ticket }));
}

/** Runs over CSV text chunks (a file stream, or one string). `size`: total characters, for progress. */
export async function backtestCsv(
  model: EquipmentModel,
  chunks: AsyncIterable<string> | Iterable<string>,
  layout: Omit<CsvLayoutOptions, 'metrics'>,
  options: Omit<BacktestRunOptions, 'labelled'> = {},
  progress?: { readonly size?: number | undefined; readonly every?: number; readonly report: (p: Progress) => void },
): Promise<BacktestResult> {
  const started = performance.now();
  const run = new BacktestRun(model, { ...options, labelled: layout.label !== undefined });
  const parser: CsvReadingParser = new CsvReadingParser(
    { ...layout, metrics: Object.keys(model.metrics) },
    { row: (ts, values, label) => run.values(parser.metricNames, ts, values, label) },
  );
  let nextReport = progress?.every ?? 0;
  for await (const chunk of chunks) {
    parser.push(chunk);
    if (progress && performance.now() - started >= nextReport) {
      nextReport += progress.every ?? 1000;
      progress.report({ readings: parser.rows, fraction: progress.size ? Math.min(1, parser.consumed / progress.size) : null });
    }
  }
  parser.end();
  return finish(model, run, started);
}

export interface TelemetryRange {
  readonly assetId: string;
  readonly from: Date;
  readonly to: Date;
}

/** Most readings one stored-telemetry backtest replays (a larger range is refused: split it). */
export const MAX_TELEMETRY_READINGS = 5_000_000;

/** Runs over an asset's stored telemetry in [from, to), read from InfluxDB page by page. */
export async function backtestTelemetry(
  model: EquipmentModel,
  reader: TelemetryReader,
  range: TelemetryRange,
  options: Omit<BacktestRunOptions, 'labelled'> = {},
): Promise<BacktestResult> {
  if (!(range.to.getTime() > range.from.getTime()))
    throw new AppError('VALIDATION_FAILED', '"to" must be after "from"', { fields: [{ field: 'source.to', message: 'must be after from' }] });
  const started = performance.now();
  const run = new BacktestRun(model, options);
  let count = 0;
  for await (const page of reader.rawReadings(range.assetId, Object.keys(model.metrics), range.from, range.to)) {
    count += page.length;
    if (count > MAX_TELEMETRY_READINGS)
      throw new AppError('VALIDATION_FAILED', `more than ${MAX_TELEMETRY_READINGS} readings in the range: backtest a shorter one`, {
        fields: [{ field: 'source.to', message: 'range too large' }],
      });
    for (const reading of page) run.reading(reading);
  }
  return finish(model, run, started);
}

function finish(model: EquipmentModel, run: BacktestRun, started: number): BacktestResult {
  const result = run.finish();
  const elapsedMs = performance.now() - started;
  return {
    model: { id: model.id, draft: drafts.has(model) },
    rules: ruleInfo(model),
    ...result,
    elapsedMs: Math.round(elapsedMs),
    readingsPerSecond: elapsedMs > 0 ? Math.round((result.readings / elapsedMs) * 1000) : 0,
  };
}
