/**
 * The reports: name (the path under /api/v1/reports/), who may read it, its query parameters,
 * its row and — stated once here, shown in the OpenAPI description and in every JSON answer —
 * the formula it computes.
 */
import { z } from 'zod';
import type { Queryable } from '../../kernel/db/database.js';
import type { Role } from '../../kernel/caller.js';
import { alarmOutcomes, DISPATCHED_STATUSES, NO_FAULT_FOUND_REASON } from './alarm-outcomes.repository.js';
import { DEFAULT_WORKING_MINUTES_PER_DAY, partsConsumption, technicianUtilisation } from './operations.repository.js';
import { DEFAULT_HOURLY_COST, OPEN_ENDED_TERM_DAYS, profitability, PROFITABILITY_GROUPINGS, type ProfitabilityGrouping } from './profitability.repository.js';
import { customerFilterShape, DEFAULT_PERIOD_DAYS, modelFilterShape, periodShape } from './report-period.js';
import type { ReportInput, ReportResult } from './report.types.js';
import { alarmOutcomeRow, backlogRow, firstTimeFixRow, mtbfRow, mttrRow, partsRow, profitabilityRow, slaRow, utilisationRow } from './reports.schemas.js';
import {
  backlogAgeing,
  FAILURE_TYPES,
  firstTimeFix,
  mtbf,
  mttr,
  REPAIR_TYPES,
  slaCompliance,
  SLA_GROUPINGS,
  type SlaGrouping,
} from './service-kpis.repository.js';
import type { OptionalTable } from './table-probe.js';

