/**
 * Profitability per contract or per customer (financial: admin only). Revenue and cost pieces are
 * gathered as rows (customer, contract, amounts) and summed per group in one query; the formula
 * is stated in reports.catalog.ts. Invoicing tables are read when they exist.
 */
import type { Queryable } from '../../kernel/db/database.js';
import { percentOf, rounded, secondsBetween, SqlParams } from './report-sql.js';
import type { ReportInput, ReportResult } from './report.types.js';
import { splitTotal } from './service-kpis.repository.js';
import type { OptionalTable } from './table-probe.js';

/** Hourly cost of a technician without technician_profiles.hourly_cost. */
export const DEFAULT_HOURLY_COST = 40;
/** Length of the term a contract value is for, when the contract has no end date: one year. */
export const OPEN_ENDED_TERM_DAYS = 365;

export const PROFITABILITY_GROUPINGS = ['contract', 'customer'] as const;
export type ProfitabilityGrouping = (typeof PROFITABILITY_GROUPINGS)[number];

type Row = Record<string, unknown> & { total: boolean };

export interface ProfitabilityInput extends ReportInput {
  readonly groupBy: ProfitabilityGrouping;
  readonly defaultHourlyCost?: number | undefined;
}

export async function profitability(q: Queryable, input: ProfitabilityInput, tables: ReadonlySet<OptionalTable>): Promise<ReportResult> {
  const p = new SqlParams();
  const from = `${p.add(input.period.from)}::timestamptz`;
  const to = `${p.add(input.period.to)}::timestamptz`;
  const hourly = `${p.add(input.defaultHourlyCost ?? DEFAULT_HOURLY_COST)}::numeric`;
  const invoiced = tables.has('invoices');
  const pieces: string[] = [];

  if (invoiced) {
    const lineCost = tables.has('invoice_lines') ? `COALESCE((SELECT sum(l.cost) FROM invoice_lines l WHERE l.invoice_id = i.id), 0)` : '0';
    pieces.push(`SELECT i.customer_id, i.contract_id, i.total::numeric AS invoiced_revenue, 0::numeric AS contract_revenue,
        ${lineCost}::numeric AS invoiced_cost, 0::numeric AS work_cost
      FROM invoices i WHERE i.status IN ('issued', 'paid') AND i.issued_at >= ${from} AND i.issued_at < ${to}`);
  }
  // Contract value pro-rated over the part of its term inside the period (draft contracts excluded).
  const termStart = `(c.starts_on::timestamp AT TIME ZONE 'UTC')`;
  const termEnd = `((c.ends_on + 1)::timestamp AT TIME ZONE 'UTC')`;
  pieces.push(`SELECT c.customer_id, c.id AS contract_id, 0::numeric,
      c.value * GREATEST(0, ${secondsBetween(`GREATEST(${termStart}, ${from})`, `LEAST(COALESCE(${termEnd}, 'infinity'::timestamptz), ${to})`)})
        / CASE WHEN c.ends_on IS NULL THEN ${OPEN_ENDED_TERM_DAYS} * 86400.0 ELSE ${secondsBetween(termStart, termEnd)} END,
      0::numeric, 0::numeric
    FROM service_contracts c WHERE c.status <> 'draft' AND c.value IS NOT NULL`);
  // Work not (yet) invoiced: labour at the technician's hourly cost, parts at their unit cost.
  const notInvoiced = invoiced ? `AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.ticket_id = t.id AND i.status <> 'void')` : '';
  const rate = tables.has('technician_profiles')
    ? `COALESCE((SELECT tp.hourly_cost FROM technician_profiles tp WHERE tp.user_id = v.technician_id), ${hourly})`
    : hourly;
  pieces.push(`SELECT t.customer_id, t.contract_id, 0::numeric, 0::numeric, 0::numeric, l.minutes / 60.0 * ${rate}
    FROM visit_labour l JOIN visits v ON v.id = l.visit_id JOIN tickets t ON t.id = v.ticket_id
    WHERE l.recorded_at >= ${from} AND l.recorded_at < ${to} ${notInvoiced}`);
  if (tables.has('parts')) {
    pieces.push(`SELECT t.customer_id, t.contract_id, 0::numeric, 0::numeric, 0::numeric, vp.quantity * COALESCE(pt.unit_cost, 0)
      FROM visit_parts vp JOIN visits v ON v.id = vp.visit_id JOIN tickets t ON t.id = v.ticket_id LEFT JOIN parts pt ON pt.sku = vp.sku
      WHERE vp.recorded_at >= ${from} AND vp.recorded_at < ${to} ${notInvoiced}`);
  }
  const customerFilter = input.customerId ? `WHERE x.customer_id = ${p.add(input.customerId)}` : '';
  const keys = input.groupBy === 'contract' ? ['x.contract_id', 'x.customer_id'] : ['x.customer_id'];
  const revenue = 'sum(x.invoiced_revenue + x.contract_revenue)';
  const cost = 'sum(x.invoiced_cost + x.work_cost)';
  const { rows } = await q.query<Row>(
    `WITH x (customer_id, contract_id, invoiced_revenue, contract_revenue, invoiced_cost, work_cost) AS (${pieces.join('\n UNION ALL ')})
     SELECT GROUPING(${keys.join(', ')}) <> 0 AS total,
       ${input.groupBy === 'contract' ? 'x.contract_id AS "contractId", max(sc.number) AS "contractNumber",' : ''}
       x.customer_id AS "customerId", max(cu.name) AS "customerName",
       ${rounded('sum(x.invoiced_revenue)')} AS "invoicedRevenue",
       ${rounded('sum(x.contract_revenue)')} AS "contractRevenue",
       ${rounded(revenue)} AS revenue,
       ${rounded('sum(x.invoiced_cost)')} AS "invoicedCost",
       ${rounded('sum(x.work_cost)')} AS "uninvoicedCost",
       ${rounded(cost)} AS cost,
       ${rounded(`${revenue} - ${cost}`)} AS margin,
       ${percentOf(`${revenue} - ${cost}`, revenue)} AS "marginPct"
     FROM x
     LEFT JOIN customers cu ON cu.id = x.customer_id
     ${input.groupBy === 'contract' ? 'LEFT JOIN service_contracts sc ON sc.id = x.contract_id' : ''}
     ${customerFilter}
     GROUP BY GROUPING SETS ((${keys.join(', ')}), ())
     HAVING GROUPING(${keys.join(', ')}) <> 0 OR ${revenue} <> 0 OR ${cost} <> 0
     ORDER BY total, max(cu.name), x.customer_id${input.groupBy === 'contract' ? ', max(sc.number) NULLS LAST' : ''}`,
    p.values,
  );
  const result = splitTotal(rows);
  if (result.summary)
    Object.assign(result.summary, {
      customerId: null,
      customerName: null,
      ...(input.groupBy === 'contract' ? { contractId: null, contractNumber: null } : {}),
    });
  return result;
}
