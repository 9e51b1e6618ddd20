/**
 * GET /assets/{id}/telemetry — downsampled mean/min/max per metric.
 * GET /rejections, GET /rejections/counts — the dead-letter store of refused publishes.
 */
import type { Queryable } from '../../kernel/db/database.js';
import type { ZodApp } from '../../kernel/http/http.types.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { durationLiteral } from '../influx/influxql.js';
import type { RejectionLog } from '../ingest/rejection-log.js';
import type { ModelRegistry } from '../models/models.registry.js';
import type { TelemetryReader } from './telemetry.reader.js';
import {
  assetParamsSchema,
  rejectionCountsQuerySchema,
  rejectionCountsResponseSchema,
  rejectionsQuerySchema,
  rejectionsResponseSchema,
  telemetryQuerySchema,
  telemetryResponseSchema,
} from './telemetry.schemas.js';

const DAY_MS = 86_400_000;
/** Bucket widths offered by default, smallest first. */
const EVERY_LADDER_MS = [1, 5, 10, 30]
  .map((s) => s * 1000)
  .concat(
    [1, 5, 10, 15, 30].map((m) => m * 60_000),
    [1, 3, 6, 12].map((h) => h * 3_600_000),
    [1, 7].map((d) => d * DAY_MS),
  );
/** Default buckets per series at most. */
export const TARGET_POINTS = 500;

/** The smallest ladder width giving at most TARGET_POINTS buckets over the span. */
export function defaultEvery(spanMs: number): string {
  const fit = EVERY_LADDER_MS.find((ms) => spanMs / ms <= TARGET_POINTS);
  return durationLiteral(fit ?? Math.ceil(spanMs / TARGET_POINTS / DAY_MS) * DAY_MS);
}

export interface TelemetryRoutesDeps {
  readonly db: Queryable;
  readonly models: ModelRegistry;
  readonly telemetry: TelemetryReader;
  readonly rejections: RejectionLog;
}

export async function telemetryRoutes(app: ZodApp, { db, models, telemetry, rejections }: TelemetryRoutesDeps): Promise<void> {
  app.get(
    '/assets/:id/telemetry',
    {
      config: { roles: ['admin', 'dispatcher', 'technician'] },
      schema: {
        tags: ['telemetry'],
        summary: "An asset's telemetry, downsampled (mean, min, max per bucket)",
        params: assetParamsSchema,
        querystring: telemetryQuerySchema,
        response: { 200: telemetryResponseSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const asset = await db.query<{ model_id: string }>('SELECT model_id FROM assets WHERE id = $1', [id]);
      const modelId = asset.rows[0]?.model_id;
      if (!modelId) throw notFound('asset', id);
      const model = models.get(modelId);
      if (!model) throw new AppError('PRECONDITION_FAILED', `model ${modelId} of asset ${id} is not loaded`);

      const requested = [request.query.metric ?? []]
        .flat()
        .flatMap((m) => m.split(','))
        .map((m) => m.trim())
        .filter(Boolean);
      const metrics = requested.length > 0 ? [...new Set(requested)] : Object.keys(model.metrics);
      const unknown = metrics.filter((m) => !Object.hasOwn(model.metrics, m));
      if (unknown.length > 0) {
        throw new AppError('VALIDATION_FAILED', `metric ${unknown.join(', ')} is not a metric of model ${modelId}`, { unknownMetrics: unknown });
      }
      const to = request.query.to ? new Date(request.query.to) : new Date();
      const from = request.query.from ? new Date(request.query.from) : new Date(to.getTime() - DAY_MS);
      if (to.getTime() <= from.getTime()) throw new AppError('VALIDATION_FAILED', '"to" must be after "from"');
      const every = request.query.every ?? defaultEvery(to.getTime() - from.getTime());

      const series = await telemetry.read({ assetId: id, metrics, from, to, every });
      return {
        assetId: id,
        modelId,
        from: from.toISOString(),
        to: to.toISOString(),
        every,
        series: series.map((s) => ({ ...s, unit: model.metrics[s.metric]!.unit })),
      };
    },
  );

  app.get(
    '/rejections',
    {
      config: { roles: ['admin', 'dispatcher'] },
      schema: {
        tags: ['telemetry'],
        summary: 'Refused device publishes, newest first',
        querystring: rejectionsQuerySchema,
        response: { 200: rejectionsResponseSchema },
      },
    },
    async (request) => rejections.list(request.query),
  );

  app.get(
    '/rejections/counts',
    {
      config: { roles: ['admin', 'dispatcher'] },
      schema: {
        tags: ['telemetry'],
        summary: 'Refused publishes counted per reason, overall or for one device',
        querystring: rejectionCountsQuerySchema,
        response: { 200: rejectionCountsResponseSchema },
      },
    },
    async (request) => rejections.counts(request.query.deviceId),
  );
}
