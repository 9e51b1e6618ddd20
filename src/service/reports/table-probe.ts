/**
 * Which optional tables exist. Some reports read tables of other features (stock, technician
 * profiles, invoicing) when they are there and fall back to the core tables otherwise. One query
 * per report run (to_regclass on every name at once).
 */
import type { Queryable } from '../../kernel/db/database.js';

export const OPTIONAL_TABLES = [
  'parts',
  'stock_movements',
  'technician_profiles',
  'technician_absences',
  'invoices',
  'invoice_lines',
  'visit_closures',
] as const;
export type OptionalTable = (typeof OPTIONAL_TABLES)[number];

export async function existingTables(q: Queryable): Promise<ReadonlySet<OptionalTable>> {
  const { rows } = await q.query<{ name: OptionalTable }>('SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL', [OPTIONAL_TABLES]);
  return new Set(rows.map((r) => r.name));
}
