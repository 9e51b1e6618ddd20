/**
 * GET /me/jobs: the technician's visits from today (their time zone) for N days, in order, each
 * with what the app needs offline — and never a price.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServiceApi, type ServiceApi } from '../service/service-fixture.js';
import { createLocation, createPart, receive } from '../stock/stock-fixture.js';
import { fieldTicket, fieldVisit, fieldWorld, type FieldWorld } from './field-fixture.js';

let api: ServiceApi;
let world: FieldWorld;
let ticket: { id: string; number: string };
let visitToday: string;

beforeAll(async () => {
  // Monday 2025-03-10, 06:30 in Berlin (05:30 UTC).
  api = await startServiceApi('2025-03-10T05:30:00.000Z');
  world = await fieldWorld(api);
  await api.call('POST', '/api/v1/contacts', { customerId: world.customerId, name: 'Frau Huber', isPrimary: true, phones: [{ number: '+49 170 1234567' }] });
  const article = await api.call('POST', '/api/v1/knowledge/articles', {
    title: 'F1 on chiller-x: replace the valve',
    body: 'Isolate the circuit. '.repeat(40),
    tags: [],
    modelIds: ['chiller-x'],
    faultCodes: ['F1'],
    status: 'published',
  });
  expect(article.status).toBe(201);

  ticket = await fieldTicket(api, world, { faultCode: 'F1', priority: 'high' });
  // One part in the technician's van, one only in a warehouse; both reserved for the ticket.
  const inVan = await createPart(api);
  const inWarehouse = await createPart(api);
  const van = await createLocation(api, 'van', null, world.technician.id);
  const warehouse = await createLocation(api, 'local', { latitude: 48.2, longitude: 11.6 });
  await receive(api, van.id, inVan.sku, 3);
  await receive(api, warehouse.id, inWarehouse.sku, 3);
  const reserved = await api.call('POST', `/api/v1/tickets/${ticket.id}/reservations`, { items: [{ sku: inWarehouse.sku, quantity: 2 }] });
  expect(reserved.status, JSON.stringify(reserved.body)).toBeLessThan(300);
  // Reservations are taken from warehouses; a dispatcher may hold van stock by hand.
  await api.db.query(
    `INSERT INTO stock_reservations (ticket_id, part_id, location_id, quantity, status, created_at, updated_at, actor_type, actor_id)
     VALUES ($1, $2, $3, 1, 'active', now(), now(), 'system', 'test')`,
    [ticket.id, inVan.id, van.id],
  );
  await api.db.query(
    `INSERT INTO alarms (asset_id, model_id, rule_id, fault_code, kind, severity, state, first_seen_at, last_seen_at, evidence)
     VALUES ($1, 'chiller-x', 'supply-high', 'F1', 'threshold', 'high', 'active', $2, $2, '{}'), ($1, 'chiller-x', 'old', null, 'threshold', 'low', 'cleared', $2, $2, '{}')`,
    [world.assetId, '2025-03-09T20:00:00Z'],
  );

  // Wednesday first in creation order, so the answer's order is the planned order, not insertion.
  await fieldVisit(api, world, ticket.id, '2025-03-12T09:00:00Z');
  visitToday = (await fieldVisit(api, world, ticket.id, '2025-03-10T08:00:00Z')).id;
  await fieldVisit(api, world, ticket.id, '2025-03-20T09:00:00Z');
  // Someone else's visit never shows.
  const other = await fieldWorld(api);
  await fieldVisit(api, other, (await fieldTicket(api, other)).id, '2025-03-10T08:00:00Z');
});
afterAll(async () => {
  await api?.close();
});

describe('GET /me/jobs', () => {
  test("today's and upcoming visits, in order, with everything needed offline and no money", async () => {
    const reply = await api.call('GET', '/api/v1/me/jobs', undefined, world.technician.auth);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    // Today starts at local midnight in Berlin; seven days by default.
    expect(reply.body).toMatchObject({
      technicianId: world.technician.id,
      timeZone: 'Europe/Berlin',
      from: '2025-03-09T23:00:00.000Z',
      to: '2025-03-16T23:00:00.000Z',
    });
    expect(reply.body.items.map((j: { visit: { plannedStart: string } }) => j.visit.plannedStart)).toEqual([
      '2025-03-10T08:00:00.000Z',
      '2025-03-12T09:00:00.000Z',
    ]);
    const job = reply.body.items[0];
    expect(job.visit).toMatchObject({ id: visitToday, status: 'planned', version: 1, etag: '"1"' });
    expect(job.ticket).toMatchObject({ id: ticket.id, number: ticket.number, title: 'Compressor trips', priority: 'high' });
    expect(job.ticket.resolutionDueAt).toEqual(expect.any(String));
    expect(job.customer.name).toMatch(/^Brauerei/);
    expect(job.contact).toEqual({ name: 'Frau Huber', phone: '+49 170 1234567' });
    expect(job.site).toMatchObject({
      address: 'Marienplatz 1',
      latitude: 48.137,
      longitude: 11.575,
      navigationUrl: 'https://www.openstreetmap.org/directions?to=48.137%2C11.575',
    });
    expect(job.diagnosis).toEqual({ code: 'F1', title: 'Fault 1', diagnosis: 'Something is wrong', probableCauses: ['wear'], actions: ['replace it'] });
    expect(job.reservedParts).toHaveLength(2);
    const van = job.reservedParts.find((p: { where: { kind: string } }) => p.where.kind === 'van');
    const warehouse = job.reservedParts.find((p: { where: { kind: string } }) => p.where.kind === 'local');
    expect(van).toMatchObject({ quantity: 1, where: { mine: true } });
    expect(warehouse).toMatchObject({ quantity: 2, where: { mine: false, name: 'local location' } });
    expect(job.asset).toMatchObject({ id: world.assetId, modelId: 'chiller-x', modelName: 'Model chiller-x', latestReading: null });
    expect(job.asset.openAlarms).toEqual([expect.objectContaining({ ruleId: 'supply-high', faultCode: 'F1', state: 'active' })]);
    expect(job.asset.history.length).toBeGreaterThan(0);
    expect(job.asset.history.length).toBeLessThanOrEqual(5);
    expect(job.knowledge).toEqual([{ id: expect.any(String), title: 'F1 on chiller-x: replace the valve', excerpt: expect.stringMatching(/…$/) }]);
    expect(job.knowledge[0].excerpt.length).toBeLessThanOrEqual(400);
    expect(job.checklist).toMatchObject({
      visitId: visitToday,
      source: 'fault',
      complete: true,
      items: [{ text: 'replace it', required: false, done: false }],
    });
    // Technicians have no business with prices.
    expect(JSON.stringify(reply.body)).not.toMatch(/price|cost/i);
  });

  test('days widens the window (at most 31); technicians see only their own; the office names one', async () => {
    const month = await api.call('GET', '/api/v1/me/jobs?days=31', undefined, world.technician.auth);
    expect(month.body.items).toHaveLength(3);
    expect((await api.call('GET', '/api/v1/me/jobs?days=32', undefined, world.technician.auth)).status).toBe(400);
    const dispatcher = await api.user('dispatcher');
    expect((await api.call('GET', '/api/v1/me/jobs', undefined, dispatcher.auth)).status).toBe(400);
    const forOffice = await api.call('GET', `/api/v1/me/jobs?technicianId=${world.technician.id}`, undefined, dispatcher.auth);
    expect(forOffice.body.items).toHaveLength(2);
    const other = await api.user('technician');
    expect((await api.call('GET', `/api/v1/me/jobs?technicianId=${world.technician.id}`, undefined, other.auth)).status).toBe(403);
    expect((await api.call('GET', '/api/v1/me/jobs', undefined, (await api.user('agent')).auth)).status).toBe(403);
  });
});
