/**
 * Background task of the worker role: applies the telemetry lifecycle once InfluxDB answers
 * (and again after a failure), then — where InfluxDB does not downsample by itself (2.x, 3.x,
 * or 1.x with v1Mode 'job') — aggregates the last completed windows every interval.
 *
 * Several workers may run it: each tick takes a Redis key `SET NX` per window end, so one
 * worker aggregates a given tick; and if two did, they would write the same points (InfluxDB
 * overwrites a point with the same series and time), so nothing is ever counted twice.
 */
import type { Redis } from 'ioredis';
import { closeRedis, connectRedis } from '../../kernel/redis.js';
import type { Core } from '../../kernel/core.js';
import type { BackgroundTask } from '../../kernel/jobs/background-task.js';
import { influxOptionsFromConfig, type InfluxConnection } from '../influx/influx.connection.js';
import { connectDownsampledSink, downsampleRange, type DownsampleResult } from './downsample.service.js';
import { durationMs } from '../influx/influxql.js';
import { applyRetention, type LifecycleReport } from './telemetry-retention.admin.js';
import { parseTelemetryLifecycleOptions, type TelemetryLifecycleOptionsInput } from './telemetry-lifecycle.options.js';

export interface TelemetryLifecycleTaskOptions {
  /** Delay before retrying when InfluxDB is not connected or applying failed. Default 5000 ms. */
  readonly retryMs?: number;
  /** Called after each downsampling run (tests, metrics). */
  readonly onRun?: (run: DownsampleResult & { from: Date; to: Date }) => void;
}

export const TELEMETRY_LIFECYCLE_TASK = 'telemetry-lifecycle';

export interface TelemetryLifecycleTaskDeps extends Pick<Core, 'config' | 'logger' | 'clock' | 'redisUrl' | 'connector' | 'prefix'> {
  /** The InfluxDB connection once it answered (undefined before, or absent: none). */
  readonly influx?: (() => InfluxConnection | undefined) | undefined;
}

/**
 * The task the worker role starts. `input` are the lifecycle options (TELEMETRY_* variables);
 * they are validated here, so a bad value stops the start-up.
 */
export function createTelemetryLifecycleTask(
  deps: TelemetryLifecycleTaskDeps,
  input: TelemetryLifecycleOptionsInput = {},
  taskOptions: TelemetryLifecycleTaskOptions = {},
): BackgroundTask {
  const options = parseTelemetryLifecycleOptions(input);
  const clock = deps.clock;
  const logger = deps.logger.child({ task: TELEMETRY_LIFECYCLE_TASK });
  const retryMs = taskOptions.retryMs ?? 5000;
  const every = durationMs(options.downsampleInterval)!;
  const late = durationMs(options.lateWindow)!;
  const settle = durationMs(options.settleDelay) ?? 0;
  let redis: Redis | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  let report: LifecycleReport | undefined;
  let sink: InfluxConnection | undefined;
  let sinkApi: ReturnType<InfluxConnection['writeApi']> | undefined;
  let lastEnd = 0;
  let failures = 0;

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        running = tick().finally(() => (running = undefined));
      },
      Math.max(0, ms),
    );
    timer.unref?.();
  };

  const tick = async (): Promise<void> => {
    const influx = deps.influx?.();
    if (!influx) return schedule(retryMs);
    try {
      if (!report) {
        report = await applyRetention(influx, options, { logger, org: deps.config.INFLUX_ORG });
        logger.info({ downsampling: report.downsampling, downsampled: report.downsampled, changes: report.actions.length }, 'telemetry lifecycle applied');
      }
      const now = clock.now().getTime();
      const end = Math.floor((now - settle) / every) * every;
      if (report.downsampling === 'job' && end > lastEnd) {
        const key = `${deps.prefix}:telemetry-lifecycle:downsample:${end}`;
        const mine = await redis!.set(key, process.pid.toString(), 'PX', Math.max(every * 2, 60_000), 'NX');
        if (mine === 'OK') {
          if (!sinkApi) {
            sink = await connectDownsampledSink({ ...influxOptionsFromConfig(deps.config), logger }, influx.version, options.downsampledRetentionPolicy);
            sinkApi = sink.writeApi({ maxLinesPerFlush: 5000 });
          }
          const from = new Date(end - late);
          const result = await downsampleRange(influx, sinkApi, { from, to: new Date(end), intervalMs: every, measurements: options.measurements });
          logger.debug({ ...result, from, to: new Date(end) }, 'telemetry downsampled');
          taskOptions.onRun?.({ ...result, from, to: new Date(end) });
        }
        lastEnd = end;
      }
      failures = 0;
      // Next window end plus the settle delay.
      schedule(end + every + settle - clock.now().getTime());
    } catch (error) {
      if (failures++ === 0) logger.error({ err: error }, 'telemetry lifecycle failed; retrying');
      schedule(retryMs);
    }
  };

  return {
    name: TELEMETRY_LIFECYCLE_TASK,
    async start() {
      if (!stopped) return;
      stopped = false;
      // Reconnects by itself; a failed tick is retried.
      redis = connectRedis(deps.connector, deps.redisUrl, 'telemetry-lifecycle', { maxRetriesPerRequest: 1 }, deps.logger);
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await sink?.close();
      sink = undefined;
      sinkApi = undefined;
      await closeRedis(redis);
      redis = undefined;
    },
  };
}
