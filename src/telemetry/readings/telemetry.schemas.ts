/** zod contracts of the telemetry and rejection routes. */
import { z } from 'zod';
import { REJECTION_REASONS } from '../ingest/ingest.types.js';
import { STREAM_ID } from '../ingest/rejection-log.js';

export const assetParamsSchema = z.object({ id: z.uuid() });

export const telemetryQuerySchema = z.object({
  /** Metric names, repeated (`metric=a&metric=b`) or comma separated; default: every metric of the model. */
  metric: z.union([z.string().max(2000), z.array(z.string().max(200)).max(50)]).optional(),
  /** Start (inclusive), ISO 8601; default: 24 h before `to`. */
  from: z.iso.datetime({ offset: true }).optional(),
  /** End (exclusive), ISO 8601; default: now. */
  to: z.iso.datetime({ offset: true }).optional(),
  /** Bucket width (30s, 5m, 1h, 1d...); default: chosen so there are at most ~500 buckets. */
  every: z
    .string()
    .regex(/^[1-9][0-9]{0,8}(ms|s|m|h|d|w)$/, 'a duration such as 30s, 5m, 1h, 1d')
    .optional(),
});

const pointSchema = z.object({ time: z.string(), mean: z.number(), min: z.number(), max: z.number() });

export const telemetryResponseSchema = z.object({
  assetId: z.string(),
  modelId: z.string(),
  from: z.string(),
  to: z.string(),
  every: z.string(),
  series: z.array(z.object({ metric: z.string(), unit: z.string(), points: z.array(pointSchema) })),
});

export const rejectionsQuerySchema = z.object({
  deviceId: z.string().min(1).max(200).optional(),
  reason: z.enum(REJECTION_REASONS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().regex(STREAM_ID, 'a cursor returned as nextCursor').optional(),
});

export const rejectionEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  deviceId: z.string(),
  assetId: z.string().nullable(),
  reason: z.enum(REJECTION_REASONS),
  detail: z.string(),
  topic: z.string().nullable(),
  payloadSample: z.string(),
});

export const rejectionsResponseSchema = z.object({ items: z.array(rejectionEntrySchema), nextCursor: z.string().nullable() });

export const rejectionCountsQuerySchema = z.object({ deviceId: z.string().min(1).max(200).optional() });

export const rejectionCountsResponseSchema = z.object({
  deviceId: z.string().nullable(),
  total: z.number().int(),
  byReason: z.record(z.enum(REJECTION_REASONS), z.number().int()),
});
