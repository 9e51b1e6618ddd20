/**
 * Service KPIs over tickets and visits, each one set-based query (GROUPING SETS give the rows and
 * the overall total in the same pass). The formulas are stated in reports.catalog.ts.
 */
import type { Queryable } from '../../kernel/db/database.js';
import { OPEN_STATUSES } from '../tickets/ticket-workflow.js';
import { hoursOf, percentOf, secondsBetween, SqlParams } from './report-sql.js';
import type { ReportInput, ReportResult } from './report.types.js';
import type { OptionalTable } from './table-probe.js';

/** Ticket types whose resolution is a repair (MTTR). */
export const REPAIR_TYPES = ['breakdown', 'predictive'] as const;
/** Ticket types that count as a failure of the asset (MTBF): unplanned breakdowns only. */
export const FAILURE_TYPES = ['breakdown'] as const;

type Row = Record<string, unknown> & { total: boolean };

/** Splits GROUPING SETS output: the grand-total row (flag `total`) becomes the summary. */
export function splitTotal(rows: Row[]): ReportResult {
  const summary = rows.find((r) => r.total);
  const strip = ({ total: _, ...rest }: Row) => rest;
  return { rows: rows.filter((r) => !r.total).map(strip), summary: summary ? strip(summary) : null };
}

/** Ticket filters on `t` (tickets) and `a` (assets LEFT JOINed). */
function ticketFilters(p: SqlParams, input: ReportInput): string {
  let sql = '';
  if (input.customerId) sql += ` AND t.customer_id = ${p.add(input.customerId)}`;
  if (input.modelId) sql += ` AND a.model_id = ${p.add(input.modelId)}`;
  return sql;
}

export async function mttr(q: Queryable, input: ReportInput): Promise<ReportResult> {
  const p = new SqlParams();
  const from = p.add(input.period.from);
  const to = p.add(input.period.to);
  const repair = secondsBetween('t.created_at', 't.resolved_at');
  const { rows } = await q.query<Row>(
    `SELECT GROUPING(a.model_id) = 1 AS total, a.model_id AS "modelId", max(em.name) AS "modelName",
       count(*)::int AS "ticketsResolved",
       ${hoursOf(`avg(${repair})`)} AS "mttrHours",
       ${hoursOf(`percentile_cont(0.5) WITHIN GROUP (ORDER BY ${repair})`)} AS "medianHours",
       ${hoursOf(`min(${repair})`)} AS "minHours",
       ${hoursOf(`max(${repair})`)} AS "maxHours"
     FROM tickets t
     LEFT JOIN assets a ON a.id = t.asset_id
     LEFT JOIN equipment_models em ON em.id = a.model_id
     WHERE t.status IN ('resolved', 'closed') AND t.resolved_at >= ${from} AND t.resolved_at < ${to}
       AND t.type = ANY(${p.add(REPAIR_TYPES)}::text[])${ticketFilters(p, input)}
     GROUP BY GROUPING SETS ((a.model_id), ())
     ORDER BY total, a.model_id NULLS LAST`,
    p.values,
  );
  return splitTotal(rows);
}

export async function mtbf(q: Queryable, input: ReportInput): Promise<ReportResult> {
  const p = new SqlParams();
  const from = p.add(input.period.from);
  const to = p.add(input.period.to);
  let fleetFilter = '';
  if (input.customerId) fleetFilter += ` AND s.customer_id = ${p.add(input.customerId)}`;
  if (input.modelId) fleetFilter += ` AND a.model_id = ${p.add(input.modelId)}`;
  const { rows } = await q.query<Row>(
    `WITH fleet AS (
       SELECT a.id, a.model_id,
         GREATEST(${from}::timestamptz, COALESCE(a.install_date::timestamp AT TIME ZONE 'UTC', a.created_at)) AS op_start
       FROM assets a JOIN sites s ON s.id = a.site_id
       WHERE true${fleetFilter}
     ), exposure AS (
       SELECT id, model_id, ${secondsBetween('op_start', `${to}::timestamptz`)} AS seconds FROM fleet WHERE op_start < ${to}::timestamptz
     ), failures AS (
       SELECT t.asset_id, count(*) AS n FROM tickets t
       WHERE t.asset_id IS NOT NULL AND t.status <> 'cancelled' AND t.type = ANY(${p.add(FAILURE_TYPES)}::text[])
         AND t.created_at >= ${from} AND t.created_at < ${to}
       GROUP BY t.asset_id
     )
     SELECT GROUPING(e.model_id) = 1 AS total, e.model_id AS "modelId", max(em.name) AS "modelName",
       count(*)::int AS assets,
       ${hoursOf('sum(e.seconds)')} AS "operatingHours",
       COALESCE(sum(f.n), 0)::int AS failures,
       ${hoursOf('sum(e.seconds) / NULLIF(sum(f.n), 0)')} AS "mtbfHours"
     FROM exposure e
     LEFT JOIN failures f ON f.asset_id = e.id
     LEFT JOIN equipment_models em ON em.id = e.model_id
     GROUP BY GROUPING SETS ((e.model_id), ())
     ORDER BY total, e.model_id`,
    p.values,
  );
  return splitTotal(rows);
}

