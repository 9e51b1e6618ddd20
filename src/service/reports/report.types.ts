/** What every report query takes and returns. */
import type { Period } from './report-period.js';

export interface ReportInput {
  readonly period: Period;
  /** "Now" for snapshot figures (open backlog, breach of still-open tickets). */
  readonly now: Date;
  readonly customerId?: string | undefined;
  readonly modelId?: string | undefined;
}

export interface ReportResult {
  /** One flat record per group; the CSV has one line per row. */
  readonly rows: Record<string, unknown>[];
  /** The same figures over all rows (JSON only), or null when the report has no total. */
  readonly summary: Record<string, unknown> | null;
}
