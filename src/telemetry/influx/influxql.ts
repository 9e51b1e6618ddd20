/** InfluxQL building blocks: quoting that leaves no room for injection, durations, result parsing. */
import { z } from 'zod';

/** Double-quoted identifier (measurement, field, tag key, database). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Single-quoted string literal (tag values, time strings). */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** A time literal InfluxQL compares `time` against. */
export function timeLiteral(at: Date): string {
  return quoteString(at.toISOString());
}

const DURATION = /^([1-9][0-9]{0,8})(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds of an InfluxQL duration literal such as `30s`, `5m`, `1h`; undefined if not one. */
export function durationMs(duration: string): number | undefined {
  const match = DURATION.exec(duration);
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : undefined;
}

/** A duration literal for a number of milliseconds, in the largest exact unit. */
export function durationLiteral(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit]! === 0) return `${ms / UNIT_MS[unit]!}${unit}`;
  }
  return `${Math.round(ms)}ms`;
}

export const influxSeriesSchema = z.object({
  name: z.string().default(''),
  tags: z.record(z.string(), z.string()).default({}),
  columns: z.array(z.string()),
  values: z.array(z.array(z.unknown())).default([]),
});
export type InfluxSeries = z.infer<typeof influxSeriesSchema>;

export const influxQueryResponseSchema = z.object({
  results: z
    .array(
      z.object({
        statement_id: z.number().optional(),
        series: z.array(influxSeriesSchema).default([]),
        error: z.string().optional(),
      }),
    )
    .default([]),
  error: z.string().optional(),
});

/** One statement's result. */
export interface InfluxStatementResult {
  readonly series: InfluxSeries[];
}

/** Rows of a series as objects keyed by column name. */
export function seriesRows(series: InfluxSeries): Record<string, unknown>[] {
  return series.values.map((row) => Object.fromEntries(series.columns.map((c, i) => [c, row[i]])));
}
