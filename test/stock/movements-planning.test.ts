/**
 * Transfers (each state's arithmetic, in transit visible, reserved stock cannot ship, cancel only
 * before shipping), returns of defective parts (never available, disposition), reorder
 * suggestions and the demand forecast on crafted data, on a real database.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/access/audit/audit.service.js';
import { StockPlanningService } from '../../src/service/stock/stock-planning.service.js';
import { StockService } from '../../src/service/stock/stock.service.js';
import {
  AUGSBURG,
  BERLIN,
  createLocation,
  createPart,
  createTicket,
  createVisit,
  expectLedgerReconciles,
  expectLevel,
  ledger,
  MUNICH,
  receive,
  startServiceApi,
  type ServiceApi,
} from './stock-fixture.js';

let api: ServiceApi;
let stock: StockService;
let munich: { id: string };
let augsburg: { id: string };

const DAY = 86_400_000;

beforeAll(async () => {
  api = await startServiceApi('2025-03-10T08:00:00.000Z');
  stock = new StockService(api.db, { clock: api.clock });
  await createLocation(api, 'central', BERLIN);
  munich = await createLocation(api, 'local', MUNICH);
  augsburg = await createLocation(api, 'local', AUGSBURG);
});
afterAll(async () => {
  await api?.close();
});

async function level(locationId: string, sku: string) {
  const page = await api.call('GET', `/api/v1/stock/levels?locationId=${locationId}&sku=${sku}`);
  return page.body.items[0];
}

describe('transfers', () => {
  test('requested → shipped → received: nothing moves, leaves the source and is in transit, arrives', async () => {
    const a = await createPart(api);
    const b = await createPart(api);
    await receive(api, munich.id, a.sku, 10);
    await receive(api, munich.id, b.sku, 3);
    const created = await api.call('POST', '/api/v1/stock/transfers', {
      fromLocationId: munich.id,
      toLocationId: augsburg.id,
      lines: [
        { sku: a.sku, quantity: 4 },
        { sku: b.sku, quantity: 3 },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'requested', number: expect.stringMatching(/^TRF-\d{6}$/) });
    const id = created.body.id;
    await expectLevel(api.db, munich.id, a.id, { onHand: 10 });

    expect((await api.call('POST', `/api/v1/stock/transfers/${id}/receive`)).body.code).toBe('CONFLICT');
    const shipped = await api.call('POST', `/api/v1/stock/transfers/${id}/ship`);
    expect(shipped.body).toMatchObject({ status: 'shipped', shippedAt: expect.any(String) });
    await expectLevel(api.db, munich.id, a.id, { onHand: 6 });
    await expectLevel(api.db, augsburg.id, a.id, { onHand: 0 });
    expect(await level(augsburg.id, a.sku)).toMatchObject({ onHand: 0, available: 0, inTransitIn: 4 });
    expect((await api.call('POST', `/api/v1/stock/transfers/${id}/cancel`)).body.code).toBe('CONFLICT');

    const received = await api.call('POST', `/api/v1/stock/transfers/${id}/receive`);
    expect(received.body.status).toBe('received');
    expect(await level(augsburg.id, a.sku)).toMatchObject({ onHand: 4, available: 4, inTransitIn: 0 });
    await expectLevel(api.db, augsburg.id, b.id, { onHand: 3 });
    await expectLevel(api.db, munich.id, b.id, { onHand: 0 });
    expect((await ledger(api.db, a.id)).map((m) => [m.kind, m.quantity])).toEqual([
      ['receipt', 10],
      ['transfer_out', -4],
      ['transfer_in', 4],
    ]);
    await expectLedgerReconciles(api.db, a.id);
  });

  test('reserved stock cannot ship (409 INSUFFICIENT_STOCK, nothing moves); cancel before shipping', async () => {
    const part = await createPart(api);
    await receive(api, munich.id, part.sku, 6);
    const ticket = await createTicket(api, MUNICH);
    await stock.reserveForTicket(ticket.id, [{ sku: part.sku, quantity: 5 }], null, SYSTEM_ACTOR);
    const t = await api.call('POST', '/api/v1/stock/transfers', {
      fromLocationId: munich.id,
      toLocationId: augsburg.id,
      lines: [{ sku: part.sku, quantity: 2 }],
    });
    const ship = await api.call('POST', `/api/v1/stock/transfers/${t.body.id}/ship`);
    expect(ship.status).toBe(409);
    expect(ship.body).toMatchObject({ code: 'INSUFFICIENT_STOCK', available: 1 });
    await expectLevel(api.db, munich.id, part.id, { onHand: 6, reserved: 5 });
    expect((await api.call('POST', `/api/v1/stock/transfers/${t.body.id}/cancel`)).body.status).toBe('cancelled');
    expect((await api.call('POST', `/api/v1/stock/transfers/${t.body.id}/ship`)).body.code).toBe('CONFLICT');
    const bad = await api.call('POST', '/api/v1/stock/transfers', {
      fromLocationId: munich.id,
      toLocationId: munich.id,
      lines: [{ sku: part.sku, quantity: 1 }],
    });
    expect(bad.status).toBe(400);
  });

  test("technicians move stock only out of or into their own van, never a colleague's (403)", async () => {
    const part = await createPart(api);
    const [me, colleague] = [await api.user('technician'), await api.user('technician')];
    const [myVan, theirVan] = [await createLocation(api, 'van', MUNICH, me.id), await createLocation(api, 'van', AUGSBURG, colleague.id)];
    await receive(api, theirVan.id, part.sku, 5);
    await receive(api, myVan.id, part.sku, 5);
    const request = (from: string, to: string) =>
      api.call('POST', '/api/v1/stock/transfers', { fromLocationId: from, toLocationId: to, lines: [{ sku: part.sku, quantity: 1 }] }, me.auth);
    for (const [from, to, label] of [
      [theirVan.id, myVan.id, "out of a colleague's van into mine"],
      [myVan.id, theirVan.id, "from mine into a colleague's van"],
      [theirVan.id, munich.id, "out of a colleague's van into a warehouse"],
      [munich.id, augsburg.id, 'between warehouses'],
    ] as const) {
      const refused = await request(from, to);
      expect(refused.status, label).toBe(403);
      expect(refused.body.code, label).toBe('FORBIDDEN');
    }
    expect((await request(munich.id, myVan.id)).status).toBe(201);
    expect((await request(myVan.id, munich.id)).status).toBe(201);
    // A dispatcher may move stock between any vans.
    expect(
      (await api.call('POST', '/api/v1/stock/transfers', { fromLocationId: theirVan.id, toLocationId: myVan.id, lines: [{ sku: part.sku, quantity: 1 }] }))
        .status,
    ).toBe(201);
    await expectLevel(api.db, theirVan.id, part.id, { onHand: 5 });
  });
});

describe('returns of defective parts', () => {
  test('from a van to a warehouse: held as defective, never available; repaired goes back into stock, scrapped leaves', async () => {
    const part = await createPart(api);
    const tech = await api.user('technician');
    const van = await createLocation(api, 'van', MUNICH, tech.id);
    await receive(api, van.id, part.sku, 3);
    const ret = await api.call(
      'POST',
      '/api/v1/stock/returns',
      { sku: part.sku, quantity: 1, fromLocationId: van.id, toLocationId: munich.id, reason: 'Seized on arrival' },
      tech.auth,
    );
    expect(ret.status).toBe(201);
    expect(ret.body).toMatchObject({ status: 'received', fromLocationId: van.id, quantity: 1 });
    await expectLevel(api.db, van.id, part.id, { onHand: 2 });
    await expectLevel(api.db, munich.id, part.id, { onHand: 0, defective: 1 });
    const availability = await api.call('GET', `/api/v1/stock/availability?skus=${part.sku}`);
    expect(availability.body.items[0].totalAvailable).toBe(2);
    const ticket = await createTicket(api, MUNICH);
    const [r] = await stock.reserveForTicket(ticket.id, [{ sku: part.sku, quantity: 1 }], null, SYSTEM_ACTOR);
    expect(r!.status).toBe('unavailable'); // the van is not the ticket's technician's; Munich holds only a defective one

    const fromSite = await api.call('POST', '/api/v1/stock/returns', {
      sku: part.sku,
      quantity: 2,
      toLocationId: munich.id,
      reason: 'Removed from the chiller',
      ticketId: ticket.id,
    });
    await expectLevel(api.db, munich.id, part.id, { onHand: 0, defective: 3 });
    expect((await api.call('POST', `/api/v1/stock/returns/${ret.body.id}/disposition`, { outcome: 'repaired' })).body.status).toBe('repaired');
    expect((await api.call('POST', `/api/v1/stock/returns/${fromSite.body.id}/disposition`, { outcome: 'scrapped' })).body.status).toBe('scrapped');
    await expectLevel(api.db, munich.id, part.id, { onHand: 1, defective: 0 });
    expect((await api.call('POST', `/api/v1/stock/returns/${ret.body.id}/disposition`, { outcome: 'scrapped' })).body.code).toBe('CONFLICT');
    expect((await api.call('GET', '/api/v1/stock/returns?status=scrapped')).body.items.map((x: { id: string }) => x.id)).toContain(fromSite.body.id);
    await expectLedgerReconciles(api.db, part.id);

    const toVan = await api.call('POST', '/api/v1/stock/returns', { sku: part.sku, quantity: 1, toLocationId: van.id, reason: 'x' });
    expect(toVan.status).toBe(400);
    const other = await api.user('technician');
    expect(
      (
        await api.call(
          'POST',
          '/api/v1/stock/returns',
          { sku: part.sku, quantity: 1, fromLocationId: van.id, toLocationId: munich.id, reason: 'x' },
          other.auth,
        )
      ).status,
    ).toBe(403);
  });
});

describe('planning', () => {
  test('reorder suggestions: position = available + in transit - backorders, lots of the reorder quantity, grouped by supplier', async () => {
    const low = await createPart(api, { reorderPoint: 10, reorderQuantity: 6, supplier: 'Beta GmbH', unitCost: 20 });
    const plenty = await createPart(api, { reorderPoint: 2, reorderQuantity: 5, supplier: 'Beta GmbH' });
    const unplanned = await createPart(api, { unitCost: 7.5 });
    await receive(api, munich.id, low.sku, 4);
    await receive(api, munich.id, plenty.sku, 50);
    const ticket = await createTicket(api, MUNICH);
    await stock.reserveForTicket(ticket.id, [{ sku: low.sku, quantity: 1 }], null, SYSTEM_ACTOR);
    const t = await api.call('POST', '/api/v1/stock/transfers', {
      fromLocationId: munich.id,
      toLocationId: augsburg.id,
      lines: [{ sku: low.sku, quantity: 2 }],
    });
    await api.call('POST', `/api/v1/stock/transfers/${t.body.id}/ship`);
    // A technician without a van uses 3 of `low` (1 reserved earlier by this ticket → consumed; 1 from Munich's last available) and 2 of `unplanned` (none anywhere).
    const tech = await api.user('technician');
    const visit = await createVisit(api, ticket.id, tech.id);
    await api.call('POST', `/api/v1/visits/${visit}/parts`, { sku: low.sku, quantity: 3 });
    await api.call('POST', `/api/v1/visits/${visit}/parts`, { sku: unplanned.sku, quantity: 2 });
    // low: Munich on hand 4 - 2 shipped - 2 used = 0 (1 of the 3 used is backordered); in transit 2.
    const res = await api.call('GET', '/api/v1/stock/reorder-suggestions');
    expect(res.status).toBe(200);
    const beta = res.body.suppliers.find((s: { supplier: string | null }) => s.supplier === 'Beta GmbH');
    expect(beta.lines).toEqual([
      expect.objectContaining({
        sku: low.sku,
        onHand: 0,
        reserved: 0,
        available: 0,
        inTransit: 2,
        openBackorders: 1,
        position: 1,
        suggestedQuantity: 12,
        unitCost: 20,
        lineCost: 240,
      }),
    ]);
    expect(beta.totalCost).toBe(240);
    const none = res.body.suppliers.at(-1);
    expect(none.supplier).toBeNull();
    expect(none.lines).toContainEqual(expect.objectContaining({ sku: unplanned.sku, position: -2, suggestedQuantity: 2, lineCost: 15 }));
    expect(res.body.suppliers.flatMap((s: { lines: { sku: string }[] }) => s.lines).some((l: { sku: string }) => l.sku === plenty.sku)).toBe(false);
  });

  test('forecast: historical rate per location, predictive tickets at the nearest warehouse, stockout dates, recommended quantities', async () => {
    const part = await createPart(api, { reorderPoint: 5, reorderQuantity: 10 });
    const tech = await api.user('technician');
    const van = await createLocation(api, 'van', MUNICH, tech.id);
    await receive(api, munich.id, part.sku, 20);
    await receive(api, van.id, part.sku, 10);
    await receive(api, augsburg.id, part.sku, 2);
    // 9 used from the van over three visits in March.
    for (let i = 0; i < 3; i++) {
      const ticket = await createTicket(api, MUNICH);
      const visit = await createVisit(api, ticket.id, tech.id);
      api.clock.set(new Date(Date.parse('2025-03-10T12:00:00Z') + i * 10 * DAY));
      await api.call('POST', `/api/v1/visits/${visit}/parts`, { sku: part.sku, quantity: 3 }, tech.auth);
    }
    api.clock.set('2025-04-09T00:00:00Z');
    const now = api.clock.now();
    // An open predictive auto-ticket in Augsburg needs 8 by now + 10 days and already holds 1 (reserved in Augsburg).
    const predictive = await createTicket(api, AUGSBURG);
    await api.db.query(
      `INSERT INTO ticket_autofill (ticket_id, rule_id, kind, predictive, prefill, created_at, updated_at) VALUES ($1, 'trend', 'trend', true, $2, $3, $3)`,
      [
        predictive.id,
        JSON.stringify({
          parts: [{ sku: part.sku, description: 'x', quantity: 8, availability: 'unknown', reserved: false }],
          predictive: {
            latestVisitBy: new Date(now.getTime() + 10 * DAY).toISOString(),
            projectedFailureAt: new Date(now.getTime() + 11 * DAY).toISOString(),
            marginHours: 24,
          },
        }),
        now,
      ],
    );
    await stock.reserveForTicket(predictive.id, [{ sku: part.sku, quantity: 1 }], null, SYSTEM_ACTOR);
    const t = await api.call('POST', '/api/v1/stock/transfers', {
      fromLocationId: munich.id,
      toLocationId: augsburg.id,
      lines: [{ sku: part.sku, quantity: 5 }],
    });
    await api.call('POST', `/api/v1/stock/transfers/${t.body.id}/ship`);

    const forecast = await new StockPlanningService(api.db, api.clock).forecast({ days: 30, lookbackDays: 90, sku: part.sku });
    const item = forecast.items[0]!;
    expect(item.predictedNeeds).toEqual([expect.objectContaining({ ticketId: predictive.id, quantity: 7, locationId: augsburg.id })]);
    const at = (days: number) => new Date(now.getTime() + days * DAY).toISOString();
    // Network: on hand 15 + 1 + 2 = 18, reserved 1, in transit 5 → 22; rate 9/90 = 0.1/day; 30 days → 3 + 7 predicted.
    // Walk: day 10 → 22 - 1 - 7 = 14, then 140 days at 0.1 → day 150.
    expect(item.network).toEqual({
      dailyRate: 0.1,
      historicalDemand: 3,
      predictedDemand: 7,
      expectedDemand: 10,
      stock: 22,
      stockoutDate: at(150),
      stockoutWithinHorizon: false,
      recommendedQuantity: 0,
    });
    const byLocation = Object.fromEntries(item.locations.map((l) => [l.locationId, l]));
    // The van: 1 left at 0.1/day → out in 10 days; needs ceil(3 - 1) = 2 for the horizon.
    expect(byLocation[van.id]).toMatchObject({ dailyRate: 0.1, stock: 1, stockoutDate: at(10), stockoutWithinHorizon: true, recommendedQuantity: 2 });
    // Augsburg: available 1 + 5 in transit = 6 < 7 needed on day 10.
    expect(byLocation[augsburg.id]).toMatchObject({ dailyRate: 0, stock: 6, predictedDemand: 7, stockoutDate: at(10), recommendedQuantity: 1 });
    expect(byLocation[munich.id]).toMatchObject({ dailyRate: 0, stock: 15, stockoutDate: null, recommendedQuantity: 0 });

    const http = await api.call('GET', `/api/v1/stock/forecast?days=30&sku=${part.sku}`);
    expect(http.body.items[0].network.stockoutDate).toBe(at(150));
    expect((await api.call('GET', '/api/v1/stock/forecast?days=0')).status).toBe(400);
  });
});
