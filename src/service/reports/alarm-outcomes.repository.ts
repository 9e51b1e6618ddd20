/**
 * Alarm outcome analytics: per detection rule (with its model and fault code), what became of the
 * alarms first seen in the period. One query; definitions in reports.catalog.ts.
 */
import type { Queryable } from '../../kernel/db/database.js';
import { hoursOf, percentOf, secondsBetween, SqlParams } from './report-sql.js';
import type { ReportInput, ReportResult } from './report.types.js';
import { splitTotal } from './service-kpis.repository.js';

/**
 * The resolution reason that marks "no fault found": a ticket whose latest transition to
 * `resolved` carries a reason starting with this text (case-insensitive) was a false alarm.
 */
export const NO_FAULT_FOUND_REASON = 'no_fault_found';
/** Statuses after which a technician counts as dispatched (as the auto-ticket clearing rule). */
export const DISPATCHED_STATUSES = ['scheduled', 'en_route', 'in_progress'] as const;

type Row = Record<string, unknown> & { total: boolean };

export async function alarmOutcomes(q: Queryable, input: ReportInput): Promise<ReportResult> {
  const p = new SqlParams();
  const from = p.add(input.period.from);
  const to = p.add(input.period.to);
  let filters = '';
  if (input.customerId) filters += ` AND s.customer_id = ${p.add(input.customerId)}`;
  if (input.modelId) filters += ` AND al.model_id = ${p.add(input.modelId)}`;
  const nff = p.add(`${NO_FAULT_FOUND_REASON}%`);
  const dispatched = p.add(DISPATCHED_STATUSES);
  const toFix = secondsBetween('al.first_seen_at', 'tk.resolved_at');
  const fixed = `tk.resolved_at IS NOT NULL AND NOT tk.false_alarm`;
  const { rows } = await q.query<Row>(
    `WITH al AS (
       SELECT al.id, al.rule_id, al.model_id, al.fault_code, al.first_seen_at, al.cleared_at, al.ticket_id
       FROM alarms al JOIN assets a ON a.id = al.asset_id JOIN sites s ON s.id = a.site_id
       WHERE al.first_seen_at >= ${from} AND al.first_seen_at < ${to}${filters}
     ), tk AS (
       SELECT t.id, t.resolved_at,
         (t.status = 'cancelled' OR (t.status IN ('resolved', 'closed') AND (
            COALESCE((SELECT h.reason FROM ticket_status_history h WHERE h.ticket_id = t.id AND h.to_status = 'resolved' ORDER BY h.at DESC, h.id DESC LIMIT 1) ILIKE ${nff}, false)
            OR (EXISTS (SELECT 1 FROM visits v WHERE v.ticket_id = t.id AND v.status <> 'cancelled' AND v.outcome IS NOT NULL)
                AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.ticket_id = t.id AND v.status <> 'cancelled' AND v.outcome = 'fixed')
                AND NOT EXISTS (SELECT 1 FROM visit_parts vp JOIN visits v ON v.id = vp.visit_id WHERE v.ticket_id = t.id))
         ))) AS false_alarm,
         (SELECT min(h.at) FROM ticket_status_history h WHERE h.ticket_id = t.id AND h.to_status = ANY(${dispatched}::text[])) AS dispatched_at
       FROM tickets t WHERE t.id IN (SELECT ticket_id FROM al WHERE ticket_id IS NOT NULL)
     )
     SELECT GROUPING(al.rule_id, al.model_id, al.fault_code) <> 0 AS total,
       al.rule_id AS "ruleId", al.model_id AS "modelId", al.fault_code AS "faultCode",
       count(*)::int AS alarms,
       count(tk.id)::int AS ticketed,
       count(*) FILTER (WHERE tk.false_alarm)::int AS "falseAlarms",
       count(*) FILTER (WHERE al.cleared_at IS NOT NULL AND (tk.dispatched_at IS NULL OR al.cleared_at < tk.dispatched_at))::int AS "clearedBeforeDispatch",
       count(*) FILTER (WHERE ${fixed})::int AS fixed,
       ${percentOf('count(tk.id)', 'count(*)')} AS "ticketedPct",
       ${percentOf('count(*) FILTER (WHERE tk.false_alarm)', 'count(tk.id)')} AS "falseAlarmPct",
       ${hoursOf(`percentile_cont(0.5) WITHIN GROUP (ORDER BY ${toFix}) FILTER (WHERE ${fixed})`)} AS "medianAlarmToFixHours",
       ${hoursOf(`avg(${toFix}) FILTER (WHERE ${fixed})`)} AS "meanAlarmToFixHours"
     FROM al LEFT JOIN tk ON tk.id = al.ticket_id
     GROUP BY GROUPING SETS ((al.rule_id, al.model_id, al.fault_code), ())
     ORDER BY total, al.model_id, al.rule_id, al.fault_code NULLS LAST`,
    p.values,
  );
  const result = splitTotal(rows);
  if (result.summary) Object.assign(result.summary, { ruleId: null, modelId: null, faultCode: null });
  return result;
}
