/**
 * Technician utilisation and parts consumption. Both read optional tables of other features
 * (technician_profiles/technician_absences, parts/stock_movements) when they exist and fall back to
 * the core tables otherwise; the formulas are stated in reports.catalog.ts.
 */
import type { Queryable } from '../../kernel/db/database.js';
import { percentOf, rounded, secondsBetween, SqlParams } from './report-sql.js';
import type { ReportInput, ReportResult } from './report.types.js';
import { splitTotal } from './service-kpis.repository.js';
import type { OptionalTable } from './table-probe.js';

/** Working minutes per weekday (Mon–Fri) for a technician without working hours on file. */
export const DEFAULT_WORKING_MINUTES_PER_DAY = 480;

type Row = Record<string, unknown> & { total: boolean };
const overlapMinutes = (start: string, end: string, from: string, to: string) =>
  `GREATEST(0, ${secondsBetween(`GREATEST(${start}, ${from})`, `LEAST(${end}, ${to})`)} / 60.0)`;

/**
 * Available minutes per technician: from technician_profiles.working_hours (weekday → list of
 * ["HH:MM","HH:MM"] or {start,end} in the profile's timezone) minus absences, when the profile has
 * them; else DEFAULT_WORKING_MINUTES_PER_DAY for every Monday–Friday whose UTC midnight is in the period.
 */
function availableSql(tables: ReadonlySet<OptionalTable>, from: string, to: string): string {
  const fallback = `SELECT tech.id AS technician_id, 'default' AS source,
      (SELECT count(*) FROM generate_series(date_trunc('day', ${from}::timestamptz AT TIME ZONE 'UTC'), ${to}::timestamptz AT TIME ZONE 'UTC', interval '1 day') d(day)
        WHERE EXTRACT(ISODOW FROM d.day) <= 5 AND (d.day AT TIME ZONE 'UTC') >= ${from}::timestamptz AND (d.day AT TIME ZONE 'UTC') < ${to}::timestamptz
      ) * ${DEFAULT_WORKING_MINUTES_PER_DAY}.0 AS minutes
    FROM tech`;
  if (!tables.has('technician_profiles')) return fallback;
  const absences = tables.has('technician_absences')
    ? `- COALESCE((SELECT sum(${overlapMinutes('ab.starts_at', 'ab.ends_at', 's.s', 's.e')}) FROM technician_absences ab
         WHERE ab.technician_id = s.technician_id AND ab.cancelled_at IS NULL AND ab.starts_at < s.e AND ab.ends_at > s.s), 0)`
    : '';
  return `SELECT x.technician_id, 'profile' AS source, COALESCE(sum(x.minutes), 0) AS minutes FROM (
      SELECT s.technician_id, GREATEST(0, ${secondsBetween('s.s', 's.e')} / 60.0 ${absences}) AS minutes
      FROM (
        SELECT p.user_id AS technician_id,
          GREATEST(((d.day + COALESCE(iv->>0, iv->>'start')::time) AT TIME ZONE z.tz), ${from}::timestamptz) AS s,
          LEAST(((d.day + COALESCE(iv->>1, iv->>'end')::time) AT TIME ZONE z.tz), ${to}::timestamptz) AS e
        FROM technician_profiles p
        JOIN tech ON tech.id = p.user_id
        CROSS JOIN LATERAL (SELECT COALESCE(NULLIF(p.timezone, ''), 'UTC') AS tz) z
        CROSS JOIN LATERAL generate_series((${from}::timestamptz AT TIME ZONE z.tz)::date::timestamp, (${to}::timestamptz AT TIME ZONE z.tz)::date::timestamp, interval '1 day') d(day)
        CROSS JOIN LATERAL jsonb_array_elements(COALESCE(p.working_hours -> (ARRAY['mon','tue','wed','thu','fri','sat','sun'])[EXTRACT(ISODOW FROM d.day)::int], '[]'::jsonb)) iv
        WHERE jsonb_typeof(p.working_hours) = 'object'
      ) s WHERE s.e > s.s
    ) x GROUP BY x.technician_id
    UNION ALL
    SELECT f.technician_id, f.source, f.minutes FROM (${fallback}) f
    WHERE NOT EXISTS (SELECT 1 FROM technician_profiles p WHERE p.user_id = f.technician_id AND jsonb_typeof(p.working_hours) = 'object')`;
}

