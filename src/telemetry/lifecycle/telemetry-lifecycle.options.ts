/**
 * How long telemetry is kept and how it is downsampled. Raw readings live in the platform's own
 * retention policy (1.x) / bucket (2.x) / database (3.x) for `rawRetention`; aggregates of every
 * `downsampleInterval` (mean, min and max of each metric, fields `mean_<metric>`, `min_<metric>`,
 * `max_<metric>`, same tags) go to the `downsampledRetentionPolicy` and are kept for
 * `downsampledRetention`. Validated once with zod; a bad value is a clear error at start-up.
 */
import { z } from 'zod';
import { durationMs } from '../influx/influxql.js';

/** `INF` (keep forever) or an InfluxQL duration such as `30d`, `104w`, `12h`. */
const retention = z
  .string()
  .trim()
  .refine((v) => v.toUpperCase() === 'INF' || durationMs(v) !== undefined, 'a duration such as 30d, 104w or INF')
  .transform((v) => (v.toUpperCase() === 'INF' ? 'INF' : v));

const duration = (what: string, minMs: number) =>
  z
    .string()
    .trim()
    .refine((v) => (durationMs(v) ?? 0) >= minMs, `${what}: a duration such as 5m, 1h (at least ${minMs / 1000} s)`);

const RP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;

export const telemetryLifecycleOptionsSchema = z
  .object({
    /** How long raw readings are kept (TELEMETRY_RAW_RETENTION). `INF` leaves them forever. Default 30d. */
    rawRetention: retention.default('30d'),
    /** How long the downsampled series are kept (TELEMETRY_DOWNSAMPLED_RETENTION). Default 104w (two years). */
    downsampledRetention: retention.default('104w'),
    /** Width of one aggregate (TELEMETRY_DOWNSAMPLE_INTERVAL). Default 5m. */
    downsampleInterval: duration('downsampleInterval', 1000).default('5m'),
    /**
     * Windows this far back are recomputed on every run (TELEMETRY_DOWNSAMPLE_LATE_WINDOW), so
     * readings a device buffered during a short outage still reach the aggregates. At least one
     * interval. Default 1h.
     */
    lateWindow: duration('lateWindow', 1000).default('1h'),
    /** Retention policy (1.x) holding the aggregates; on 2.x/3.x the bucket/database `<database>/<name>`. Default 'downsampled'. */
    downsampledRetentionPolicy: z.string().regex(RP_NAME, 'a retention policy name (letters, digits, _ . -)').default('downsampled'),
    /**
     * 1.x: 'continuous-query' (default) lets InfluxDB downsample; 'job' uses the platform's own job
     * as on 2.x/3.x (which have no continuous queries and always use the job).
     */
    v1Mode: z.enum(['continuous-query', 'job']).default('continuous-query'),
    /** Measurements downsampled. Default ['telemetry']. */
    measurements: z.array(z.string().min(1)).min(1).default(['telemetry']),
    /** Job only: a window is aggregated this long after it ended, so late writes of the ingest land first. Default 30s. */
    settleDelay: duration('settleDelay', 0).default('30s'),
  })
  .strict()
  .refine((o) => durationMs(o.lateWindow)! >= durationMs(o.downsampleInterval)!, {
    message: 'lateWindow must be at least one downsampleInterval',
    path: ['lateWindow'],
  })
  .refine((o) => o.downsampledRetention === 'INF' || o.rawRetention === 'INF' || durationMs(o.downsampledRetention)! >= durationMs(o.rawRetention)!, {
    message: 'downsampledRetention should not be shorter than rawRetention',
    path: ['downsampledRetention'],
  });

export type TelemetryLifecycleOptionsInput = z.input<typeof telemetryLifecycleOptionsSchema>;
export type TelemetryLifecycleOptions = z.output<typeof telemetryLifecycleOptionsSchema>;

export class TelemetryLifecycleOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid telemetry lifecycle options: ${problems.join('; ')}`);
    this.name = 'TelemetryLifecycleOptionsError';
  }
}

export function parseTelemetryLifecycleOptions(input: TelemetryLifecycleOptionsInput = {}): TelemetryLifecycleOptions {
  const parsed = telemetryLifecycleOptionsSchema.safeParse(input);
  if (!parsed.success) throw new TelemetryLifecycleOptionsError(parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`));
  return parsed.data;
}

/** Milliseconds of a retention ('INF' → undefined). */
export function retentionMs(value: string): number | undefined {
  return value === 'INF' ? undefined : durationMs(value);
}

/** InfluxDB's recommended shard group duration for a retention period. */
export function shardGroupDuration(retention: string): string {
  const ms = retentionMs(retention);
  if (ms === undefined || ms > 183 * 86_400_000) return '7d';
  if (ms < 2 * 86_400_000) return '1h';
  return '1d';
}
