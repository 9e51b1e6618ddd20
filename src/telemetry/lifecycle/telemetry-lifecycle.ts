/**
 * Telemetry lifecycle: raw readings kept for a while, aggregates kept longer. See
 * telemetry-retention.admin.ts for what is created on each InfluxDB version and
 * downsample.service.ts for the platform's own downsampling.
 */
import type { InfluxConnection } from '../influx/influx.connection.js';
import { applyRetention, type LifecycleContext, type LifecycleReport } from './telemetry-retention.admin.js';
import { parseTelemetryLifecycleOptions, type TelemetryLifecycleOptions, type TelemetryLifecycleOptionsInput } from './telemetry-lifecycle.options.js';

export type { LifecycleContext, LifecycleReport };
export { parseTelemetryLifecycleOptions, type TelemetryLifecycleOptions, type TelemetryLifecycleOptionsInput };
export { downsampleRange, connectDownsampledSink, type DownsampleRange, type DownsampleResult } from './downsample.service.js';
export { createTelemetryLifecycleTask, type TelemetryLifecycleTaskDeps, type TelemetryLifecycleTaskOptions } from './telemetry-lifecycle.task.js';

/**
 * Creates/updates retention policies, buckets, DBRP mappings and (1.x) continuous queries so
 * they match `options`. Idempotent: a second run reports no actions. The database itself must
 * exist (`connection.ensureDatabase()`).
 */
export function applyTelemetryLifecycle(
  connection: InfluxConnection,
  options: TelemetryLifecycleOptions | TelemetryLifecycleOptionsInput,
  context: LifecycleContext,
): Promise<LifecycleReport> {
  return applyRetention(connection, parseTelemetryLifecycleOptions(options as TelemetryLifecycleOptionsInput), context);
}
