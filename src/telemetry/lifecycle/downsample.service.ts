/**
 * The platform's own downsampling (InfluxDB 2.x and 3.x have no continuous queries): reads
 * mean/min/max of every field per window with InfluxQL from the raw series and writes them,
 * with the same tags, as fields `mean_<f>`, `min_<f>`, `max_<f>` into the downsampled
 * retention policy / bucket — exactly what a 1.x continuous query `SELECT mean(*), min(*),
 * max(*) ... GROUP BY time(i), *` produces, so dashboards read one layout whatever the server.
 * Writing the same window again overwrites the same points: runs are idempotent.
 */
import type { WriteApi } from '@influxdata/influxdb-client';
import { connectInflux, toInfluxError, type InfluxConnection, type InfluxOptions } from '../influx/influx.connection.js';
import { durationLiteral, quoteIdent, timeLiteral } from '../influx/influxql.js';

export interface DownsampleRange {
  /** Start of the first window (rounded down to the interval). */
  readonly from: Date;
  /** End (exclusive) of the last window (rounded down to the interval: an incomplete window is left for later). */
  readonly to: Date;
  /** Window width, ms. */
  readonly intervalMs: number;
  readonly measurements: readonly string[];
}

export interface DownsampleResult {
  /** Windows aggregated. */
  readonly windows: number;
  /** Points written (one per series and window). */
  readonly points: number;
}

/** Lines per write request. */
const MAX_LINES_PER_FLUSH = 5000;

const escapeTag = (s: string) => s.replace(/[\\,= ]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ');
const escapeMeasurement = (s: string) => s.replace(/[\\, ]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ');

/** One line of line protocol from an aggregate row (null fields dropped; undefined when none left). */
export function aggregateLine(measurement: string, tags: Record<string, string>, columns: readonly string[], row: readonly unknown[]): string | undefined {
  const fields: string[] = [];
  let time: number | undefined;
  columns.forEach((column, i) => {
    const value = row[i];
    if (column === 'time') time = Number(value);
    else if (typeof value === 'number' && Number.isFinite(value)) fields.push(`${escapeTag(column)}=${Object.is(value, -0) ? 0 : value}`);
  });
  if (fields.length === 0 || time === undefined) return undefined;
  const tagText = Object.keys(tags)
    .sort()
    .filter((k) => tags[k] !== '')
    .map((k) => `,${escapeTag(k)}=${escapeTag(tags[k]!)}`)
    .join('');
  return `${escapeMeasurement(measurement)}${tagText} ${fields.join(',')} ${time}`;
}

/**
 * Aggregates every complete window in [from, to) and writes it through `sink` (a WriteApi on
 * the downsampled retention policy / bucket, ms precision). One query per window and
 * measurement keeps each answer small whatever the fleet size.
 */
export async function downsampleRange(source: InfluxConnection, sink: WriteApi, range: DownsampleRange): Promise<DownsampleResult> {
  const every = range.intervalMs;
  const start = Math.floor(range.from.getTime() / every) * every;
  const end = Math.floor(range.to.getTime() / every) * every;
  let windows = 0;
  let points = 0;
  let pending = 0;
  for (let t = start; t < end; t += every) {
    windows++;
    for (const measurement of range.measurements) {
      const statement =
        `SELECT mean(*), min(*), max(*) FROM ${quoteIdent(measurement)}` +
        ` WHERE time >= ${timeLiteral(new Date(t))} AND time < ${timeLiteral(new Date(t + every))}` +
        ` GROUP BY time(${durationLiteral(every)}), * fill(none)`;
      const [result] = await source.query(statement, { epoch: 'ms' });
      for (const series of result?.series ?? []) {
        for (const row of series.values) {
          const line = aggregateLine(measurement, series.tags, series.columns, row);
          if (!line) continue;
          sink.writeRecord(line);
          points++;
          if (++pending >= MAX_LINES_PER_FLUSH) {
            await flush(sink);
            pending = 0;
          }
        }
      }
    }
  }
  if (pending > 0) await flush(sink);
  return { windows, points };
}

async function flush(sink: WriteApi): Promise<void> {
  try {
    await sink.flush();
  } catch (error) {
    throw toInfluxError(error);
  }
}

/**
 * A connection whose WriteApi writes into the downsampled series: on 1.x the retention policy
 * `rp` of the same database, on 2.x the bucket and on 3.x the database `<database>/<rp>`.
 * `version` is the source's (no second /ping).
 */
export function connectDownsampledSink(base: InfluxOptions, version: InfluxConnection['version'], rp: string): Promise<InfluxConnection> {
  const v1 = version === '1.x-legacy' || version === '1.8+';
  return connectInflux({ ...base, version, database: v1 ? base.database : `${base.database}/${rp}`, retentionPolicy: v1 ? rp : '' });
}
