/**
 * The telemetry lifecycle: retention of raw and downsampled readings, and (where InfluxDB does
 * not downsample by itself) the downsampling job. One worker-role task; no routes.
 */
import { defineModule } from '../../kernel/module.js';
import { createTelemetryLifecycleTask, type TelemetryLifecycleTaskDeps } from './telemetry-lifecycle.task.js';

export type LifecycleDeps = TelemetryLifecycleTaskDeps;

export const lifecycleModule = defineModule({
  name: 'lifecycle',
  build(deps: LifecycleDeps) {
    const { config } = deps;
    // Validated here: a bad TELEMETRY_* value stops the start-up.
    const task = createTelemetryLifecycleTask(deps, {
      rawRetention: config.TELEMETRY_RAW_RETENTION,
      downsampledRetention: config.TELEMETRY_DOWNSAMPLED_RETENTION,
      downsampleInterval: config.TELEMETRY_DOWNSAMPLE_INTERVAL,
      lateWindow: config.TELEMETRY_DOWNSAMPLE_LATE_WINDOW,
      downsampledRetentionPolicy: config.TELEMETRY_DOWNSAMPLED_RP,
      v1Mode: config.TELEMETRY_V1_MODE,
    });
    return { exports: {}, tasks: [task] };
  },
});
