/**
 * The detection job contract: what ingest hands to detection, one job per asset shard per
 * journal batch. Shared by the producer (detection.queue.ts) and the worker (detection.worker.ts).
 *
 * Sharding: shard = fnv1a(assetId) % shards. Every reading of an asset always lands in the same
 * shard queue, and a shard queue runs one job at a time across all workers (see
 * detection.worker.ts), so one asset's readings are evaluated in the order they were journalled.
 */
import { z } from 'zod';
import { EVENTS_MEASUREMENT, TAGS, TELEMETRY_MEASUREMENT } from '../../ingest/line-protocol.js';
import { parseLine, type JournalRecord } from '../../journal/telemetry-journal.js';

/**
 * Default number of shard queues (DETECTION_SHARDS): detection scales out to this many worker
 * processes. Every journal batch costs a BullMQ job per shard with data (worker CPU and a Redis
 * round trip each), so a small deployment pays for each shard it does not need.
 */
export const DEFAULT_SHARDS = 4;

/** BullMQ queue names of the shards: this prefix and the shard number (BullMQ names may not contain ':'). */
export const SHARD_QUEUE_PREFIX = 'detection-';
export const shardQueueName = (shard: number): string => `${SHARD_QUEUE_PREFIX}${shard}`;

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

/** A command on a rule's learnt normal (detection.types.ts RuleCommand); mode names are short ('all', a bin index). */
export const ruleCommandSchema = z.strictObject({
  ruleId: z.string().min(1).max(128),
  op: z.enum(['relearn', 'freeze', 'unfreeze']),
  mode: z.string().min(1).max(32).optional(),
  at: z.number().int().nonnegative(),
  auto: z.boolean().optional(),
});

const assetFields = {
  assetId: z.uuid(),
  deviceId: z.string().min(1),
  modelId: z.string().min(1),
  events: z.array(eventSchema),
  /** Silence sweep: after the readings, check for a silent device at this time (epoch ms). */
  silenceCheckAt: z.number().int().nonnegative().optional(),
  /**
   * Baseline commands from the API (relearn, freeze, accept an alarm as normal): applied before
   * the readings, by the worker that owns the state. Optional in both versions: a job without
   * them is read as before (an older worker refuses a job with them, it does not ignore them).
   */
  commands: z.array(ruleCommandSchema).min(1).max(64).optional(),
};

/** One asset's part of a job, as the worker evaluates it. Also the wire format of version 1. */
export const assetBatchSchema = z.strictObject({ ...assetFields, readings: z.array(readingSchema) });
export type AssetBatch = z.infer<typeof assetBatchSchema>;

/**
 * Version 2 on the wire: the readings are the journal's line protocol without the series key,
 * `name=value,name=value ts` per reading, '\n'-separated. Cut from the journal lines instead of
 * parsed into objects, serialised, parsed and checked field by field again, they cost the
 * producer a slice and the worker one parse: zod and BullMQ's JSON on reading objects were a
 * quarter of the worker's CPU at saturation.
 */
const assetBatchV2Schema = z.strictObject({ ...assetFields, readings: z.string() });
type AssetBatchV2 = z.infer<typeof assetBatchV2Schema>;

const jobV1Schema = z.strictObject({ v: z.literal(1), shard: z.number().int().nonnegative(), assets: z.array(assetBatchSchema).min(1) });
const jobV2Schema = z.strictObject({ v: z.literal(2), shard: z.number().int().nonnegative(), assets: z.array(assetBatchV2Schema).min(1) });

/** What producers write (version 2). */
export type DetectionJobData = z.infer<typeof jobV2Schema>;
/** What the worker accepts: version 2, and version 1 left in Redis by an older producer. */
export const detectionJobSchema = z.discriminatedUnion('v', [jobV1Schema, jobV2Schema]);
/**
 * One asset's part of a decoded job. A version 2 batch keeps its readings' wire text too: the
 * detection state's log stores that text as it came instead of encoding the readings again.
 */
export type DecodedAsset = AssetBatch & { text?: string | undefined };
/** A job decoded for evaluation. */
export interface DecodedJob {
  readonly shard: number;
  readonly assets: DecodedAsset[];
}

/** One reading as written on the wire: `name=value,... ts`. */
export function encodeReading(metrics: Readonly<Record<string, number>>, ts: number): string {
  let line = '';
  for (const name in metrics) line += `${line ? ',' : ''}${name}=${metrics[name]!}`;
  return `${line} ${ts}`;
}

/**
 * Decodes a validated job. Throws a TypeError naming the asset and the line when a reading
 * does not read back as finite numbers and an integer timestamp.
 */
export function decodeJob(data: z.infer<typeof detectionJobSchema>): DecodedJob {
  if (data.v === 1) return { shard: data.shard, assets: data.assets };
  return { shard: data.shard, assets: data.assets.map(decodeAsset) };
}

function decodeAsset(batch: AssetBatchV2): DecodedAsset {
  const decoded = decodeReadings(batch.readings);
  if ('bad' in decoded) throw new TypeError(`asset ${batch.assetId}, reading ${decoded.bad}: "${decoded.line.slice(0, 80)}" is not "name=value,... ts"`);
  const { readings: text, ...rest } = batch;
  return { ...rest, readings: decoded.readings, text };
}

