/**
 * The period and filters every report takes: `from`/`to` (ISO date or date-time, `to` exclusive;
 * a date-only `to` includes that whole day), default the last 90 days up to now, plus optional
 * customer and equipment-model filters and the output format.
 */
import { z } from 'zod';
import { invalidField } from '../../kernel/errors.js';

/** Default length of a report period, in days, when `from` is absent. */
export const DEFAULT_PERIOD_DAYS = 90;
/** Longest period a report may cover, in days. */
export const MAX_PERIOD_DAYS = 3660;
const DAY_MS = 86_400_000;

const instantOrDate = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

export const REPORT_FORMATS = ['json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Query parameters shared by the reports. */
export const periodShape = {
  from: instantOrDate.optional().describe(`Start of the period, inclusive (default: ${DEFAULT_PERIOD_DAYS} days before \`to\`)`),
  to: instantOrDate.optional().describe('End of the period, exclusive; a date alone includes that whole day (UTC). Default: now'),
  format: z.enum(REPORT_FORMATS).optional().describe('json (default) or csv; `Accept: text/csv` also selects CSV'),
};
export const customerFilterShape = { customerId: z.uuid().optional().describe('Only this customer') };
export const modelFilterShape = { modelId: z.string().min(1).max(200).optional().describe('Only assets of this equipment model') };

export interface Period {
  readonly from: Date;
  readonly to: Date;
}

const isDateOnly = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v);

/** The period of a query at `now`; VALIDATION_FAILED when from ≥ to or the span is too long. */
export function resolvePeriod(query: { from?: string | undefined; to?: string | undefined }, now: Date): Period {
  const to = query.to === undefined ? now : isDateOnly(query.to) ? new Date(Date.parse(`${query.to}T00:00:00Z`) + DAY_MS) : new Date(query.to);
  const from =
    query.from === undefined
      ? new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS)
      : new Date(isDateOnly(query.from) ? `${query.from}T00:00:00Z` : query.from);
  if (from.getTime() >= to.getTime()) throw invalidField('query.from', 'must be before to');
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) throw invalidField('query.from', `the period may span at most ${MAX_PERIOD_DAYS} days`);
  return { from, to };
}

/** The period of a scheduled run: the `lookbackDays` days before its occurrence. */
export function lookbackPeriod(at: Date, lookbackDays: number): Period {
  return { from: new Date(at.getTime() - lookbackDays * DAY_MS), to: at };
}
