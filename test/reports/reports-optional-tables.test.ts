/**
 * The reports that read other features' tables when they exist: technician working hours and
 * absences (0008), stock consumption movements and part costs (0007), invoices and their line
 * costs (0010). Hand-computed figures on a small crafted dataset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  insertAsset,
  insertCustomer,
  insertLabour,
  insertPart,
  insertSite,
  insertTicket,
  insertVisit,
  startReportsApi,
  type ReportsApi,
} from './reports-fixture.js';

let api: ReportsApi;
let tech: string;
let delta: string;

const ticket = (customerId: string, assetId: string) =>
  insertTicket(api.db, {
    customerId,
    assetId,
    priority: 'high',
    status: 'resolved',
    createdAt: '2025-06-09T00:00:00Z',
    respondedAt: '2025-06-09T01:00:00Z',
    resolvedAt: '2025-06-10T12:00:00Z',
    responseDueAt: '2025-06-09T08:00:00Z',
    resolutionDueAt: '2025-06-11T00:00:00Z',
  });

async function invoice(ticketId: string, status: 'issued' | 'draft' | 'void', total: number, lineCosts: number[]) {
  const { rows } = await api.db.query<{ id: string }>(
    `INSERT INTO invoices (number, ticket_id, customer_id, status, currency, total, issued_at, voided_at, created_by_type, created_by_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'EUR', $5, $6, $7, 'system', 'test', '2025-06-20T00:00:00Z', '2025-06-20T00:00:00Z') RETURNING id`,
    [
      status === 'draft' ? null : `INV-${Math.random().toString(36).slice(2, 8)}`,
      ticketId,
      delta,
      status,
      total,
      status === 'draft' ? null : '2025-06-20T00:00:00Z',
      status === 'void' ? '2025-06-21T00:00:00Z' : null,
    ],
  );
  for (const [i, cost] of lineCosts.entries()) {
    await api.db.query(
      `INSERT INTO invoice_lines (invoice_id, position, kind, description, quantity, unit_price, amount, cost) VALUES ($1, $2, 'labour', 'Work', 1, 0, 0, $3)`,
      [rows[0]!.id, i + 1, cost],
    );
  }
}

beforeAll(async () => {
  api = await startReportsApi('2025-07-01T00:00:00.000Z');
  tech = (await api.user('technician', 'Berlin Tech')).id;
  const db = api.db;
  // Mondays 08–12 and 13–17, Wednesdays 09–13, Berlin time (UTC+2 in June); 30/h.
  await db.query(
    `INSERT INTO technician_profiles (user_id, timezone, working_hours, hourly_cost, created_at, updated_at) VALUES ($1, 'Europe/Berlin', $2, 30, now(), now())`,
    [
      tech,
      JSON.stringify({
        mon: [
          ['08:00', '12:00'],
          ['13:00', '17:00'],
        ],
        wed: [['09:00', '13:00']],
      }),
    ],
  );
  // Absent Monday 2 June 10:00–12:00 Berlin (08:00–10:00Z); a cancelled absence does not count.
  await db.query(
    `INSERT INTO technician_absences (technician_id, starts_at, ends_at, created_at, actor_type, actor_id) VALUES ($1, '2025-06-02T08:00:00Z', '2025-06-02T10:00:00Z', now(), 'system', 'test')`,
    [tech],
  );
  await db.query(
    `INSERT INTO technician_absences (technician_id, starts_at, ends_at, cancelled_at, created_at, actor_type, actor_id) VALUES ($1, '2025-06-04T07:00:00Z', '2025-06-04T11:00:00Z', now(), now(), 'system', 'test')`,
    [tech],
  );

  delta = await insertCustomer(db, 'Delta');
  const asset = await insertAsset(db, await insertSite(db, delta), 'pump-y', '2025-01-01');
  const td1 = await ticket(delta, asset);
  const td2 = await ticket(delta, asset);
  const td3 = await ticket(delta, asset);
  const visit = (ticketId: string, start: string, end: string) =>
    insertVisit(db, { ticketId, technicianId: tech, plannedStart: start, plannedEnd: end, actualStart: start, actualEnd: end, outcome: 'fixed' });
  const va = await visit(td1, '2025-06-02T11:00:00Z', '2025-06-02T12:00:00Z');
  const vb = await visit(td2, '2025-06-16T07:00:00Z', '2025-06-16T08:00:00Z');
  const vc = await visit(td3, '2025-06-18T07:00:00Z', '2025-06-18T08:00:00Z');
  // Visit A fixed the fault on the first visit, but the closer overrode first-time fix (a repeat fault).
  await db.query(
    `INSERT INTO visit_closures (visit_id, ticket_id, outcome, first_time_fix, first_time_fix_computed, first_time_fix_reason, resolution_notes, acceptance_kind, closed_at, closed_by_type, closed_by_id)
     VALUES ($1, $2, 'fixed', false, true, 'same fault as last month', 'Replaced the seal', 'confirmation', '2025-06-02T12:00:00Z', 'system', 'test')`,
    [va, td1],
  );
  await insertLabour(db, va, 60, '2025-06-02T12:00:00Z');
  await insertLabour(db, vb, 120, '2025-06-16T08:00:00Z');
  await insertLabour(db, vc, 60, '2025-06-18T08:00:00Z');

  // Stock: SKU-S costs 12.50. Visit A recorded 2 and consumed 2; visit B recorded 3 but only 1 came out of
  // stock (a backorder settled on 2 July books the other 2); visit C consumed 5 without recording a part.
  const part = (await db.query<{ id: string }>(`INSERT INTO parts (sku, description, unit_price, unit_cost) VALUES ('SKU-S', 'Seal', 20, 12.50) RETURNING id`))
    .rows[0]!.id;
  const location = (await db.query<{ id: string }>(`INSERT INTO stock_locations (code, name, kind) VALUES ('WH1', 'Warehouse', 'central') RETURNING id`))
    .rows[0]!.id;
  const consume = (ticketId: string, visitId: string, quantity: number, at: string) =>
    db.query(
      `INSERT INTO stock_movements (part_id, location_id, kind, bucket, quantity, ticket_id, visit_id, at, actor_type, actor_id) VALUES ($1, $2, 'consumption', 'on_hand', $3, $4, $5, $6, 'system', 'test')`,
      [part, location, -quantity, ticketId, visitId, at],
    );
  await insertPart(db, va, 'SKU-S', 2, '2025-06-02T11:30:00Z');
  await consume(td1, va, 2, '2025-06-02T11:30:00Z');
  await insertPart(db, vb, 'SKU-S', 3, '2025-06-16T07:30:00Z');
  await consume(td2, vb, 1, '2025-06-16T07:30:00Z');
  await consume(td2, vb, 2, '2025-07-02T09:00:00Z');
  await consume(td3, vc, 5, '2025-06-18T07:30:00Z');

  // Invoices: TD1's was voided (its work counts as not invoiced); TD2 issued 500 with line costs 100 + 20;
  // TD3 has a draft (neither revenue nor cost until issued).
  await invoice(td1, 'void', 999, [999]);
  await invoice(td2, 'issued', 500, [100, 20]);
  await invoice(td3, 'draft', 300, [50]);
});
afterAll(async () => api?.close());

describe('reports over the optional tables', () => {
  it('utilisation from profile working hours in the technician time zone, minus absences', async () => {
    const june = await api.get(`/api/v1/reports/technician-utilisation?from=2025-06-01&to=2025-06-30&technicianId=${tech}`);
    expect(june.status, june.text).toBe(200);
    // 5 Mondays × 480 + 4 Wednesdays × 240 = 3360, minus the 120-minute absence = 3240 (the cancelled one is ignored).
    // Planned: three 60-minute visits = 180 → 5.56 %; labour 240 → 7.41 %.
    expect(june.body.rows).toEqual([
      expect.objectContaining({
        technicianId: tech,
        hoursSource: 'profile',
        availableMinutes: 3240,
        plannedMinutes: 180,
        labourMinutes: 240,
        plannedUtilisationPct: 5.56,
        labourUtilisationPct: 7.41,
      }),
    ]);
    // 2 June 07:00–12:00Z: shift 06:00–10:00Z clipped to 07:00–10:00 (180) minus the absence 08:00–10:00 (120) = 60,
    // plus 11:00–15:00Z clipped to 11:00–12:00 = 60 → 120 available; visit A 11:00–12:00 → 50 %.
    const slice = await api.get(`/api/v1/reports/technician-utilisation?from=2025-06-02T07:00:00Z&to=2025-06-02T12:00:00Z&technicianId=${tech}`);
    expect(slice.body.rows[0]).toMatchObject({ availableMinutes: 120, plannedMinutes: 60, plannedUtilisationPct: 50 });
  });

  it('first-time fix honours a closure override of the computed flag', async () => {
    // TD1, TD2, TD3: one fixed visit each, but TD1's closure overrides first-time fix to false → 2/3.
    const res = await api.get(`/api/v1/reports/first-time-fix?from=2025-06-01&to=2025-06-30&customerId=${delta}`);
    expect(res.body.rows).toEqual([{ modelId: 'pump-y', ticketsWithVisits: 3, firstTimeFixed: 2, firstTimeFixPct: 66.67, visitsPerTicket: 1 }]);
  });

  it('parts consumption merges visit parts and stock movements without double counting, with costs', async () => {
    // A: max(2 recorded, 2 consumed) = 2; B: max(3, 1 in June) = 3; C: 5 consumed → 10 × 12.50 = 125.
    const june = await api.get(`/api/v1/reports/parts-consumption?from=2025-06-01&to=2025-06-30&customerId=${delta}`);
    expect(june.body.rows).toEqual([{ sku: 'SKU-S', modelId: 'pump-y', description: 'Seal', quantity: 10, tickets: 3, unitCost: 12.5, cost: 125 }]);
    // Through July: B's backorder (2 more in July) now equals what the visit recorded: still 3.
    const summer = await api.get(`/api/v1/reports/parts-consumption?from=2025-06-01&to=2025-07-31&customerId=${delta}`);
    expect(summer.body.rows[0]).toMatchObject({ quantity: 10, cost: 125 });
  });

  it('profitability from issued invoices and their line costs plus un-invoiced work at the profile hourly cost', async () => {
    const res = await api.get(`/api/v1/reports/profitability?from=2025-06-01&to=2025-06-30&customerId=${delta}&groupBy=customer`);
    expect(res.status, res.text).toBe(200);
    // Revenue: TD2's issued invoice 500. Cost: its lines 120 + TD1 (void invoice = not invoiced): 60 min at 30/h = 30
    // and 2 × SKU-S at 12.50 = 25 → 175. TD3 (draft) counts nothing yet. Margin 325 = 65 %.
    expect(res.body.rows).toEqual([
      {
        customerId: delta,
        customerName: 'Delta',
        invoicedRevenue: 500,
        contractRevenue: 0,
        revenue: 500,
        invoicedCost: 120,
        uninvoicedCost: 55,
        cost: 175,
        margin: 325,
        marginPct: 65,
      },
    ]);
    const csv = await api.get(`/api/v1/reports/profitability?from=2025-06-01&to=2025-06-30&customerId=${delta}&groupBy=customer&format=csv`);
    expect(csv.text.split('\r\n')[0]).toBe('customerId,customerName,invoicedRevenue,contractRevenue,revenue,invoicedCost,uninvoicedCost,cost,margin,marginPct');
  });
});
