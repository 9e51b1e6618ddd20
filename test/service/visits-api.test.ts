import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditTrail } from '../../src/access/audit/audit.service.js';
import { fieldsOf, seedCustomer, startServiceApi, type ServiceApi } from './service-fixture.js';

let api: ServiceApi;
let technician: { id: string; auth: { authorization: string } };
beforeAll(async () => {
  api = await startServiceApi('2025-03-10T08:00:00.000Z');
  technician = await api.user('technician');
});
afterAll(async () => {
  await api?.close();
});

const SIGNATURE = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

async function openTicket(customerId: string) {
  const t = await api.call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'Noisy compressor', customerId });
  await api.call('POST', `/api/v1/tickets/${t.body.id}/assignment`, { technicianId: technician.id });
  return t.body as { id: string; number: string };
}
const plan = (ticketId: string, extra: Record<string, unknown> = {}) =>
  api.call('POST', `/api/v1/tickets/${ticketId}/visits`, {
    technicianId: technician.id,
    plannedStart: '2025-03-11T08:00:00Z',
    plannedEnd: '2025-03-11T10:00:00Z',
    ...extra,
  });

describe('visits', () => {
  test('plan, start, labour, parts, outcome, acceptance; first-time fix; response marked by the start', async () => {
    const { customerId } = await seedCustomer(api);
    const ticket = await openTicket(customerId);
    const visit = await plan(ticket.id, { notes: 'bring ladder' });
    expect(visit.status).toBe(201);
    expect(visit.body).toMatchObject({ status: 'planned', technicianId: technician.id, firstTimeFix: null, labour: [], parts: [], acceptance: null });
    const id = visit.body.id;

    api.clock.set('2025-03-11T08:05:00Z');
    const started = await api.call(
      'PATCH',
      `/api/v1/visits/${id}`,
      { actualStart: '2025-03-11T08:05:00Z' },
      { ...technician.auth, 'if-match': visit.headers.etag as string },
    );
    expect(started.status).toBe(200);
    expect(started.body.status).toBe('in_progress');
    expect((await api.call('GET', `/api/v1/tickets/${ticket.id}`)).body.respondedAt).toBe('2025-03-11T08:05:00.000Z');
    const stale = await api.call('PATCH', `/api/v1/visits/${id}`, { notes: 'late edit' }, { 'if-match': visit.headers.etag as string });
    expect(stale.status).toBe(412);

    const labour = await api.call('POST', `/api/v1/visits/${id}/labour`, { minutes: 45, skill: 'refrigeration', overtime: true }, technician.auth);
    expect(labour.status).toBe(201);
    expect(labour.body.labour).toMatchObject([{ minutes: 45, skill: 'refrigeration', overtime: true, prepaidMinutes: 0 }]);
    // Part prices come from the catalogue: a technician cannot set one (and sees none).
    const priced = await api.call('POST', `/api/v1/visits/${id}/parts`, { sku: 'VALVE-12', quantity: 2, unitPrice: 19.9 }, technician.auth);
    expect(priced.status).toBe(403);
    expect(priced.body).toMatchObject({ code: 'FORBIDDEN', field: 'body.unitPrice' });
    const part = await api.call('POST', `/api/v1/visits/${id}/parts`, { sku: 'VALVE-12', quantity: 2 }, technician.auth);
    expect(part.status).toBe(201);
    expect(part.body.parts).toMatchObject([{ sku: 'VALVE-12', quantity: 2 }]);
    expect(part.body.parts[0]).not.toHaveProperty('unitPrice');

    api.clock.set('2025-03-11T09:30:00Z');
    const done = await api.call('PATCH', `/api/v1/visits/${id}`, { outcome: 'fixed' }, technician.auth);
    expect(done.body).toMatchObject({ status: 'completed', outcome: 'fixed', actualEnd: '2025-03-11T09:30:00.000Z', firstTimeFix: true, labourMinutes: 45 });
    const accepted = await api.call('POST', `/api/v1/visits/${id}/acceptance`, { name: 'Ms Meyer', signature: SIGNATURE }, technician.auth);
    expect(accepted.status).toBe(200);
    expect(accepted.body.acceptance).toEqual({ name: 'Ms Meyer', confirmation: null, signature: SIGNATURE, at: '2025-03-11T09:30:00.000Z' });
    expect((await api.call('GET', `/api/v1/tickets/${ticket.id}`)).body.firstTimeFix).toBe(true);

    // A second visit on the ticket: no longer a first-time fix.
    api.clock.advance(60_000); // created after the first visit
    const again = await plan(ticket.id);
    const againDone = await api.call('PATCH', `/api/v1/visits/${again.body.id}`, {
      actualStart: '2025-03-12T08:00:00Z',
      actualEnd: '2025-03-12T09:00:00Z',
      outcome: 'fixed',
    });
    expect(againDone.body).toMatchObject({ status: 'completed', firstTimeFix: false });
    expect((await api.call('GET', `/api/v1/tickets/${ticket.id}`)).body.firstTimeFix).toBe(false);
    const list = await api.call('GET', `/api/v1/tickets/${ticket.id}/visits`);
    expect(list.body.items.map((v: { id: string; firstTimeFix: boolean }) => [v.id, v.firstTimeFix])).toEqual([
      [id, true],
      [again.body.id, false],
    ]);
    const audit = await auditTrail(api.db, 'visit', id);
    expect(audit.map((a) => a.action)).toEqual(['create', 'update', 'labour', 'part', 'update', 'acceptance']);
  });

  test('roles: technicians change only their own visits; agents see no prices; customers only their own', async () => {
    const mine = await seedCustomer(api);
    const ticket = await openTicket(mine.customerId);
    const visit = await plan(ticket.id);
    await api.call('PATCH', `/api/v1/visits/${visit.body.id}`, { actualStart: '2025-03-11T08:00:00Z' });
    await api.call('POST', `/api/v1/visits/${visit.body.id}/parts`, { sku: 'BELT', quantity: 1, unitPrice: 42 });
    const stranger = await api.user('technician');
    expect((await api.call('PATCH', `/api/v1/visits/${visit.body.id}`, { notes: 'x' }, stranger.auth)).status).toBe(403);
    expect((await api.call('POST', `/api/v1/visits/${visit.body.id}/labour`, { minutes: 5 }, stranger.auth)).status).toBe(403);
    expect((await api.call('PATCH', `/api/v1/visits/${visit.body.id}`, { technicianId: stranger.id }, technician.auth)).status).toBe(403);
    expect(
      (
        await api.call(
          'POST',
          `/api/v1/tickets/${ticket.id}/visits`,
          { technicianId: technician.id, plannedStart: '2025-03-11T08:00:00Z', plannedEnd: '2025-03-11T09:00:00Z' },
          technician.auth,
        )
      ).status,
    ).toBe(403);
    const agent = await api.user('agent');
    const seen = await api.call('GET', `/api/v1/visits/${visit.body.id}`, undefined, agent.auth);
    expect(seen.status).toBe(200);
    expect(seen.body.parts[0].sku).toBe('BELT');
    expect(seen.body.parts[0].unitPrice).toBeUndefined();
    const asTechnician = await api.call('GET', `/api/v1/visits/${visit.body.id}`, undefined, technician.auth);
    expect(asTechnician.body.parts[0]).toMatchObject({ sku: 'BELT' });
    expect(asTechnician.body.parts[0]).not.toHaveProperty('unitPrice');
    expect((await api.call('GET', `/api/v1/visits/${visit.body.id}`)).body.parts[0].unitPrice).toBe(42);
    const other = await seedCustomer(api);
    const outsider = await api.user('customer', { customerId: other.customerId });
    expect((await api.call('GET', `/api/v1/visits/${visit.body.id}`, undefined, outsider.auth)).status).toBe(404);
    expect((await api.call('GET', `/api/v1/tickets/${ticket.id}/visits`, undefined, outsider.auth)).status).toBe(404);
    const owner = await api.user('customer', { customerId: mine.customerId });
    expect((await api.call('GET', `/api/v1/tickets/${ticket.id}/visits`, undefined, owner.auth)).body.items).toHaveLength(1);
  });

  test('only the back office overrides a part price, and the override is audited beside the catalogue price', async () => {
    const { customerId } = await seedCustomer(api);
    const ticket = await openTicket(customerId);
    const visit = await plan(ticket.id);
    const sku = `PRICED-${ticket.number}`;
    expect((await api.call('POST', '/api/v1/parts', { sku, description: 'Priced part', unitPrice: 30, unitCost: 12 })).status).toBe(201);
    const used = await api.call('POST', `/api/v1/visits/${visit.body.id}/parts`, { sku, quantity: 1 }, technician.auth);
    expect(used.status).toBe(201);
    const refused = await api.call('POST', `/api/v1/visits/${visit.body.id}/parts`, { sku, quantity: 1, unitPrice: 0 }, technician.auth);
    expect(refused.status).toBe(403);
    const dispatcher = await api.user('dispatcher');
    const override = await api.call('POST', `/api/v1/visits/${visit.body.id}/parts`, { sku, quantity: 2, unitPrice: 25 }, dispatcher.auth);
    expect(override.status).toBe(201);
    expect(override.body.parts.map((p: { unitPrice: number | null }) => p.unitPrice).sort()).toEqual([25, null]);
    const audit = await auditTrail(api.db, 'visit', visit.body.id);
    expect(audit.map((a) => a.action).filter((action) => !action.startsWith('stock.'))).toEqual(['create', 'part', 'part', 'price_override']);
    expect(audit.find((a) => a.action === 'price_override')).toMatchObject({
      actorType: 'user',
      actorId: dispatcher.id,
      changes: { sku, unitPrice: 25, catalogueUnitPrice: 30 },
    });
  });

  test('400 naming the fields on every visit route; 409 on closed tickets and cancelled visits', async () => {
    const { customerId } = await seedCustomer(api);
    const ticket = await openTicket(customerId);
    const dispatcher = await api.user('dispatcher');
    const bad = await api.call('POST', `/api/v1/tickets/${ticket.id}/visits`, {
      technicianId: technician.id,
      plannedStart: '2025-03-11T10:00:00Z',
      plannedEnd: '2025-03-11T09:00:00Z',
    });
    expect(fieldsOf(bad.body)).toEqual(['body.plannedEnd']);
    expect(fieldsOf((await plan(ticket.id, { technicianId: dispatcher.id })).body)).toEqual(['body.technicianId']);
    expect(fieldsOf((await plan(ticket.id, { plannedStart: 'tomorrow' })).body)).toEqual(['body.plannedStart']);
    const visit = await plan(ticket.id);
    const id = visit.body.id;
    expect(fieldsOf((await api.call('PATCH', `/api/v1/visits/${id}`, { outcome: 'fixed' })).body)).toEqual(['body.actualStart']);
    expect(fieldsOf((await api.call('PATCH', `/api/v1/visits/${id}`, { outcome: 'great' })).body)).toEqual(['body.outcome']);
    expect(fieldsOf((await api.call('POST', `/api/v1/visits/${id}/labour`, { minutes: -5, overtime: 'yes' })).body)).toEqual(
      expect.arrayContaining(['body.minutes', 'body.overtime']),
    );
    expect(fieldsOf((await api.call('POST', `/api/v1/visits/${id}/parts`, { sku: '', quantity: 0, unitPrice: -1 })).body)).toEqual(
      expect.arrayContaining(['body.sku', 'body.quantity', 'body.unitPrice']),
    );
    expect(fieldsOf((await api.call('POST', `/api/v1/visits/${id}/acceptance`, { name: 'X', signature: 'javascript:alert(1)' })).body)).toEqual([
      'body.signature',
    ]);
    expect(fieldsOf((await api.call('POST', `/api/v1/visits/${id}/acceptance`, { name: 'X' })).body)).toEqual(['body.confirmation']);
    expect((await api.call('POST', `/api/v1/visits/${id}/acceptance`, { name: 'X', confirmation: 'OK' })).status).toBe(409); // not started
    expect(fieldsOf((await api.call('GET', '/api/v1/visits/nope')).body)).toEqual(['params.id']);
    expect((await api.call('PATCH', `/api/v1/visits/${id}`, { status: 'cancelled' })).body.status).toBe('cancelled');
    expect((await api.call('POST', `/api/v1/visits/${id}/labour`, { minutes: 5 })).status).toBe(409);
    await api.call('POST', `/api/v1/tickets/${ticket.id}/transitions`, { to: 'cancelled' });
    expect((await plan(ticket.id)).status).toBe(409);
  });
});

