/**
 * The stock HTTP API: catalogue CRUD with validation and optimistic concurrency, locations and
 * vans, receipts and counts, the ledger's pagination, reservations over HTTP, and who may do
 * what (admin manages; dispatcher and technician read; agents see no prices or costs; customers nothing).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLocation, createPart, createTicket, MUNICH, receive, startServiceApi, uniq, type ServiceApi } from './stock-fixture.js';

let api: ServiceApi;
type Auth = { authorization: string };
const as: Record<'dispatcher' | 'technician' | 'agent' | 'customer', Auth> = {} as never;
let techId: string;

beforeAll(async () => {
  api = await startServiceApi();
  as.dispatcher = (await api.user('dispatcher')).auth;
  const tech = await api.user('technician');
  techId = tech.id;
  as.technician = tech.auth;
  as.agent = (await api.user('agent')).auth;
  const customer = await api.call('POST', '/api/v1/customers', { name: uniq('Customer') });
  as.customer = (await api.user('customer', { customerId: customer.body.id })).auth;
});
afterAll(async () => {
  await api?.close();
});

describe('catalogue', () => {
  test('create, unique SKU, known models only, filters, If-Match, SKU immutable', async () => {
    const sku = uniq('VALVE');
    const created = await api.call('POST', '/api/v1/parts', {
      sku,
      description: 'Expansion valve',
      unitPrice: 120.5,
      unitCost: 61.25,
      compatibleModels: ['chiller-x'],
      reorderPoint: 4,
      reorderQuantity: 10,
      supplier: 'Acme',
    });
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.body).toMatchObject({ sku, unit: 'pcs', unitPrice: 120.5, unitCost: 61.25, compatibleModels: ['chiller-x'], reorderPoint: 4, active: true });
    expect((await api.call('POST', '/api/v1/parts', { sku, description: 'again', unitPrice: 1, unitCost: 1 })).status).toBe(409);
    const badModel = await api.call('POST', '/api/v1/parts', {
      sku: uniq('X'),
      description: 'x',
      unitPrice: 1,
      unitCost: 1,
      compatibleModels: ['no-such-model'],
    });
    expect(badModel.status).toBe(400);
    expect((await api.call('POST', '/api/v1/parts', { sku: 'bad sku!', description: 'x', unitPrice: -1, unitCost: 1.001 })).status).toBe(400);

    const byModel = await api.call('GET', `/api/v1/parts?modelId=chiller-x&q=${sku}`);
    expect(byModel.body.items.map((p: { sku: string }) => p.sku)).toEqual([sku]);
    const id = created.body.id;
    const stale = await api.call('PATCH', `/api/v1/parts/${id}`, { unitPrice: 130 }, { 'if-match': '"7"' });
    expect(stale.status).toBe(412);
    const updated = await api.call('PATCH', `/api/v1/parts/${id}`, { unitPrice: 130, active: false }, { 'if-match': '"1"' });
    expect(updated.body).toMatchObject({ unitPrice: 130, active: false, version: 2 });
    expect((await api.call('PATCH', `/api/v1/parts/${id}`, { sku: 'OTHER' })).status).toBe(400);
    expect((await api.call('GET', `/api/v1/parts/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  test('roles: admin manages, dispatcher and technician read with prices, agents without prices or costs, customers not at all', async () => {
    const part = await createPart(api, { unitPrice: 99, unitCost: 40 });
    const body = { sku: uniq('R'), description: 'x', unitPrice: 1, unitCost: 1 };
    for (const who of ['dispatcher', 'technician', 'agent'] as const) expect((await api.call('POST', '/api/v1/parts', body, as[who])).status, who).toBe(403);
    expect((await api.call('PATCH', `/api/v1/parts/${part.id}`, { unitPrice: 1 }, as.dispatcher)).status).toBe(403);
    expect((await api.call('GET', `/api/v1/parts/${part.id}`, undefined, as.dispatcher)).body).toMatchObject({ unitPrice: 99, unitCost: 40 });
    const seenByAgent = await api.call('GET', `/api/v1/parts/${part.id}`, undefined, as.agent);
    expect(seenByAgent.status).toBe(200);
    expect(seenByAgent.body.sku).toBe(part.sku);
    expect(seenByAgent.body).not.toHaveProperty('unitPrice');
    expect(seenByAgent.body).not.toHaveProperty('unitCost');
    const list = await api.call('GET', `/api/v1/parts?q=${part.sku}`, undefined, as.agent);
    expect(list.body.items[0]).not.toHaveProperty('unitCost');
    expect((await api.call('GET', '/api/v1/parts', undefined, as.customer)).status).toBe(403);
    for (const url of ['/api/v1/stock/reorder-suggestions', '/api/v1/stock/forecast', '/api/v1/stock/movements']) {
      expect((await api.call('GET', url, undefined, as.agent)).status, url).toBe(403);
      expect((await api.call('GET', url, undefined, as.technician)).status, url).toBe(403);
      expect((await api.call('GET', url, undefined, as.dispatcher)).status, url).toBe(200);
    }
    expect((await api.call('POST', '/api/v1/stock/adjustments', { locationId: part.id, sku: part.sku, delta: 1, reason: 'x' }, as.dispatcher)).status).toBe(
      403,
    );
  });
});

describe('locations, receipts, counts and the ledger', () => {
  test('a van needs an active technician and a technician has one van', async () => {
    expect((await api.call('POST', '/api/v1/stock/locations', { code: uniq('V'), name: 'Van', kind: 'van' })).status).toBe(400);
    const dispatcher = await api.user('dispatcher');
    expect((await api.call('POST', '/api/v1/stock/locations', { code: uniq('V'), name: 'Van', kind: 'van', technicianId: dispatcher.id })).status).toBe(400);
    const van = await createLocation(api, 'van', null, techId);
    expect((await api.call('POST', '/api/v1/stock/locations', { code: uniq('V'), name: 'Van 2', kind: 'van', technicianId: techId })).status).toBe(409);
    expect((await api.call('POST', '/api/v1/stock/locations', { code: uniq('W'), name: 'W', kind: 'local', latitude: 48 })).status).toBe(400);
    const vans = await api.call('GET', `/api/v1/stock/locations?kind=van&technicianId=${techId}`, undefined, as.technician);
    expect(vans.body.items.map((l: { id: string }) => l.id)).toEqual([van.id]);
    const patched = await api.call('PATCH', `/api/v1/stock/locations/${van.id}`, { latitude: 48.1, longitude: 11.5 });
    expect(patched.body).toMatchObject({ latitude: 48.1, longitude: 11.5, version: 2 });
  });

  test('receipts, counts (never below what is reserved), the ledger page by page, availability', async () => {
    const part = await createPart(api);
    const wh = await createLocation(api, 'local', MUNICH);
    const receipt = await api.call(
      'POST',
      '/api/v1/stock/receipts',
      { locationId: wh.id, reference: 'PO-1', lines: [{ sku: part.sku, quantity: 5, unitCost: 19 }] },
      as.dispatcher,
    );
    expect(receipt.body.items).toEqual([expect.objectContaining({ kind: 'receipt', bucket: 'on_hand', quantity: 5, unitCost: 19, reference: 'PO-1' })]);
    expect((await api.call('POST', '/api/v1/stock/receipts', { locationId: wh.id, lines: [{ sku: 'NOPE-1', quantity: 1 }] })).status).toBe(400);
    const counted = await api.call('POST', '/api/v1/stock/adjustments', { locationId: wh.id, sku: part.sku, counted: 3, reason: 'cycle count' });
    expect(counted.body.items[0]).toMatchObject({ kind: 'adjustment', quantity: -2, reason: 'cycle count' });
    const ticket = await createTicket(api, MUNICH);
    const reserved = await api.call('POST', `/api/v1/tickets/${ticket.id}/reservations`, { items: [{ sku: part.sku, quantity: 2 }] }, as.dispatcher);
    expect(reserved.status).toBe(201);
    expect(reserved.body.items[0]).toMatchObject({ status: 'reserved', held: 2 });
    const tooLow = await api.call('POST', '/api/v1/stock/adjustments', { locationId: wh.id, sku: part.sku, delta: -2, reason: 'lost' });
    expect(tooLow.status).toBe(409);
    expect(tooLow.body.code).toBe('INSUFFICIENT_STOCK');
    await receive(api, wh.id, part.sku, 1);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await api.call(
        'GET',
        `/api/v1/stock/movements?sku=${part.sku}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((m) => m.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(4); // receipt, adjustment, reservation, receipt
    expect(new Set(seen).size).toBe(4);

    const availability = await api.call('GET', `/api/v1/stock/availability?skus=${part.sku},UNKNOWN-9&latitude=48.2&longitude=11.6`, undefined, as.agent);
    expect(availability.body.items[0]).toMatchObject({ totalAvailable: 2, nearest: { locationId: wh.id, onHand: 4, reserved: 2, available: 2 } });
    expect(availability.body.items[0].nearest.distanceKm).toBeGreaterThan(0);
    expect(availability.body.items[1]).toMatchObject({ sku: 'UNKNOWN-9', partId: null, totalAvailable: 0 });
    expect((await api.call('GET', `/api/v1/stock/availability?skus=${part.sku}&latitude=95&longitude=1`)).status).toBe(400);
    expect((await api.call('GET', `/api/v1/stock/levels?locationId=${wh.id}`, undefined, as.technician)).body.items).toEqual([
      expect.objectContaining({ sku: part.sku, onHand: 4, reserved: 2, available: 2, defective: 0, inTransitIn: 0 }),
    ]);
  });

  test('reservations over HTTP: roles, 404, idempotent replay, list and release', async () => {
    const part = await createPart(api);
    const wh = await createLocation(api, 'local', MUNICH);
    await receive(api, wh.id, part.sku, 2);
    const ticket = await createTicket(api, MUNICH);
    const url = `/api/v1/tickets/${ticket.id}/reservations`;
    const body = { items: [{ sku: part.sku, quantity: 1 }] };
    expect((await api.call('POST', url, body, as.technician)).status).toBe(403);
    expect((await api.call('POST', '/api/v1/tickets/00000000-0000-4000-8000-000000000000/reservations', body)).status).toBe(404);
    expect((await api.call('POST', url, { items: [] })).status).toBe(400);
    const first = await api.call('POST', url, body, as.dispatcher);
    const again = await api.call('POST', url, body, as.dispatcher);
    expect(again.body.items[0]).toMatchObject({ held: 1, added: 0, status: 'reserved' });
    expect(first.body.items[0].lines).toEqual(again.body.items[0].lines);
    const list = await api.call('GET', url, undefined, as.agent);
    expect(list.body.items).toEqual([expect.objectContaining({ sku: part.sku, locationId: wh.id, quantity: 1, outstanding: 1, status: 'active' })]);
    const released = await api.call('POST', `${url}/release`, { reason: 'customer cancelled' }, as.dispatcher);
    expect(released.body.released).toEqual([expect.objectContaining({ sku: part.sku, quantity: 1 })]);
    expect((await api.call('GET', `/api/v1/stock/levels?locationId=${wh.id}`)).body.items[0]).toMatchObject({ reserved: 0, available: 2 });
  });
});
