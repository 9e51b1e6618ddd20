/**
 * Reads telemetry back with InfluxQL (served by InfluxDB 1.x, 2.x with a DBRP mapping, and
 * 3.x): downsampled mean/min/max per time bucket, and the latest reading of an asset. Every
 * identifier and literal is quoted (see influxql.ts), so no input reaches the query unescaped.
 */
import { AppError, unavailable } from '../../kernel/errors.js';
import type { InfluxConnection } from '../influx/influx.connection.js';
import { InfluxUnavailableError } from '../influx/influx.errors.js';
import { durationMs, quoteIdent, quoteString, seriesRows, timeLiteral, type InfluxStatementResult } from '../influx/influxql.js';
import { TAGS, TELEMETRY_MEASUREMENT } from '../ingest/line-protocol.js';

export interface TelemetryReadQuery {
  readonly assetId: string;
  readonly metrics: readonly string[];
  readonly from: Date;
  /** Exclusive. */
  readonly to: Date;
  /** Bucket width as an InfluxQL duration: 30s, 1m, 1h, 1d... */
  readonly every: string;
}

export interface TelemetryPoint {
  /** Start of the bucket. */
  readonly time: string;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export interface TelemetrySeries {
  readonly metric: string;
  readonly points: TelemetryPoint[];
}

export interface LatestReading {
  readonly time: string;
  readonly values: Record<string, number>;
}

/** Most buckets one read may return (per metric). */
export const MAX_BUCKETS = 10_000;
const TAG_KEYS = new Set<string>(Object.values(TAGS));

/** A connection, or a getter for one that may not exist yet (the platform connects in the background while InfluxDB is down). */
export type InfluxSource = InfluxConnection | (() => InfluxConnection | undefined);

export class TelemetryReader {
  constructor(private readonly influx: InfluxSource) {}

  async read(query: TelemetryReadQuery): Promise<TelemetrySeries[]> {
    const every = durationMs(query.every);
    if (every === undefined) throw new AppError('VALIDATION_FAILED', `every "${query.every}" is not a duration such as 30s, 5m, 1h, 1d`);
    const span = query.to.getTime() - query.from.getTime();
    if (!(span > 0)) throw new AppError('VALIDATION_FAILED', '"to" must be after "from"');
    if (span / every > MAX_BUCKETS) {
      throw new AppError('VALIDATION_FAILED', `from..to / every gives more than ${MAX_BUCKETS} points; use a larger "every"`);
    }
    if (query.metrics.length === 0) return [];
    const fields = query.metrics
      .map((m, i) => `mean(${quoteIdent(m)}) AS "m${i}_mean", min(${quoteIdent(m)}) AS "m${i}_min", max(${quoteIdent(m)}) AS "m${i}_max"`)
      .join(', ');
    const statement =
      `SELECT ${fields} FROM ${quoteIdent(TELEMETRY_MEASUREMENT)}` +
      ` WHERE ${quoteIdent(TAGS.asset)} = ${quoteString(query.assetId)}` +
      ` AND time >= ${timeLiteral(query.from)} AND time < ${timeLiteral(query.to)}` +
      ` GROUP BY time(${query.every}) fill(none)`;
    const rows = (await this.run(statement))[0]?.series.flatMap(seriesRows) ?? [];
    return query.metrics.map((metric, i) => ({
      metric,
      points: rows.flatMap((row) => {
        const mean = row[`m${i}_mean`];
        if (typeof mean !== 'number') return [];
        return [{ time: new Date(Number(row.time)).toISOString(), mean, min: Number(row[`m${i}_min`]), max: Number(row[`m${i}_max`]) }];
      }),
    }));
  }

  /**
   * The asset's raw readings in [from, to), oldest first, page by page (`pageSize` rows per
   * query, each page starting after the last one's newest time), for backtests. A reading holds
   * the metrics of `metrics` that its row carries.
   */
  async *rawReadings(
    assetId: string,
    metrics: readonly string[],
    from: Date,
    to: Date,
    pageSize = 10_000,
  ): AsyncGenerator<{ ts: number; metrics: Record<string, number> }[]> {
    if (metrics.length === 0) return;
    const fields = metrics.map((m) => quoteIdent(m)).join(', ');
    let after: Date | null = null;
    for (;;) {
      const lower = after ? `time > ${timeLiteral(after)}` : `time >= ${timeLiteral(from)}`;
      const statement =
        `SELECT ${fields} FROM ${quoteIdent(TELEMETRY_MEASUREMENT)} WHERE ${quoteIdent(TAGS.asset)} = ${quoteString(assetId)}` +
        ` AND ${lower} AND time < ${timeLiteral(to)} ORDER BY time ASC LIMIT ${pageSize}`;
      const series = (await this.run(statement))[0]?.series ?? [];
      const page: { ts: number; metrics: Record<string, number> }[] = [];
      for (const s of series) {
        const columns = s.columns.map((c) => metrics.indexOf(c));
        for (const row of s.values) {
          const values: Record<string, number> = {};
          for (let i = 0; i < row.length; i++) {
            const value = row[i];
            if (columns[i]! >= 0 && typeof value === 'number') values[metrics[columns[i]!]!] = value;
          }
          page.push({ ts: Number(row[s.columns.indexOf('time')]), metrics: values });
        }
      }
      if (page.length === 0) return;
      yield page;
      if (page.length < pageSize) return;
      after = new Date(page[page.length - 1]!.ts);
    }
  }

  /** The asset's most recent reading (the metrics of that one publish), or null. */
  async latest(assetId: string): Promise<LatestReading | null> {
    const statement =
      `SELECT * FROM ${quoteIdent(TELEMETRY_MEASUREMENT)} WHERE ${quoteIdent(TAGS.asset)} = ${quoteString(assetId)}` + ' ORDER BY time DESC LIMIT 1';
    const row = (await this.run(statement))[0]?.series.flatMap(seriesRows)[0];
    if (!row) return null;
    const values: Record<string, number> = {};
    for (const [column, value] of Object.entries(row)) {
      if (column !== 'time' && !TAG_KEYS.has(column) && typeof value === 'number') values[column] = value;
    }
    return { time: new Date(Number(row.time)).toISOString(), values };
  }

  private async run(statement: string): Promise<InfluxStatementResult[]> {
    const influx = typeof this.influx === 'function' ? this.influx() : this.influx;
    if (!influx) throw unavailable('InfluxDB');
    try {
      return await influx.query(statement, { epoch: 'ms' });
    } catch (error) {
      if (error instanceof InfluxUnavailableError) throw unavailable('InfluxDB');
      throw error;
    }
  }
}
