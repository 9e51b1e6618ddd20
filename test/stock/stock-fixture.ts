/**
 * A stock world on the service API (real database: PGlite, or PostgreSQL with
 * TELEMEND_TEST_POSTGRES=1): parts, warehouses with coordinates, technicians with vans,
 * tickets at sites with coordinates, and small readers of levels and the ledger.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Queryable } from '../../src/kernel/db/database.js';
import { startServiceApi, type ServiceApi } from '../service/service-fixture.js';

export { startServiceApi, type ServiceApi };

/** Munich, Augsburg (~55 km west), Berlin (~500 km north). */
export const MUNICH = { latitude: 48.137, longitude: 11.575 };
export const AUGSBURG = { latitude: 48.371, longitude: 10.898 };
export const BERLIN = { latitude: 52.52, longitude: 13.405 };

export const uniq = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`.toUpperCase();

export async function createPart(api: ServiceApi, extra: Record<string, unknown> = {}): Promise<{ id: string; sku: string }> {
  const res = await api.call('POST', '/api/v1/parts', { sku: uniq('P'), description: 'Test part', unitPrice: 50, unitCost: 20, ...extra });
  if (res.status !== 201) throw new Error(`part: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function createLocation(
  api: ServiceApi,
  kind: 'central' | 'local' | 'van',
  place: { latitude: number; longitude: number } | null,
  technicianId?: string,
): Promise<{ id: string; code: string }> {
  const res = await api.call('POST', '/api/v1/stock/locations', {
    code: uniq(kind),
    name: `${kind} location`,
    kind,
    ...(place ?? {}),
    ...(technicianId ? { technicianId } : {}),
  });
  if (res.status !== 201) throw new Error(`location: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function receive(api: ServiceApi, locationId: string, sku: string, quantity: number): Promise<void> {
  const res = await api.call('POST', '/api/v1/stock/receipts', { locationId, lines: [{ sku, quantity }] });
  if (res.status !== 201) throw new Error(`receipt: ${JSON.stringify(res.body)}`);
}

/** A customer with a site at `place` and an open ticket there. */
export async function createTicket(
  api: ServiceApi,
  place: { latitude: number; longitude: number } | null = MUNICH,
): Promise<{ id: string; siteId: string; customerId: string }> {
  const customer = await api.call('POST', '/api/v1/customers', { name: uniq('Customer') });
  const site = await api.call('POST', '/api/v1/sites', { customerId: customer.body.id, name: 'Plant', ...(place ?? {}) });
  const ticket = await api.call('POST', '/api/v1/tickets', {
    channel: 'phone',
    type: 'breakdown',
    title: 'Broken',
    customerId: customer.body.id,
    siteId: site.body.id,
  });
  if (ticket.status !== 201) throw new Error(`ticket: ${JSON.stringify(ticket.body)}`);
  return { id: ticket.body.id, siteId: site.body.id, customerId: customer.body.id };
}

let slot = 0;
/** A visit of `technicianId` on the ticket, each in a window of its own (no double booking). */
export async function createVisit(api: ServiceApi, ticketId: string, technicianId: string): Promise<string> {
  const start = Date.parse('2025-03-10T00:00:00Z') + slot++ * 7_200_000;
  const res = await api.call('POST', `/api/v1/tickets/${ticketId}/visits`, {
    technicianId,
    plannedStart: new Date(start).toISOString(),
    plannedEnd: new Date(start + 3_600_000).toISOString(),
  });
  if (res.status !== 201) throw new Error(`visit: ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export interface LevelFigures {
  onHand: number;
  reserved: number;
  defective: number;
}

export async function levelOf(db: Queryable, locationId: string, partId: string): Promise<LevelFigures> {
  const { rows } = await db.query<LevelFigures>(
    'SELECT on_hand::float8 AS "onHand", reserved::float8 AS reserved, defective::float8 AS defective FROM stock_levels WHERE location_id = $1 AND part_id = $2',
    [locationId, partId],
  );
  return rows[0] ?? { onHand: 0, reserved: 0, defective: 0 };
}

export async function expectLevel(db: Queryable, locationId: string, partId: string, expected: Partial<LevelFigures>, label?: string): Promise<void> {
  expect(await levelOf(db, locationId, partId), label).toMatchObject(expected);
}

/** The ledger of one part: [kind, bucket, quantity, location] in order. */
export async function ledger(
  db: Queryable,
  partId: string,
): Promise<{ kind: string; bucket: string; quantity: number; location_id: string; visit_id: string | null; ticket_id: string | null }[]> {
  const { rows } = await db.query<{ kind: string; bucket: string; quantity: number; location_id: string; visit_id: string | null; ticket_id: string | null }>(
    'SELECT kind, bucket, quantity::float8 AS quantity, location_id, visit_id, ticket_id FROM stock_movements WHERE part_id = $1 ORDER BY id',
    [partId],
  );
  return rows;
}

/** Ledger sums per (location, bucket) must equal the levels: the ledger explains every unit. */
export async function expectLedgerReconciles(db: Queryable, partId: string): Promise<void> {
  const { rows } = await db.query<{ location_id: string; on_hand: number; reserved: number; defective: number }>(
    `SELECT location_id,
       COALESCE(SUM(quantity) FILTER (WHERE bucket = 'on_hand'), 0)::float8 AS on_hand,
       COALESCE(SUM(quantity) FILTER (WHERE bucket = 'reserved'), 0)::float8 AS reserved,
       COALESCE(SUM(quantity) FILTER (WHERE bucket = 'defective'), 0)::float8 AS defective
     FROM stock_movements WHERE part_id = $1 GROUP BY location_id`,
    [partId],
  );
  for (const r of rows)
    await expectLevel(db, r.location_id, partId, { onHand: r.on_hand, reserved: r.reserved, defective: r.defective }, `ledger of ${r.location_id}`);
}
