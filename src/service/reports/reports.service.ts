/**
 * Runs a report: resolves the period, probes the optional tables, runs the report's query and
 * wraps the rows in the JSON envelope or renders them as CSV. Used by the routes and by the
 * scheduled-report runner.
 */
import type { Database } from '../../kernel/db/database.js';
import { notFound } from '../../kernel/errors.js';
import type { Clock } from '../../kernel/clock.js';
import { toCsv } from './report-csv.js';
import { resolvePeriod, type Period } from './report-period.js';
import { columnsOf, reportNamed, type ReportDefinition, type ReportRunOptions } from './reports.catalog.js';
import { existingTables } from './table-probe.js';

export interface ReportOutput {
  report: string;
  title: string;
  period: { from: string; to: string } | null;
  generatedAt: string;
  filters: Record<string, unknown>;
  formula: string;
  columns: string[];
  rows: Record<string, unknown>[];
  summary: Record<string, unknown> | null;
}

/** Query keys that are not filters. */
const NOT_FILTERS = new Set(['from', 'to', 'format']);

export class ReportsService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly options: ReportRunOptions = {},
  ) {}

  definition(name: string): ReportDefinition {
    const def = reportNamed(name);
    if (!def) throw notFound('report', name);
    return def;
  }

  /**
   * Runs report `name` with an already validated query (its `query` schema). `period` overrides
   * from/to (scheduled runs).
   */
  async run(name: string, query: Record<string, unknown>, period?: Period): Promise<ReportOutput> {
    const def = this.definition(name);
    const now = this.clock.now();
    const resolved = period ?? resolvePeriod(query as { from?: string; to?: string }, now);
    const tables = await existingTables(this.db);
    const filters = Object.fromEntries(Object.entries(query).filter(([k, v]) => !NOT_FILTERS.has(k) && v !== undefined));
    const result = await def.run(this.db, { ...filters, period: resolved, now }, tables, this.options);
    return {
      report: def.name,
      title: def.title,
      period: def.snapshot ? null : { from: resolved.from.toISOString(), to: resolved.to.toISOString() },
      generatedAt: now.toISOString(),
      filters,
      formula: def.formula,
      columns: columnsOf(def, query),
      rows: result.rows,
      summary: result.summary,
    };
  }
}

/** The CSV form of a report output: header + one line per row. */
export function reportCsv(output: ReportOutput): string {
  return toCsv(output.columns, output.rows);
}

/** A file name for the CSV attachment: report-name_from_to.csv (dates only). */
export function reportFileName(output: ReportOutput): string {
  const day = (iso: string) => iso.slice(0, 10);
  const span = output.period ? `_${day(output.period.from)}_${day(output.period.to)}` : `_${day(output.generatedAt)}`;
  return `${output.report}${span}.csv`;
}