describe('prepaid minutes drawn down by labour', () => {
  test('across several tickets, never negative; a refused entry leaves nothing behind', async () => {
    const { customerId } = await seedCustomer(api);
    const contract = await api.call('POST', '/api/v1/contracts', { customerId, name: 'Block of 2 h', startsOn: '2025-01-01', prepaidMinutes: 120 });
    const visits = [];
    for (let i = 0; i < 2; i++) {
      const ticket = await openTicket(customerId);
      visits.push((await plan(ticket.id)).body.id);
    }
    const labour = (visitId: string, minutes: number) => api.call('POST', `/api/v1/visits/${visitId}/labour`, { minutes }, technician.auth);
    expect((await labour(visits[0], 60)).body.labour[0].prepaidMinutes).toBe(60);
    expect((await labour(visits[1], 50)).status).toBe(201);
    const refused = await labour(visits[1], 20);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'CONFLICT', balanceMinutes: 10, requestedMinutes: 20 });
    expect((await api.call('GET', `/api/v1/visits/${visits[1]}`)).body.labour.map((l: { minutes: number }) => l.minutes)).toEqual([50]);
    const ledger = await api.call('GET', `/api/v1/contracts/${contract.body.id}/prepaid/ledger`);
    expect(ledger.body.balanceMinutes).toBe(10);
    expect(ledger.body.entries.map((e: { kind: string; minutes: number; balanceAfter: number }) => [e.kind, e.minutes, e.balanceAfter])).toEqual([
      ['purchase', 120, 120],
      ['draw_down', -60, 60],
      ['draw_down', -50, 10],
    ]);
    expect(ledger.body.entries[2].visitId).toBe(visits[1]);

    // The last 10 minutes, claimed twice at once: exactly one wins.
    const race = await Promise.all([labour(visits[0], 10), labour(visits[1], 10)]);
    expect(race.map((r) => r.status).sort()).toEqual([201, 409]);
    const after = await api.call('GET', `/api/v1/contracts/${contract.body.id}`);
    expect(after.body.prepaid.balanceMinutes).toBe(0);
    const { rows } = await api.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM visit_labour WHERE visit_id = ANY($1::uuid[])`, [visits]);
    expect(rows[0]!.n).toBe(3);
    const drawAudit = await auditTrail(api.db, 'contract', contract.body.id);
    expect(drawAudit.filter((a) => a.action === 'prepaid.draw_down')).toHaveLength(3);
  });
});