/** Readings in wire text ('\n'-separated `name=value,... ts`), or the first line that does not decode. */
export function decodeReadings(text: string): { readings: AssetBatch['readings'] } | { bad: number; line: string } {
  const readings: AssetBatch['readings'] = [];
  if (text === '') return { readings };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const reading = decodeReading(lines[i]!);
    if (!reading) return { bad: i, line: lines[i]! };
    readings.push(reading);
  }
  return { readings };
}

function decodeReading(line: string): AssetBatch['readings'][number] | undefined {
  const space = line.indexOf(' ');
  if (space <= 0 || space === line.length - 1 || line.indexOf(' ', space + 1) >= 0) return undefined;
  const ts = Number(line.slice(space + 1));
  if (!Number.isSafeInteger(ts) || ts < 0) return undefined;
  const metrics: Record<string, number> = {};
  let from = 0;
  while (from < space) {
    let comma = line.indexOf(',', from);
    if (comma < 0 || comma > space) comma = space;
    const eq = line.indexOf('=', from);
    if (eq <= from || eq >= comma) return undefined;
    const value = decimal(line, eq + 1, comma);
    if (!Number.isFinite(value) || eq + 1 === comma) return undefined;
    metrics[line.slice(from, eq)] = value;
    from = comma + 1;
  }
  return { ts, metrics };
}

const POWERS_OF_TEN = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Number(text.slice(from, to)) without the slice for the common `-ddd.ddd` of at most 15 digits:
 * the digits as an integer (exact below 2^53) divided by an exact power of ten is one correctly
 * rounded operation, so the result is the same double Number() gives. Anything else (exponent,
 * sign `+`, more digits) goes to Number(). A third faster than Number() on slices per value.
 */
export function decimal(text: string, from: number, to: number): number {
  let i = from;
  const negative = text.charCodeAt(i) === 45; // '-'
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (fraction >= 0) fraction++;
    } else if (c === 46 && fraction < 0)
      fraction = 0; // '.'
    else return Number(text.slice(from, to));
  }
  if (digits === 0 || digits > 15 || fraction === 0) return Number(text.slice(from, to));
  const value = fraction > 0 ? mantissa / POWERS_OF_TEN[fraction]! : mantissa;
  return negative ? -value : value;
}

/** Where a plain telemetry line's asset tag starts (line-protocol.ts writes the tags sorted: asset first). */
const TELEMETRY_ASSET = `${TELEMETRY_MEASUREMENT},${TAGS.asset}=`;

interface Gathering {
  readonly assetId: string;
  readonly deviceId: string;
  readonly modelId: string;
  readonly readings: string[];
  readonly events: AssetBatch['events'];
}

/**
 * Groups a journal batch by shard, then by asset, keeping the journal order of each asset's
 * readings and events. Lines that do not parse or carry no asset tag are skipped (InfluxDB has
 * them; detection cannot attribute them). A plain telemetry line (nothing escaped) is not
 * parsed: its asset tag and its `fields ts` part are cut out of it.
 */
export function groupByShard(records: readonly JournalRecord[], shards: number): Map<number, DetectionJobData> {
  const byAsset = new Map<string, Gathering>();
  const gathering = (assetId: string, line: string): Gathering | undefined => {
    let batch = byAsset.get(assetId);
    if (batch) return batch;
    const parsed = parseLine(line);
    const deviceId = parsed?.tags[TAGS.device];
    const modelId = parsed?.tags[TAGS.model];
    if (!deviceId || !modelId) return undefined;
    batch = { assetId, deviceId, modelId, readings: [], events: [] };
    byAsset.set(assetId, batch);
    return batch;
  };
  for (const record of records) {
    for (const line of record.lines) {
      if (line.startsWith(TELEMETRY_ASSET) && line.indexOf('\\') < 0 && line.indexOf('"') < 0) {
        const space = line.indexOf(' ');
        const second = space < 0 ? -1 : line.indexOf(' ', space + 1);
        if (second < 0 || line.indexOf(' ', second + 1) >= 0) continue;
        const comma = line.indexOf(',', TELEMETRY_ASSET.length);
        const assetId = line.slice(TELEMETRY_ASSET.length, comma < 0 || comma > space ? space : comma);
        if (assetId) gathering(assetId, line)?.readings.push(line.slice(space + 1));
        continue;
      }
      const parsed = parseLine(line);
      const assetId = parsed?.tags[TAGS.asset];
      if (!parsed || !assetId) continue;
      const batch = gathering(assetId, line);
      if (!batch) continue;
      if (parsed.measurement === TELEMETRY_MEASUREMENT) {
        const metrics: Record<string, number> = {};
        for (const [name, value] of Object.entries(parsed.fields)) if (typeof value === 'number' && Number.isFinite(value)) metrics[name] = value;
        // A reading without a number would not decode (and fail the whole job): InfluxDB has it.
        if (Object.keys(metrics).length > 0) batch.readings.push(encodeReading(metrics, parsed.ts));
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
      job = { v: 2, shard, assets: [] };
      jobs.set(shard, job);
    }
    job.assets.push({ ...batch, readings: batch.readings.join('\n') });
  }
  return jobs;
}