/**
 * First-time fix per ticket: exactly one non-cancelled visit and it fixed the fault — unless a
 * visit closure overrode the computed flag (visit_closures.first_time_fix ≠ first_time_fix_computed,
 * with a reason): then the override decides.
 */
export async function firstTimeFix(q: Queryable, input: ReportInput, tables: ReadonlySet<OptionalTable>): Promise<ReportResult> {
  const p = new SqlParams();
  const from = p.add(input.period.from);
  const to = p.add(input.period.to);
  const withClosures = tables.has('visit_closures');
  const closures = withClosures ? 'LEFT JOIN visit_closures vc ON vc.visit_id = v.id' : '';
  const overridden = withClosures ? 'COALESCE(bool_or(vc.first_time_fix <> vc.first_time_fix_computed), false)' : 'false';
  const override = withClosures ? 'bool_or(vc.first_time_fix)' : 'false';
  const { rows } = await q.query<Row>(
    `WITH resolved AS (
       SELECT t.id, a.model_id FROM tickets t LEFT JOIN assets a ON a.id = t.asset_id
       WHERE t.status IN ('resolved', 'closed') AND t.resolved_at >= ${from} AND t.resolved_at < ${to}${ticketFilters(p, input)}
     ), worked AS (
       SELECT v.ticket_id, count(*) AS visits,
         CASE WHEN ${overridden} THEN ${override} ELSE count(*) = 1 AND COALESCE(bool_and(v.outcome = 'fixed'), false) END AS ftf
       FROM visits v JOIN resolved r ON r.id = v.ticket_id ${closures}
       WHERE v.status <> 'cancelled'
       GROUP BY v.ticket_id
     )
     SELECT GROUPING(r.model_id) = 1 AS total, r.model_id AS "modelId",
       count(*)::int AS "ticketsWithVisits",
       count(*) FILTER (WHERE w.ftf)::int AS "firstTimeFixed",
       ${percentOf('count(*) FILTER (WHERE w.ftf)', 'count(*)')} AS "firstTimeFixPct",
       round((sum(w.visits)::numeric / count(*)), 2)::float8 AS "visitsPerTicket"
     FROM resolved r JOIN worked w ON w.ticket_id = r.id
     GROUP BY GROUPING SETS ((r.model_id), ())
     ORDER BY total, r.model_id NULLS LAST`,
    p.values,
  );
  return splitTotal(rows);
}

export const SLA_GROUPINGS = ['priority', 'customer', 'customer_priority'] as const;
export type SlaGrouping = (typeof SLA_GROUPINGS)[number];

