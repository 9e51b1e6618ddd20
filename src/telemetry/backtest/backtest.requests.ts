/** A backtest requested over the API: resolves model and source, runs it, shapes the JSON answer. */
import { compileModel } from '../detection/detection.engine.js';
import type { TelemetryReader } from '../readings/telemetry.reader.js';
import type { ModelRegistry } from '../models/models.registry.js';
import type { Queryable } from '../../kernel/db/database.js';
import { AppError, notFound } from '../../kernel/errors.js';
import type { BacktestRunOptions } from './backtest.runner.js';
import type { BacktestBody, BacktestResponse } from './backtest.schemas.js';
import { backtestCsv, backtestTelemetry, resolveModel, type BacktestResult } from './backtest.service.js';

const iso = (ts: number | null): string | null => (ts === null ? null : new Date(ts).toISOString());

export class BacktestRequests {
  constructor(
    private readonly db: Queryable,
    private readonly models: ModelRegistry,
    private readonly telemetry: TelemetryReader,
  ) {}

  async run(body: BacktestBody): Promise<BacktestResponse> {
    const source = body.source;
    let modelRef = body.model;
    if (!modelRef) {
      if (!('assetId' in source))
        throw new AppError('VALIDATION_FAILED', 'model is required with a CSV source', { fields: [{ field: 'model', message: 'required with a CSV source' }] });
      modelRef = { id: await this.assetModel(source.assetId) };
    }
    const model = resolveModel(
      this.models,
      'id' in modelRef ? { modelId: modelRef.id } : { draft: { name: `${modelRef.draft.id}.${modelRef.draft.format}`, text: modelRef.draft.text } },
    );
    const { options } = body;
    const scoreIds = compileModel(model)
      .rules.filter((r) => r.kind !== 'event')
      .map((r) => r.id);
    const rows: (number | null)[][] = [];
    let truncated = false;
    const onScore = options.scores ? scoreCollector(scoreIds, options.maxScoreRows, rows, () => (truncated = true)) : undefined;
    const runOptions: BacktestRunOptions = {
      rules: options.rules,
      scoreFrom: options.scoreFrom && ('row' in options.scoreFrom ? options.scoreFrom : { time: Date.parse(options.scoreFrom.time) }),
      onScore,
    };
    let result: BacktestResult;
    if ('csv' in source) {
      result = await backtestCsv(
        model,
        [source.csv],
        { source: 'source.csv', timeColumn: source.timeColumn, separator: source.separator, map: source.map, ignore: source.ignore, label: source.label },
        runOptions,
      );
    } else {
      await this.assetModel(source.assetId);
      result = await backtestTelemetry(model, this.telemetry, { assetId: source.assetId, from: new Date(source.from), to: new Date(source.to) }, runOptions);
    }
    return {
      ...result,
      from: iso(result.from),
      to: iso(result.to),
      alarms: result.alarms.map((a) => ({
        ...a,
        raisedAt: iso(a.raisedAt)!,
        clearedAt: iso(a.clearedAt),
        ticketAt: iso(a.ticketAt),
        evidence: { ...a.evidence },
      })),
      score: result.score && {
        ...result.score,
        segments: result.score.segments.map((s) => ({ from: iso(s.from)!, to: iso(s.to)!, detectedAt: iso(s.detectedAt), delayMs: s.delayMs })),
      },
      ...(options.scores ? { scores: { columns: ['time', ...scoreIds], rows, truncated } } : {}),
    };
  }

  private async assetModel(assetId: string): Promise<string> {
    const { rows } = await this.db.query<{ model_id: string }>('SELECT model_id FROM assets WHERE id = $1', [assetId]);
    if (!rows[0]) throw notFound('asset', assetId);
    return rows[0].model_id;
  }
}

/** Collects one row per reading ([ts, score per rule]) up to `max` rows. */
function scoreCollector(ids: readonly string[], max: number, rows: (number | null)[][], truncate: () => void) {
  const index = new Map(ids.map((id, i) => [id, i + 1]));
  let current: (number | null)[] | null = null;
  return (ruleId: string, ts: number, score: number): void => {
    if (!current || current[0] !== ts) {
      if (rows.length >= max) {
        if (current?.[0] !== ts) truncate();
        current = null;
        return;
      }
      current = [ts, ...ids.map(() => null)];
      rows.push(current);
    }
    const i = index.get(ruleId);
    if (i !== undefined) current[i] = Number.isFinite(score) ? score : null;
  };
}