export const REPORT_NAMES = [
  'mttr',
  'mtbf',
  'first-time-fix',
  'sla-compliance',
  'technician-utilisation',
  'parts-consumption',
  'profitability',
  'backlog-ageing',
  'alarm-outcomes',
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** Options of the report runner (documented defaults in the repositories). */
export interface ReportRunOptions {
  /** Hourly cost of labour for technicians without a profile hourly cost. Default 40. */
  readonly defaultHourlyCost?: number | undefined;
}

export interface ReportDefinition {
  readonly name: ReportName;
  readonly title: string;
  readonly formula: string;
  readonly roles: readonly Role[];
  /** Snapshot at "now": no period. */
  readonly snapshot?: boolean;
  /** Query parameters (period, filters, report-specific ones). */
  readonly query: z.ZodObject;
  readonly row: z.ZodObject;
  /** The CSV columns for this query, when they depend on it (default: every key of the row). */
  readonly columns?: (query: Record<string, unknown>) => string[];
  run(q: Queryable, input: ReportInput & Record<string, unknown>, tables: ReadonlySet<OptionalTable>, options: ReportRunOptions): Promise<ReportResult>;
}

const STAFF: readonly Role[] = ['admin', 'dispatcher'];
const PERIOD = `Period: [from, to), default the last ${DEFAULT_PERIOD_DAYS} days.`;
const filtered = z.object({ ...periodShape, ...customerFilterShape, ...modelFilterShape });

export const REPORTS: readonly ReportDefinition[] = [
  {
    name: 'mttr',
    title: 'Mean time to repair per equipment model',
    formula: `MTTR = mean(resolved_at − created_at) over tickets of type ${REPAIR_TYPES.join('/')} now resolved or closed whose resolved_at is in the period; also the median, min and max, in hours, per model of the ticket's asset. ${PERIOD}`,
    roles: STAFF,
    query: filtered,
    row: mttrRow,
    run: (q, input) => mttr(q, input),
  },
  {
    name: 'mtbf',
    title: 'Mean time between failures per equipment model',
    formula: `MTBF = operating hours / failures per model. Operating hours = Σ over the model's assets of the time in the period after the asset's install_date (else its creation). Failures = tickets of type ${FAILURE_TYPES.join('/')} (corrective, unplanned; not maintenance/predictive/inspection), not cancelled, created in the period on those assets. null when there was no failure. ${PERIOD}`,
    roles: STAFF,
    query: filtered,
    row: mtbfRow,
    run: (q, input) => mtbf(q, input),
  },
  {
    name: 'first-time-fix',
    title: 'First-time-fix rate',
    formula: `First-time-fix % = tickets resolved in the period with exactly one (non-cancelled) visit whose outcome is fixed / tickets resolved in the period with at least one (non-cancelled) visit × 100, per model. Where a visit closure overrode the computed first-time-fix flag (with a reason), the override decides. ${PERIOD}`,
    roles: STAFF,
    query: filtered,
    row: firstTimeFixRow,
    run: (q, input, tables) => firstTimeFix(q, input, tables),
  },
  {
    name: 'sla-compliance',
    title: 'SLA compliance per priority and per customer',
    formula: `Over tickets created in the period, not cancelled. Response breached when (responded_at, or now if none) > response_due_at; met when responded and not breached; else pending. Resolution breached when (resolved_at, else the start of a customer-hold pause, else now) > resolution_due_at (the due time already includes paused business minutes); met when resolved and not breached; else pending — the same breach rules as the tickets API. Compliance % = met / (met + breached) × 100 (pending tickets are not judged yet). groupBy: priority (default), customer, customer_priority. ${PERIOD}`,
    roles: STAFF,
    query: filtered.extend({ groupBy: z.enum(SLA_GROUPINGS).default('priority').describe('Rows per priority (default), customer, or both') }),
    row: slaRow,
    columns: (query) => {
      const groupBy = query.groupBy ?? 'priority';
      const drop = groupBy === 'priority' ? ['customerId', 'customerName'] : groupBy === 'customer' ? ['priority'] : [];
      return Object.keys(slaRow.shape).filter((k) => !drop.includes(k));
    },
    run: (q, input) => slaCompliance(q, { ...input, groupBy: (input.groupBy as SlaGrouping | undefined) ?? 'priority' }),
  },
  {
    name: 'technician-utilisation',
    title: 'Technician utilisation',
    formula: `Per technician: available minutes = working hours in the period from the technician profile (weekday intervals in the profile's timezone, minus absences), or ${DEFAULT_WORKING_MINUTES_PER_DAY} min per Monday–Friday (UTC) without a profile. Planned minutes = planned visit time (non-cancelled visits) inside the period; actual visit minutes = actual_start..actual_end inside the period; labour minutes = visit_labour recorded in the period on the technician's visits. Each utilisation % = minutes / available minutes × 100. ${PERIOD}`,
    roles: STAFF,
    query: z.object({ ...periodShape, technicianId: z.uuid().optional().describe('Only this technician') }),
    row: utilisationRow,
    run: (q, input, tables) => technicianUtilisation(q, input, tables),
  },
  {
    name: 'parts-consumption',
    title: 'Parts consumption per part and model',
    formula: `Quantity used per SKU and model of the ticket's asset: per visit and SKU, the larger of the quantity recorded on the visit (visit_parts) and the stock consumption booked for it (−Σ stock_movements.quantity of kind consumption, when stock is installed; a consumption without a visit counts for its ticket), counted in the period of its first record. Cost = quantity × parts.unit_cost (null when the SKU is not a stock part). ${PERIOD}`,
    roles: STAFF,
    query: filtered,
    row: partsRow,
    run: (q, input, tables) => partsConsumption(q, input, tables),
  },
  {
    name: 'profitability',
    title: 'Profitability per contract or per customer (financial)',
    formula: `Revenue = totals of issued or paid invoices issued in the period + each contract's value pro-rated over the days of its term inside the period (term starts_on..ends_on; an open-ended contract's value counts as ${OPEN_ENDED_TERM_DAYS} days; draft contracts excluded). Cost = Σ invoice_lines.cost of those invoices + work on tickets without a (non-void) invoice, in the period: labour minutes / 60 × the technician's hourly_cost (default ${DEFAULT_HOURLY_COST}) + parts quantity × unit_cost. Margin = revenue − cost; margin % = margin / revenue × 100. groupBy: contract (default; work outside a contract is one row per customer with contractId null) or customer. Amounts are summed as stored (one currency assumed). ${PERIOD}`,
    roles: ['admin'],
    query: z.object({
      ...periodShape,
      ...customerFilterShape,
      groupBy: z.enum(PROFITABILITY_GROUPINGS).default('contract').describe('contract (default) or customer'),
    }),
    row: profitabilityRow,
    columns: (query) => Object.keys(profitabilityRow.shape).filter((k) => query.groupBy !== 'customer' || (k !== 'contractId' && k !== 'contractNumber')),
    run: (q, input, tables, options) =>
      profitability(
        q,
        { ...input, groupBy: (input.groupBy as ProfitabilityGrouping | undefined) ?? 'contract', defaultHourlyCost: options.defaultHourlyCost },
        tables,
      ),
  },
  {
    name: 'backlog-ageing',
    title: 'Backlog ageing',
    formula: `Snapshot now: open tickets (new, assigned, scheduled, en_route, in_progress, on_hold) per priority × status, counted in age buckets (now − created_at) of [0,1), [1,3), [3,7), [7,30) and ≥ 30 days, with the mean and oldest age in days. from/to are ignored.`,
    roles: STAFF,
    snapshot: true,
    query: z.object({ format: periodShape.format, ...customerFilterShape, ...modelFilterShape }),
    row: backlogRow,
    run: (q, input) => backlogAgeing(q, input),
  },
  {
    name: 'alarm-outcomes',
    title: 'Alarm outcomes per detection rule',
    formula: `Per detection rule (rule id, model, fault code), over alarms first seen in the period: alarms; ticketed = alarms linked to a ticket; false alarms = ticketed alarms whose ticket was cancelled, or resolved with no fault found — the latest transition to resolved has a reason starting with "${NO_FAULT_FOUND_REASON}", or its visits have outcomes but none is fixed and no part was used; cleared before dispatch = alarms cleared before their ticket first reached ${DISPATCHED_STATUSES.join('/')} (or without a ticket); fixed = ticketed, resolved, not false; alarm-to-fix = ticket resolved_at − alarm first_seen_at over fixed alarms (median and mean, hours). ticketed % = ticketed / alarms; false % = false / ticketed. ${PERIOD}`,
    roles: STAFF,
    query: filtered,
    row: alarmOutcomeRow,
    run: (q, input) => alarmOutcomes(q, input),
  },
];

export function reportNamed(name: string): ReportDefinition | undefined {
  return REPORTS.find((r) => r.name === name);
}

/** Column order of a report's CSV: the keys of its row schema (for this query). */
export function columnsOf(def: ReportDefinition, query: Record<string, unknown> = {}): string[] {
  return def.columns ? def.columns(query) : Object.keys(def.row.shape);
}