export async function slaCompliance(q: Queryable, input: ReportInput & { groupBy: SlaGrouping }): Promise<ReportResult> {
  const p = new SqlParams();
  const from = p.add(input.period.from);
  const to = p.add(input.period.to);
  const now = p.add(input.now);
  const keys = { priority: ['m.priority'], customer: ['m.customer_id'], customer_priority: ['m.customer_id', 'm.priority'] }[input.groupBy];
  const { rows } = await q.query<Row>(
    `WITH m AS (
       SELECT t.priority, t.customer_id,
         CASE WHEN COALESCE(t.responded_at, ${now}::timestamptz) > t.response_due_at THEN 'breached'
              WHEN t.responded_at IS NOT NULL THEN 'met' ELSE 'pending' END AS response,
         CASE WHEN COALESCE(t.resolved_at, t.sla_paused_at, ${now}::timestamptz) > t.resolution_due_at THEN 'breached'
              WHEN t.resolved_at IS NOT NULL THEN 'met' ELSE 'pending' END AS resolution
       FROM tickets t LEFT JOIN assets a ON a.id = t.asset_id
       WHERE t.status <> 'cancelled' AND t.created_at >= ${from} AND t.created_at < ${to}${ticketFilters(p, input)}
     )
     SELECT GROUPING(${keys.join(', ')}) <> 0 AS total,
       ${keys.includes('m.customer_id') ? 'm.customer_id AS "customerId", max(c.name) AS "customerName",' : ''}
       ${keys.includes('m.priority') ? 'm.priority AS priority,' : ''}
       count(*)::int AS tickets,
       count(*) FILTER (WHERE response = 'met')::int AS "responseMet",
       count(*) FILTER (WHERE response = 'breached')::int AS "responseBreached",
       count(*) FILTER (WHERE response = 'pending')::int AS "responsePending",
       ${percentOf(`count(*) FILTER (WHERE response = 'met')`, `count(*) FILTER (WHERE response <> 'pending')`)} AS "responseCompliancePct",
       count(*) FILTER (WHERE resolution = 'met')::int AS "resolutionMet",
       count(*) FILTER (WHERE resolution = 'breached')::int AS "resolutionBreached",
       count(*) FILTER (WHERE resolution = 'pending')::int AS "resolutionPending",
       ${percentOf(`count(*) FILTER (WHERE resolution = 'met')`, `count(*) FILTER (WHERE resolution <> 'pending')`)} AS "resolutionCompliancePct"
     FROM m LEFT JOIN customers c ON c.id = m.customer_id
     GROUP BY GROUPING SETS ((${keys.join(', ')}), ())
     ORDER BY total${keys.includes('m.customer_id') ? ', max(c.name), m.customer_id' : ''}${keys.includes('m.priority') ? `, array_position(ARRAY['critical','high','medium','low'], m.priority)` : ''}`,
    p.values,
  );
  return splitTotal(rows);
}

/** Age buckets of the backlog, in days: [0,1), [1,3), [3,7), [7,30), [30,∞). */
export const BACKLOG_BUCKETS = [
  { key: 'age0To1d', min: 0, max: 1 },
  { key: 'age1To3d', min: 1, max: 3 },
  { key: 'age3To7d', min: 3, max: 7 },
  { key: 'age7To30d', min: 7, max: 30 },
  { key: 'ageOver30d', min: 30, max: null },
] as const;

export async function backlogAgeing(q: Queryable, input: ReportInput): Promise<ReportResult> {
  const p = new SqlParams();
  const now = p.add(input.now);
  const age = `(${now}::timestamptz - t.created_at)`;
  const buckets = BACKLOG_BUCKETS.map(
    (b) => `count(*) FILTER (WHERE ${age} >= interval '${b.min} days'${b.max === null ? '' : ` AND ${age} < interval '${b.max} days'`})::int AS "${b.key}"`,
  );
  const { rows } = await q.query<Row>(
    `SELECT GROUPING(t.priority, t.status) <> 0 AS total, t.priority, t.status,
       ${buckets.join(',\n       ')},
       count(*)::int AS "openTickets",
       round((avg(EXTRACT(EPOCH FROM ${age})) / 86400.0)::numeric, 2)::float8 AS "meanAgeDays",
       round((max(EXTRACT(EPOCH FROM ${age})) / 86400.0)::numeric, 2)::float8 AS "oldestAgeDays"
     FROM tickets t LEFT JOIN assets a ON a.id = t.asset_id
     WHERE t.status = ANY(${p.add(OPEN_STATUSES)}::text[]) AND t.created_at <= ${now}::timestamptz${ticketFilters(p, input)}
     GROUP BY GROUPING SETS ((t.priority, t.status), ())
     ORDER BY total, array_position(ARRAY['critical','high','medium','low'], t.priority),
       array_position(${p.add(OPEN_STATUSES)}::text[], t.status)`,
    p.values,
  );
  return splitTotal(rows);
}
