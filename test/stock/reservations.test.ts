/**
 * Reservations per ticket and consumption by visits, on a real database: nearest stock first,
 * split across locations, idempotent per ticket and SKU, partial / unavailable reported,
 * all-or-nothing, release; the last unit under real concurrency (PostgreSQL with
 * TELEMEND_TEST_POSTGRES=1); consumption arithmetic and the ledger; never negative.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/access/audit/audit.service.js';
import { AppError } from '../../src/kernel/errors.js';
import { StockLevelsRepository } from '../../src/service/stock/stock-levels.repository.js';
import { releaseTicketReservations, StockService } from '../../src/service/stock/stock.service.js';
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
let berlin: { id: string };

beforeAll(async () => {
  api = await startServiceApi();
  stock = new StockService(api.db, { clock: api.clock });
  berlin = await createLocation(api, 'central', BERLIN);
  munich = await createLocation(api, 'local', MUNICH);
  augsburg = await createLocation(api, 'local', AUGSBURG);
});
afterAll(async () => {
  await api?.close();
});

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));

describe('reserveForTicket', () => {
  test('nearest location first, split across locations, idempotent, tops up, partial', async () => {
    const part = await createPart(api);
    await receive(api, augsburg.id, part.sku, 2);
    await receive(api, berlin.id, part.sku, 10);
    const ticket = await createTicket(api, MUNICH);

    const [first] = await stock.reserveForTicket(ticket.id, [{ sku: part.sku, quantity: 3 }], null, SYSTEM_ACTOR);
    // Munich holds none: Augsburg (55 km) gives 2, Berlin (500 km) the third.
    expect(first).toMatchObject({ sku: part.sku, requested: 3, held: 3, added: 3, shortfall: 0, status: 'reserved' });
    expect(first!.lines.map((l) => [l.locationId, l.quantity]).sort((a, b) => Number(b[1]) - Number(a[1]))).toEqual([
      [augsburg.id, 2],
      [berlin.id, 1],
    ]);
    await expectLevel(api.db, augsburg.id, part.id, { onHand: 2, reserved: 2 });
    await expectLevel(api.db, berlin.id, part.id, { onHand: 10, reserved: 1 });

    const [again] = await stock.reserveForTicket(ticket.id, [{ sku: part.sku, quantity: 3 }], null, SYSTEM_ACTOR);
    expect(again).toMatchObject({ held: 3, added: 0, status: 'reserved' });
    await expectLevel(api.db, berlin.id, part.id, { reserved: 1 });

    const [topUp] = await stock.reserveForTicket(ticket.id, [{ sku: part.sku, quantity: 12 }], null, SYSTEM_ACTOR);
    expect(topUp).toMatchObject({ requested: 12, held: 12, added: 9, shortfall: 0, status: 'reserved' });
    const [tooMuch] = await stock.reserveForTicket(ticket.id, [{ sku: part.sku, quantity: 15 }], null, SYSTEM_ACTOR);
    expect(tooMuch).toMatchObject({ requested: 15, held: 12, added: 0, shortfall: 3, status: 'partial' });
    await expectLevel(api.db, berlin.id, part.id, { onHand: 10, reserved: 10 });
    await expectLedgerReconciles(api.db, part.id);
  });

  test('an explicit point beats the site; unknown SKUs and empty stock are reported; allOrNothing reserves nothing', async () => {
    const part = await createPart(api);
    const none = await createPart(api);
    await receive(api, munich.id, part.sku, 5);
    await receive(api, berlin.id, part.sku, 5);
    const ticket = await createTicket(api, MUNICH);
    const results = await stock.reserveForTicket(
      ticket.id,
      [
        { sku: part.sku, quantity: 1 },
        { sku: none.sku, quantity: 1 },
        { sku: 'NOT-IN-CATALOGUE', quantity: 2 },
      ],
      BERLIN,
      SYSTEM_ACTOR,
    );
    expect(results.map((r) => [r.sku, r.status, r.held])).toEqual([
      [part.sku, 'reserved', 1],
      [none.sku, 'unavailable', 0],
      ['NOT-IN-CATALOGUE', 'unknown_part', 0],
    ]);
    expect(results[0]!.lines[0]!.locationId).toBe(berlin.id);

    const other = await createTicket(api, MUNICH);
    const attempt = stock.reserveForTicket(
      other.id,
      [
        { sku: part.sku, quantity: 2 },
        { sku: none.sku, quantity: 1 },
      ],
      null,
      SYSTEM_ACTOR,
      { allOrNothing: true },
    );
    await expect(attempt).rejects.toMatchObject({ code: 'INSUFFICIENT_STOCK', details: { sku: none.sku } });
    await expectLevel(api.db, munich.id, part.id, { onHand: 5, reserved: 0 });
    expect(await stock.listReservations(other.id)).toEqual([]);
  });

  test("the assigned technician's van comes first; other vans are never reserved from", async () => {
    const part = await createPart(api);
    const tech = await api.user('technician');
    const otherTech = await api.user('technician');
    const van = await createLocation(api, 'van', BERLIN, tech.id);
    const otherVan = await createLocation(api, 'van', MUNICH, otherTech.id);
    await receive(api, van.id, part.sku, 1);
    await receive(api, otherVan.id, part.sku, 5);
    await receive(api, munich.id, part.sku, 5);
    const ticket = await createTicket(api, MUNICH);
    await api.call('POST', `/api/v1/tickets/${ticket.id}/transitions`, { to: 'assigned', technicianId: tech.id });
    const [r] = await stock.reserveForTicket(ticket.id, [{ sku: part.sku, quantity: 2 }], null, SYSTEM_ACTOR);
    // Lines made in one call share their creation time: compare them as a set.
    expect(r!.lines.map((l) => [l.locationId, l.quantity])).toEqual(
      expect.arrayContaining([
        [van.id, 1],
        [munich.id, 1],
      ]),
    );
    expect(r!.lines).toHaveLength(2);
    await expectLevel(api.db, otherVan.id, part.id, { reserved: 0 });
  });

  test('two concurrent reservations of the last unit: exactly one holds it, the other is told unavailable', async () => {
    const part = await createPart(api);
    await receive(api, munich.id, part.sku, 1);
    const a = await createTicket(api);
    const b = await createTicket(api);
    const results = await Promise.all([a, b].map((t) => stock.reserveForTicket(t.id, [{ sku: part.sku, quantity: 1 }], null, SYSTEM_ACTOR)));
    const statuses = results.map((r) => r[0]!.status).sort();
    expect(statuses).toEqual(['reserved', 'unavailable']);
    await expectLevel(api.db, munich.id, part.id, { onHand: 1, reserved: 1 });

    // The same ticket asking twice at once holds the quantity once (idempotent under concurrency too).
    const twice = await createPart(api);
    await receive(api, munich.id, twice.sku, 5);
    const same = await createTicket(api);
    const both = await Promise.all([1, 2].map(() => stock.reserveForTicket(same.id, [{ sku: twice.sku, quantity: 2 }], null, SYSTEM_ACTOR)));
    expect(both.map((r) => r[0]!.added).sort()).toEqual([0, 2]);
    await expectLevel(api.db, munich.id, twice.id, { onHand: 5, reserved: 2 });

    // Eight tickets race for three units across two locations, all-or-nothing: three win, five fail with INSUFFICIENT_STOCK.
    const scarce = await createPart(api);
    await receive(api, munich.id, scarce.sku, 2);
    await receive(api, augsburg.id, scarce.sku, 1);
    const tickets = await Promise.all(Array.from({ length: 8 }, () => createTicket(api)));
    const outcomes = await Promise.allSettled(
      tickets.map((t) => stock.reserveForTicket(t.id, [{ sku: scarce.sku, quantity: 1 }], null, SYSTEM_ACTOR, { allOrNothing: true })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => code((o as PromiseRejectedResult).reason))).toEqual(Array(5).fill('INSUFFICIENT_STOCK'));
    await expectLevel(api.db, munich.id, scarce.id, { onHand: 2, reserved: 2 });
    await expectLevel(api.db, augsburg.id, scarce.id, { onHand: 1, reserved: 1 });
    await expectLedgerReconciles(api.db, scarce.id);
  });

  test('release on cancel returns what is outstanding to available', async () => {
    const part = await createPart(api);
    await receive(api, munich.id, part.sku, 4);
    const ticket = await createTicket(api);
    await stock.reserveForTicket(ticket.id, [{ sku: part.sku, quantity: 3 }], null, SYSTEM_ACTOR);
    const released = await api.db.transaction((tx) => releaseTicketReservations(tx, ticket.id, SYSTEM_ACTOR, api.clock.now(), 'ticket cancelled'));
    expect(released).toEqual([expect.objectContaining({ sku: part.sku, quantity: 3 })]);
    await expectLevel(api.db, munich.id, part.id, { onHand: 4, reserved: 0 });
    expect((await stock.listReservations(ticket.id)).map((r) => r.status)).toEqual(['released']);
    expect(await stock.releaseForTicket(ticket.id, SYSTEM_ACTOR)).toEqual([]);
    await expectLedgerReconciles(api.db, part.id);
  });
});

describe('consumption by visits', () => {
  test('reservation first, then the van, then the nearest warehouse, then a backorder; every step in the ledger', async () => {
    const part = await createPart(api);
    const tech = await api.user('technician');
    const van = await createLocation(api, 'van', MUNICH, tech.id);
    await receive(api, augsburg.id, part.sku, 3);
    await receive(api, van.id, part.sku, 2);
    await receive(api, munich.id, part.sku, 1);
    const ticket = await createTicket(api, MUNICH);
    // Reserve 2 before the technician is known: Munich's 1 and Augsburg's first.
    await stock.reserveForTicket(ticket.id, [{ sku: part.sku, quantity: 2 }], null, SYSTEM_ACTOR);
    const visit = await createVisit(api, ticket.id, tech.id);

    const used = await api.call('POST', `/api/v1/visits/${visit}/parts`, { sku: part.sku, quantity: 3 }, tech.auth);
    expect(used.status).toBe(201);
    await expectLevel(api.db, munich.id, part.id, { onHand: 0, reserved: 0 });
    await expectLevel(api.db, augsburg.id, part.id, { onHand: 2, reserved: 0 });
    await expectLevel(api.db, van.id, part.id, { onHand: 1, reserved: 0 });
    expect((await stock.listReservations(ticket.id)).map((r) => [r.status, r.consumed])).toEqual([
      ['consumed', 1],
      ['consumed', 1],
    ]);

    // 4 more: 1 from the van, 2 from Augsburg (the nearest warehouse with stock), 1 backordered.
    await api.call('POST', `/api/v1/visits/${visit}/parts`, { sku: part.sku, quantity: 4 }, tech.auth);
    await expectLevel(api.db, van.id, part.id, { onHand: 0 });
    await expectLevel(api.db, augsburg.id, part.id, { onHand: 0 });
    const backorders = await api.call('GET', `/api/v1/stock/backorders?status=open&sku=${part.sku}`);
    expect(backorders.body.items).toEqual([expect.objectContaining({ quantity: 1, locationId: van.id, visitId: visit, ticketId: ticket.id, status: 'open' })]);

    const consumption = (await ledger(api.db, part.id)).filter((m) => m.kind === 'consumption');
    expect(consumption.map((m) => m.quantity).reduce((s, q) => s + q, 0)).toBe(-6);
    expect(consumption.every((m) => m.visit_id === visit && m.ticket_id === ticket.id)).toBe(true);
    await expectLedgerReconciles(api.db, part.id);

    // Settling the backorder once stock arrives books it out there.
    await receive(api, munich.id, part.sku, 1);
    const settled = await api.call('POST', `/api/v1/stock/backorders/${backorders.body.items[0].id}/settle`, { locationId: munich.id });
    expect(settled.body).toMatchObject({ status: 'settled', settledLocationId: munich.id });
    await expectLevel(api.db, munich.id, part.id, { onHand: 0 });
    expect((await api.call('POST', `/api/v1/stock/backorders/${backorders.body.items[0].id}/settle`, { locationId: munich.id })).body.code).toBe('CONFLICT');
  });

  test("with shortfall 'reject' an uncovered part fails with INSUFFICIENT_STOCK and nothing changes; SKUs outside the catalogue are not stock-managed", async () => {
    const strict = new StockService(api.db, { clock: api.clock, shortfall: 'reject' });
    const part = await createPart(api);
    const tech = await api.user('technician');
    const van = await createLocation(api, 'van', MUNICH, tech.id);
    await receive(api, van.id, part.sku, 1);
    const ticket = await createTicket(api);
    const visit = await createVisit(api, ticket.id, tech.id);
    const input = { visitId: visit, ticketId: ticket.id, technicianId: tech.id, sku: part.sku, quantity: 2, actor: SYSTEM_ACTOR };
    // Munich, Augsburg and Berlin hold none of this part: 1 is uncovered.
    await expect(api.db.transaction((tx) => strict.consumeForVisitPart(tx, input))).rejects.toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      details: { shortfall: 1 },
    });
    await expectLevel(api.db, van.id, part.id, { onHand: 1 });
    const ok = await api.db.transaction((tx) => strict.consumeForVisitPart(tx, { ...input, quantity: 1 }));
    expect(ok).toMatchObject({ tracked: true, shortfall: 0, backorderId: null, lines: [{ locationId: van.id, quantity: 1, source: 'van' }] });
    const free = await api.db.transaction((tx) => strict.consumeForVisitPart(tx, { ...input, sku: 'SHOP-RAG' }));
    expect(free).toMatchObject({ tracked: false, lines: [] });
  });

  test('never negative: two visits race for the last unit on a van (reject mode), direct over-consumption and the CHECKs', async () => {
    const strict = new StockService(api.db, { clock: api.clock, shortfall: 'reject' });
    const part = await createPart(api);
    const tech = await api.user('technician');
    const van = await createLocation(api, 'van', null, tech.id);
    await receive(api, van.id, part.sku, 1);
    const tickets = await Promise.all([createTicket(api, null), createTicket(api, null)]);
    const visits = await Promise.all(tickets.map((t) => createVisit(api, t.id, tech.id)));
    const outcomes = await Promise.allSettled(
      visits.map((visitId, i) =>
        api.db.transaction((tx) =>
          strict.consumeForVisitPart(tx, { visitId, ticketId: tickets[i]!.id, technicianId: tech.id, sku: part.sku, quantity: 1, actor: SYSTEM_ACTOR }),
        ),
      ),
    );
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(code((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason)).toBe('INSUFFICIENT_STOCK');
    await expectLevel(api.db, van.id, part.id, { onHand: 0, reserved: 0 });

    const levels = new StockLevelsRepository();
    const over = api.db.transaction((tx) =>
      levels.move(tx, van.id, part.id, [{ bucket: 'on_hand', kind: 'consumption', quantity: -1 }], { at: new Date(), actor: SYSTEM_ACTOR }),
    );
    await expect(over).rejects.toMatchObject({ code: 'INSUFFICIENT_STOCK' });
    await expect(api.db.query('UPDATE stock_levels SET on_hand = -1 WHERE location_id = $1 AND part_id = $2', [van.id, part.id])).rejects.toThrow(/check/i);
    await receive(api, van.id, part.sku, 1);
    await expect(api.db.query('UPDATE stock_levels SET reserved = 2 WHERE location_id = $1 AND part_id = $2', [van.id, part.id])).rejects.toThrow(/check/i);
    await expectLedgerReconciles(api.db, part.id);
  });
});