export async function technicianUtilisation(
  q: Queryable,
  input: ReportInput & { technicianId?: string | undefined },
  tables: ReadonlySet<OptionalTable>,
): Promise<ReportResult> {
  const p = new SqlParams();
  const from = p.add(input.period.from);
  const to = p.add(input.period.to);
  const only = input.technicianId ? ` AND u.id = ${p.add(input.technicianId)}` : '';
  const { rows } = await q.query<Row>(
    `WITH tech AS (
       SELECT u.id, u.name FROM users u
       WHERE u.role = 'technician'${only} AND (u.active OR EXISTS (
         SELECT 1 FROM visits v WHERE v.technician_id = u.id AND v.planned_start < ${to}::timestamptz AND v.planned_end > ${from}::timestamptz))
     ), planned AS (
       SELECT v.technician_id, sum(${overlapMinutes('v.planned_start', 'v.planned_end', `${from}::timestamptz`, `${to}::timestamptz`)}) AS minutes
       FROM visits v WHERE v.status <> 'cancelled' AND v.planned_start < ${to}::timestamptz AND v.planned_end > ${from}::timestamptz
       GROUP BY v.technician_id
     ), actual AS (
       SELECT v.technician_id, sum(${overlapMinutes('v.actual_start', 'v.actual_end', `${from}::timestamptz`, `${to}::timestamptz`)}) AS minutes
       FROM visits v WHERE v.actual_end IS NOT NULL AND v.actual_start < ${to}::timestamptz AND v.actual_end > ${from}::timestamptz
       GROUP BY v.technician_id
     ), labour AS (
       SELECT v.technician_id, sum(l.minutes) AS minutes
       FROM visit_labour l JOIN visits v ON v.id = l.visit_id
       WHERE l.recorded_at >= ${from}::timestamptz AND l.recorded_at < ${to}::timestamptz
       GROUP BY v.technician_id
     ), available AS (${availableSql(tables, from, to)})
     SELECT GROUPING(tech.id) = 1 AS total, tech.id AS "technicianId", max(tech.name) AS "technicianName",
       max(av.source) AS "hoursSource",
       ${rounded('COALESCE(sum(av.minutes), 0)', 1)} AS "availableMinutes",
       ${rounded('COALESCE(sum(pl.minutes), 0)', 1)} AS "plannedMinutes",
       ${rounded('COALESCE(sum(ac.minutes), 0)', 1)} AS "actualVisitMinutes",
       COALESCE(sum(lb.minutes), 0)::int AS "labourMinutes",
       ${percentOf('COALESCE(sum(pl.minutes), 0)', 'sum(av.minutes)')} AS "plannedUtilisationPct",
       ${percentOf('COALESCE(sum(ac.minutes), 0)', 'sum(av.minutes)')} AS "actualUtilisationPct",
       ${percentOf('COALESCE(sum(lb.minutes), 0)', 'sum(av.minutes)')} AS "labourUtilisationPct"
     FROM tech
     LEFT JOIN available av ON av.technician_id = tech.id
     LEFT JOIN planned pl ON pl.technician_id = tech.id
     LEFT JOIN actual ac ON ac.technician_id = tech.id
     LEFT JOIN labour lb ON lb.technician_id = tech.id
     GROUP BY GROUPING SETS ((tech.id), ())
     ORDER BY total, max(tech.name), tech.id`,
    p.values,
  );
  const result = splitTotal(rows);
  if (result.summary) result.summary.hoursSource = null;
  return result;
}

