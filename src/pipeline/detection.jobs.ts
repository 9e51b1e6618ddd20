/**
 * The detection job contract: what ingest hands to detection, one job per asset shard per
 * journal batch. Shared by the producer (detection.queue.ts) and the worker (detection.worker.ts).
 *
 * Sharding: shard = fnv1a(assetId) % shards. Every reading of an asset always lands in the same
 * shard queue, and a shard queue runs one job at a time across all workers (see
 * detection.worker.ts), so one asset's readings are evaluated in the order they were journalled.
 */
import { z } from 'zod';
import { EVENTS_MEASUREMENT, TAGS, TELEMETRY_MEASUREMENT } from '../ingest/line-protocol.js';
import { parseLine, type JournalRecord } from '../ingest/telemetry-journal.js';

/** Default number of shard queues (DETECTION_SHARDS would configure it; not in config yet). */
export const DEFAULT_SHARDS = 16;

/** BullMQ queue name of a shard (BullMQ names may not contain ':'). */
export const shardQueueName = (shard: number): string => `detection-${shard}`;

/** BullMQ key prefix under the platform's REDIS_PREFIX: keys are `${prefix}:bull:detection-<n>:...`. */
export const bullPrefix = (prefix: string): string => `${prefix}:bull`;

/** 32-bit FNV-1a: stable across processes and versions (unlike any built-in hash). */
export function shardOf(assetId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < assetId.length; i++) {
    h ^= assetId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

const readingSchema = z.strictObject({
  ts: z.number().int().nonnegative(),
  metrics: z.record(z.string().min(1), z.number()),
});

const eventSchema = z.strictObject({
  ts: z.number().int().nonnegative(),
  code: z.string().min(1),
  severity: z.string().optional(),
  message: z.string().optional(),
});

export const assetBatchSchema = z.strictObject({
  assetId: z.uuid(),
  deviceId: z.string().min(1),
  modelId: z.string().min(1),
  readings: z.array(readingSchema),
  events: z.array(eventSchema),
  /** Silence sweep: after the readings, check for a silent device at this time (epoch ms). */
  silenceCheckAt: z.number().int().nonnegative().optional(),
});
export type AssetBatch = z.infer<typeof assetBatchSchema>;

export const detectionJobSchema = z.strictObject({
  v: z.literal(1),
  shard: z.number().int().nonnegative(),
  assets: z.array(assetBatchSchema).min(1),
});
export type DetectionJobData = z.infer<typeof detectionJobSchema>;

/**
 * Groups a journal batch by shard, then by asset, keeping the journal order of each asset's
 * readings and events. Lines that do not parse or carry no asset tag are skipped (InfluxDB has
 * them; detection cannot attribute them).
 */
export function groupByShard(records: readonly JournalRecord[], shards: number): Map<number, DetectionJobData> {
  const byAsset = new Map<string, AssetBatch>();
  for (const record of records) {
    for (const line of record.lines) {
      const parsed = parseLine(line);
      if (!parsed) continue;
      const assetId = parsed.tags[TAGS.asset];
      const deviceId = parsed.tags[TAGS.device];
      const modelId = parsed.tags[TAGS.model];
      if (!assetId || !deviceId || !modelId) continue;
      let batch = byAsset.get(assetId);
      if (!batch) {
        batch = { assetId, deviceId, modelId, readings: [], events: [] };
        byAsset.set(assetId, batch);
      }
      if (parsed.measurement === TELEMETRY_MEASUREMENT) {
        const metrics: Record<string, number> = {};
        for (const [name, value] of Object.entries(parsed.fields)) if (typeof value === 'number' && Number.isFinite(value)) metrics[name] = value;
        batch.readings.push({ ts: parsed.ts, metrics });
      } else if (parsed.measurement === EVENTS_MEASUREMENT && typeof parsed.fields.code === 'string') {
        const { code, severity, message } = parsed.fields;
        batch.events.push({
          ts: parsed.ts,
          code,
          ...(typeof severity === 'string' ? { severity } : {}),
          ...(typeof message === 'string' ? { message } : {}),
        });
      }
    }
  }
  const jobs = new Map<number, DetectionJobData>();
  for (const batch of byAsset.values()) {
    const shard = shardOf(batch.assetId, shards);
    let job = jobs.get(shard);
    if (!job) {
      job = { v: 1, shard, assets: [] };
      jobs.set(shard, job);
    }
    job.assets.push(batch);
  }
  return jobs;
}
