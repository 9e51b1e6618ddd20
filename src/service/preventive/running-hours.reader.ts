/**
 * Running hours of an asset from InfluxDB: the `running_hours` counter's min/max per bucket
 * through TelemetryReader (InfluxQL), turned into hours run and a recent daily rate by
 * runningHoursUsage (see preventive-schedule.ts for the method).
 */
import type { TelemetryReader } from '../../telemetry/readings/telemetry.reader.js';
import { runningHoursUsage, type RunningHoursUsage } from './preventive-schedule.js';

export interface RunningHoursSource {
  /** Hours run from `since` to `now` and the recent daily rate. */
  usage(assetId: string, since: Date, now: Date): Promise<RunningHoursUsage>;
}

export interface RunningHoursOptions {
  /** Counter metric read. Default 'running_hours' (every shipped model publishes it). */
  readonly metric?: string;
  /** Days of recent data the daily rate is computed over. Default 14. */
  readonly rateWindowDays?: number;
  /** Most buckets one read asks for (the bucket widens in whole hours to stay under). Default 5000. */
  readonly maxBuckets?: number;
}

const HOUR_MS = 3_600_000;

export class TelemetryRunningHours implements RunningHoursSource {
  private readonly metric: string;
  private readonly rateWindowDays: number;
  private readonly maxBuckets: number;

  constructor(
    private readonly reader: TelemetryReader,
    options: RunningHoursOptions = {},
  ) {
    this.metric = options.metric ?? 'running_hours';
    this.rateWindowDays = options.rateWindowDays ?? 14;
    this.maxBuckets = options.maxBuckets ?? 5000;
  }

  async usage(assetId: string, since: Date, now: Date): Promise<RunningHoursUsage> {
    const span = now.getTime() - since.getTime();
    if (span <= 0) return { hours: 0, ratePerDay: null };
    const bucketHours = Math.max(1, Math.ceil(span / HOUR_MS / this.maxBuckets));
    const [series] = await this.reader.read({ assetId, metrics: [this.metric], from: since, to: now, every: `${bucketHours}h` });
    return runningHoursUsage(series?.points ?? [], { rateWindowStart: new Date(now.getTime() - this.rateWindowDays * 24 * HOUR_MS), now });
  }
}