/**
 * Parts used per (visit, SKU): visit_parts (what the visit recorded) and, when the stock tables
 * exist, the consumption movements of the ledger (−Σ quantity of kind 'consumption'; a movement
 * without a visit is keyed by its ticket). Where both exist the larger quantity counts (a shortfall
 * booked later from a backorder is not counted twice); the usage falls in the period of its first
 * record (the visit part, else the movement). Without the stock tables: visit_parts only.
 */
function usedSql(tables: ReadonlySet<OptionalTable>, from: string, to: string): string {
  const recorded = `SELECT vp.visit_id, v.ticket_id, vp.sku, sum(vp.quantity) AS quantity, min(vp.recorded_at) AS at, max(vp.description) AS description
    FROM visit_parts vp JOIN visits v ON v.id = vp.visit_id
    WHERE vp.recorded_at < ${to}::timestamptz
    GROUP BY vp.visit_id, v.ticket_id, vp.sku`;
  if (!tables.has('stock_movements') || !tables.has('parts')) {
    return `SELECT r.ticket_id, r.sku, r.quantity, r.description FROM (${recorded}) r WHERE r.at >= ${from}::timestamptz`;
  }
  return `SELECT COALESCE(vp.ticket_id, sm.ticket_id) AS ticket_id, COALESCE(vp.sku, sm.sku) AS sku,
      GREATEST(COALESCE(vp.quantity, 0), COALESCE(sm.quantity, 0)) AS quantity, vp.description
    FROM (
      SELECT m.visit_id, (array_agg(m.ticket_id))[1] AS ticket_id, pt.sku, -sum(m.quantity) AS quantity, min(m.at) AS at
      FROM stock_movements m JOIN parts pt ON pt.id = m.part_id
      WHERE m.kind = 'consumption' AND m.at < ${to}::timestamptz
      GROUP BY m.visit_id, CASE WHEN m.visit_id IS NULL THEN m.ticket_id END, pt.sku
    ) sm FULL JOIN (${recorded}) vp ON vp.visit_id = sm.visit_id AND vp.sku = sm.sku
    WHERE COALESCE(vp.at, sm.at) >= ${from}::timestamptz`;
}

export async function partsConsumption(q: Queryable, input: ReportInput, tables: ReadonlySet<OptionalTable>): Promise<ReportResult> {
  const p = new SqlParams();
  const from = p.add(input.period.from);
  const to = p.add(input.period.to);
  const withParts = tables.has('parts');
  let filters = '';
  if (input.customerId) filters += ` AND t.customer_id = ${p.add(input.customerId)}`;
  if (input.modelId) filters += ` AND a.model_id = ${p.add(input.modelId)}`;
  const { rows } = await q.query<Row>(
    `WITH used AS (${usedSql(tables, from, to)})
     SELECT GROUPING(u.sku, a.model_id) <> 0 AS total, u.sku, a.model_id AS "modelId",
       ${withParts ? 'max(pt.description)' : 'max(u.description)'} AS description,
       ${rounded('sum(u.quantity)', 3)} AS quantity,
       count(DISTINCT t.id)::int AS tickets,
       ${withParts ? rounded('max(pt.unit_cost)') : 'NULL::float8'} AS "unitCost",
       ${withParts ? rounded('sum(u.quantity * pt.unit_cost)') : 'NULL::float8'} AS cost
     FROM used u
     JOIN tickets t ON t.id = u.ticket_id
     LEFT JOIN assets a ON a.id = t.asset_id
     ${withParts ? 'LEFT JOIN parts pt ON pt.sku = u.sku' : ''}
     WHERE true${filters}
     GROUP BY GROUPING SETS ((u.sku, a.model_id), ())
     ORDER BY total, u.sku, a.model_id NULLS LAST`,
    p.values,
  );
  const result = splitTotal(rows);
  if (result.summary) Object.assign(result.summary, { sku: null, modelId: null, description: null, unitCost: null });
  return result;
}
