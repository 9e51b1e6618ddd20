import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditTrail } from '../../src/access/audit/audit.service.js';
import { TICKET_STATUSES, TRANSITIONS, type TicketStatus } from '../../src/service/tickets/ticket-workflow.js';
import { BERLIN_OFFICE, fieldsOf, seedCustomer, startServiceApi, type ServiceApi } from './service-fixture.js';

let api: ServiceApi;
let technician: { id: string; auth: { authorization: string } };
let dispatcher: { id: string; auth: { authorization: string } };
beforeAll(async () => {
  api = await startServiceApi('2025-03-10T08:00:00.000Z');
  technician = await api.user('technician');
  dispatcher = await api.user('dispatcher');
});
afterAll(async () => {
  await api?.close();
});

const SLA = {
  low: { responseMinutes: 960, resolutionMinutes: 4800 },
  medium: { responseMinutes: 480, resolutionMinutes: 2400 },
  high: { responseMinutes: 240, resolutionMinutes: 1080 },
  critical: { responseMinutes: 120, resolutionMinutes: 540 },
};
const MIN = 60_000;

async function ticket(body: Record<string, unknown>, headers?: Record<string, string>) {
  const reply = await api.call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'Chiller down', ...body }, headers);
  if (reply.status !== 201) throw new Error(`ticket create failed: ${JSON.stringify(reply.body)}`);
  return reply.body;
}
const move = (id: string, to: TicketStatus, extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  api.call('POST', `/api/v1/tickets/${id}/transitions`, { to, ...(to === 'on_hold' ? { holdReason: 'customer' } : {}), ...extra }, headers);

describe('contract lookup and SLA due times at creation', () => {
  test('asset contract, else customer-level contract, else the defaults', async () => {
    const { customerId, assetIds } = await seedCustomer(api, 2);
    const general = await api.call('POST', '/api/v1/contracts', { customerId, name: 'General', startsOn: '2025-01-01', sla: SLA });
    const onAsset = await api.call('POST', '/api/v1/contracts', {
      customerId,
      name: 'Asset',
      startsOn: '2025-01-01',
      assetIds: [assetIds[0]],
      sla: SLA,
      calendar: BERLIN_OFFICE,
    });
    await api.call('POST', '/api/v1/contracts', { customerId, name: 'Expired', startsOn: '2024-01-01', endsOn: '2024-12-31', assetIds: [assetIds[1]] });
    expect((await ticket({ assetId: assetIds[0] })).contractId).toBe(onAsset.body.id);
    const second = await ticket({ assetId: assetIds[1] });
    expect(second).toMatchObject({ contractId: general.body.id, customerId, slaSource: 'contract' });
    const noAsset = await ticket({ customerId });
    expect(noAsset.contractId).toBe(general.body.id);
    // Setting the asset later looks the contract up again and recomputes the due times.
    const moved = await api.call('PATCH', `/api/v1/tickets/${noAsset.id}`, { assetId: assetIds[0] });
    expect(moved.body).toMatchObject({ contractId: onAsset.body.id, assetId: assetIds[0] });
    expect(noAsset.resolutionDueAt).toBe('2025-03-12T00:00:00.000Z'); // 2400 min, 24x7
    expect(moved.body.resolutionDueAt).toBe('2025-03-14T12:00:00.000Z'); // 2400 business min from Mon 09:00 CET: 480 + 3 × 540 + 300 → Fri 13:00 CET
    const bare = await seedCustomer(api);
    const none = await ticket({ customerId: bare.customerId, priority: 'critical' });
    expect(none).toMatchObject({ contractId: null, slaSource: 'default' });
    expect(Date.parse(none.responseDueAt) - Date.parse(none.createdAt)).toBe(240 * MIN);
    expect(Date.parse(none.resolutionDueAt) - Date.parse(none.createdAt)).toBe(1440 * MIN);
    const wrong = await api.call('POST', '/api/v1/tickets', {
      channel: 'web',
      type: 'question',
      title: 'x',
      customerId: bare.customerId,
      contractId: general.body.id,
    });
    expect(wrong.status).toBe(400);
    expect(fieldsOf(wrong.body)).toEqual(['body.contractId']);
  });

  test('due times in the business hours of the contract (Friday afternoon in Berlin)', async () => {
    const { customerId, assetIds } = await seedCustomer(api);
    await api.call('POST', '/api/v1/contracts', { customerId, name: 'Berlin', startsOn: '2025-01-01', assetIds, sla: SLA, calendar: BERLIN_OFFICE });
    api.clock.set('2025-03-14T14:00:00Z'); // Fri 15:00 CET
    const t = await ticket({ assetId: assetIds[0], priority: 'critical' });
    expect(t.number).toMatch(/^TCK-\d{6}$/);
    expect(t.responseDueAt).toBe('2025-03-14T16:00:00.000Z'); // Fri 17:00
    expect(t.resolutionDueAt).toBe('2025-03-17T14:00:00.000Z'); // 120 Fri + 420 Mon → Mon 15:00 CET
    // Priority change recomputes from creation.
    const patched = await api.call('PATCH', `/api/v1/tickets/${t.id}`, { priority: 'high' }, { 'if-match': `"${t.version}"` });
    expect(patched.body.responseDueAt).toBe('2025-03-17T09:00:00.000Z'); // 120 Fri + 120 Mon → Mon 10:00 CET
    const stale = await api.call('PATCH', `/api/v1/tickets/${t.id}`, { title: 'Lost' }, { 'if-match': `"${t.version}"` });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('PRECONDITION_FAILED');
  });
});

describe('workflow', () => {
  /** Steps from new to each status (each needs a technician from assigned on). */
  const PATH: Record<TicketStatus, TicketStatus[]> = {
    new: [],
    assigned: ['assigned'],
    scheduled: ['assigned', 'scheduled'],
    en_route: ['assigned', 'scheduled', 'en_route'],
    in_progress: ['assigned', 'in_progress'],
    on_hold: ['assigned', 'in_progress', 'on_hold'],
    resolved: ['assigned', 'in_progress', 'resolved'],
    closed: ['assigned', 'in_progress', 'resolved', 'closed'],
    cancelled: ['cancelled'],
  };

  test('every allowed transition works', async () => {
    const { customerId } = await seedCustomer(api);
    let count = 0;
    for (const from of TICKET_STATUSES) {
      for (const to of TRANSITIONS[from]) {
        const t = await ticket({ customerId });
        for (const step of PATH[from]) {
          const r = await move(t.id, step, step === 'assigned' ? { technicianId: technician.id } : {});
          expect(r.status, `${step} on the way to ${from}`).toBe(200);
        }
        const r = await move(t.id, to, to === 'assigned' && from === 'new' ? { technicianId: technician.id } : {});
        expect(r.status, `${from} → ${to}: ${JSON.stringify(r.body)}`).toBe(200);
        expect(r.body.status).toBe(to);
        count++;
      }
    }
    expect(count).toBe(Object.values(TRANSITIONS).flat().length);
  });

  test('invalid transitions are 409 naming from and to', async () => {
    const { customerId } = await seedCustomer(api);
    const t = await ticket({ customerId });
    for (const to of ['closed', 'in_progress', 'on_hold'] as const) {
      const r = await move(t.id, to);
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ code: 'CONFLICT', from: 'new', to });
      expect(r.body.detail).toContain(`from new to ${to}`);
    }
    const noTech = await move(t.id, 'assigned');
    expect(noTech.status).toBe(409);
    expect(noTech.body.detail).toContain('technician');
    expect((await move(t.id, 'cancelled')).status).toBe(200);
    expect((await move(t.id, 'new')).body).toMatchObject({ code: 'CONFLICT', from: 'cancelled', to: 'new', allowed: [] });
    expect((await api.call('GET', `/api/v1/tickets/${t.id}`)).body.status).toBe('cancelled');
  });

  test('history records who and when; time in status is reportable', async () => {
    api.clock.set('2025-04-01T08:00:00Z');
    const { customerId } = await seedCustomer(api);
    const t = await ticket({ customerId });
    api.clock.advance(10 * MIN);
    const assigned = await api.call('POST', `/api/v1/tickets/${t.id}/assignment`, { technicianId: technician.id }, dispatcher.auth);
    expect(assigned.body).toMatchObject({ status: 'assigned', technicianId: technician.id });
    api.clock.advance(30 * MIN);
    expect((await move(t.id, 'en_route', {}, technician.auth)).status).toBe(200);
    api.clock.advance(45 * MIN);
    expect((await move(t.id, 'in_progress', { reason: 'on site' }, technician.auth)).status).toBe(200);
    api.clock.advance(20 * MIN);
    const history = await api.call('GET', `/api/v1/tickets/${t.id}/history`);
    expect(history.status).toBe(200);
    const entries = history.body.entries;
    expect(entries.map((e: { from: string | null; to: string }) => [e.from, e.to])).toEqual([
      [null, 'new'],
      ['new', 'assigned'],
      ['assigned', 'en_route'],
      ['en_route', 'in_progress'],
    ]);
    expect(entries.map((e: { actor: { id: string } }) => e.actor.id)).toEqual(['bootstrap', dispatcher.id, technician.id, technician.id]);
    expect(entries.map((e: { at: string }) => e.at)).toEqual([
      '2025-04-01T08:00:00.000Z',
      '2025-04-01T08:10:00.000Z',
      '2025-04-01T08:40:00.000Z',
      '2025-04-01T09:25:00.000Z',
    ]);
    expect(entries.map((e: { durationSeconds: number }) => e.durationSeconds)).toEqual([600, 1800, 2700, 1200]);
    expect(entries[3]).toMatchObject({ reason: 'on site', current: true, technicianId: technician.id });
    expect(history.body.timeInStatus).toEqual({ new: 600, assigned: 1800, en_route: 2700, in_progress: 1200 });
    const read = (await api.call('GET', `/api/v1/tickets/${t.id}`)).body;
    expect(read.respondedAt).toBe('2025-04-01T08:40:00.000Z'); // en_route marks the response
    const audit = await auditTrail(api.db, 'ticket', t.id);
    expect(audit.map((a) => a.action)).toEqual(['create', 'assign', 'transition', 'transition', 'transition']);
    expect(audit[1]).toMatchObject({ actorType: 'user', actorId: dispatcher.id });
  });

  test('history stays in order when its ids cross a digit boundary (99 → 100)', async () => {
    const { customerId } = await seedCustomer(api);
    const t = await ticket({ customerId });
    await api.call('POST', `/api/v1/tickets/${t.id}/assignment`, { technicianId: technician.id }, dispatcher.auth);
    await api.db.query(
      `SELECT setval('ticket_status_history_id_seq', (SELECT GREATEST(max(id), 1) FROM ticket_status_history) + 97 - ((SELECT GREATEST(max(id), 1) FROM ticket_status_history) % 100))`,
    );
    const path = ['en_route', 'in_progress', 'on_hold', 'in_progress', 'on_hold', 'in_progress'] as const;
    for (const to of path) expect((await move(t.id, to)).status).toBe(200);
    const entries = (await api.call('GET', `/api/v1/tickets/${t.id}/history`)).body.entries as { to: string; id: string }[];
    expect(entries.map((e) => e.to)).toEqual(['new', 'assigned', ...path]);
  });

  test('technicians move only their own tickets and cannot edit or assign', async () => {
    const other = await api.user('technician');
    const { customerId } = await seedCustomer(api);
    const t = await ticket({ customerId });
    await move(t.id, 'assigned', { technicianId: technician.id });
    expect((await move(t.id, 'en_route', {}, other.auth)).status).toBe(403);
    expect((await api.call('PATCH', `/api/v1/tickets/${t.id}`, { title: 'x' }, technician.auth)).status).toBe(403);
    expect((await api.call('POST', `/api/v1/tickets/${t.id}/assignment`, { technicianId: other.id }, technician.auth)).status).toBe(403);
    expect((await move(t.id, 'en_route', {}, technician.auth)).status).toBe(200);
  });
});

describe('breach flags with a fixed clock', () => {
  test('response breach; customer hold pauses the resolution clock, parts hold does not', async () => {
    api.clock.set('2025-05-05T06:00:00Z');
    const { customerId } = await seedCustomer(api);
    const t = await ticket({ customerId, priority: 'critical', channel: 'iot', faultCode: 'F1' }); // defaults: 240 / 1440 min, 24x7
    const get = async () => (await api.call('GET', `/api/v1/tickets/${t.id}`)).body;
    api.clock.advance(239 * MIN);
    expect(await get()).toMatchObject({ responseBreached: false, resolutionBreached: false });
    api.clock.advance(2 * MIN);
    expect(await get()).toMatchObject({ responseBreached: true, resolutionBreached: false });
    const breachedIds = async (flag: boolean) =>
      (await api.call('GET', `/api/v1/tickets?customerId=${customerId}&breached=${flag}`)).body.items.map((x: { id: string }) => x.id);
    expect(await breachedIds(true)).toEqual([t.id]);
    expect(await breachedIds(false)).toEqual([]);

    await move(t.id, 'assigned', { technicianId: technician.id });
    await move(t.id, 'in_progress'); // responded late: stays breached
    expect((await get()).responseBreached).toBe(true);
    api.clock.set('2025-05-05T16:00:00Z'); // 600 min after creation
    const held = await move(t.id, 'on_hold', { holdReason: 'customer' });
    expect(held.body).toMatchObject({ holdReason: 'customer', slaPausedSince: '2025-05-05T16:00:00.000Z' });
    api.clock.set('2025-05-08T16:00:00Z'); // three days on hold: paused, so not breached
    expect(await get()).toMatchObject({ resolutionBreached: false, status: 'on_hold' });
    const resumed = await move(t.id, 'in_progress');
    expect(resumed.body.slaPausedMinutes).toBe(3 * 1440);
    expect(resumed.body.slaPausedSince).toBeNull();
    expect(resumed.body.resolutionDueAt).toBe(new Date(Date.parse(t.createdAt) + (1440 + 3 * 1440) * MIN).toISOString());
    expect(resumed.body.resolutionBreached).toBe(false);
    await move(t.id, 'on_hold', { holdReason: 'parts' }); // waiting for parts: the clock runs
    api.clock.set('2025-05-09T06:01:00Z');
    expect(await get()).toMatchObject({ resolutionBreached: true, slaPausedSince: null });
    expect(await breachedIds(true)).toEqual([t.id]);
  });

  test('a ticket resolved in time stays green; cancelled tickets are not measured', async () => {
    api.clock.set('2025-06-02T08:00:00Z');
    const { customerId } = await seedCustomer(api);
    const quick = await ticket({ customerId, type: 'question', priority: 'high' });
    api.clock.advance(30 * MIN);
    expect((await move(quick.id, 'resolved', { reason: 'answered on the phone' })).body).toMatchObject({
      respondedAt: '2025-06-02T08:30:00.000Z',
      resolvedAt: '2025-06-02T08:30:00.000Z',
    });
    const dropped = await ticket({ customerId, priority: 'critical' });
    await move(dropped.id, 'cancelled');
    api.clock.advance(30 * 24 * 60 * MIN);
    expect((await api.call('GET', `/api/v1/tickets/${quick.id}`)).body).toMatchObject({ responseBreached: false, resolutionBreached: false });
    expect((await api.call('GET', `/api/v1/tickets/${dropped.id}`)).body).toMatchObject({ responseBreached: false, resolutionBreached: false });
  });
});

describe('list, roles and bad input', () => {
  test('filters, q, sorting and cursor pagination', async () => {
    api.clock.set('2025-07-01T08:00:00Z');
    const { customerId, assetIds } = await seedCustomer(api, 2);
    const made = [];
    for (const [i, priority] of (['low', 'critical', 'medium', 'high', 'low'] as const).entries()) {
      api.clock.advance(MIN);
      made.push(await ticket({ customerId, assetId: assetIds[i % 2], priority, channel: i === 4 ? 'email' : 'phone', title: `Unit ${i} leaking_${i}` }));
    }
    await move(made[1].id, 'assigned', { technicianId: technician.id });
    const ids = async (query: string) =>
      (await api.call('GET', `/api/v1/tickets?customerId=${customerId}&${query}`)).body.items.map((x: { id: string }) => x.id);
    expect(await ids('status=assigned')).toEqual([made[1].id]);
    expect(await ids(`technicianId=${technician.id}`)).toEqual([made[1].id]);
    expect(await ids('priority=low&sort=createdAt')).toEqual([made[0].id, made[4].id]);
    expect(await ids('channel=email')).toEqual([made[4].id]);
    expect(await ids(`assetId=${assetIds[1]}&sort=createdAt`)).toEqual([made[1].id, made[3].id]);
    expect(await ids('q=leaking_3')).toEqual([made[3].id]);
    expect(await ids('q=%25')).toEqual([]); // LIKE wildcards are literal
    expect(await ids(`q=${made[2].number}`)).toEqual([made[2].id]);
    expect((await ids('sort=-priority')).slice(0, 2)).toEqual([made[1].id, made[3].id]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await api.call(
        'GET',
        `/api/v1/tickets?customerId=${customerId}&limit=2&sort=priority${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((x) => x.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(seen.slice(0, 2).sort()).toEqual([made[0].id, made[4].id].sort());
    expect(seen[4]).toBe(made[1].id);
  });

  test('customers see and open only their own tickets; agents open and read but do not move', async () => {
    const mine = await seedCustomer(api);
    const theirs = await seedCustomer(api);
    const customer = await api.user('customer', { customerId: mine.customerId });
    const own = await ticket({ channel: 'web', type: 'question' }, customer.auth);
    expect(own.customerId).toBe(mine.customerId);
    const foreign = await ticket({ customerId: theirs.customerId });
    expect((await api.call('GET', `/api/v1/tickets/${foreign.id}`, undefined, customer.auth)).status).toBe(404);
    expect((await api.call('GET', `/api/v1/tickets/${foreign.id}/history`, undefined, customer.auth)).status).toBe(404);
    const list = await api.call('GET', '/api/v1/tickets', undefined, customer.auth);
    expect(list.body.items.map((x: { id: string }) => x.id)).toEqual([own.id]);
    const forOther = await api.call('POST', '/api/v1/tickets', { channel: 'web', type: 'question', title: 'x', customerId: theirs.customerId }, customer.auth);
    expect(forOther.status).toBe(400);
    const agent = await api.user('agent');
    expect(
      (await api.call('POST', '/api/v1/tickets', { channel: 'agent', type: 'question', title: 'x', customerId: mine.customerId }, agent.auth)).status,
    ).toBe(201);
    expect((await api.call('GET', `/api/v1/tickets/${foreign.id}`, undefined, agent.auth)).status).toBe(200);
    expect((await move(foreign.id, 'cancelled', {}, agent.auth)).status).toBe(403);
    expect((await api.call('GET', '/api/v1/tickets', undefined, { authorization: undefined })).status).toBe(401);
  });

  test('400 naming the fields on every ticket route', async () => {
    const { customerId } = await seedCustomer(api);
    const t = await ticket({ customerId });
    const create = await api.call('POST', '/api/v1/tickets', { channel: 'fax', type: 'breakdown', title: '', priority: 'urgent' });
    expect(create.status).toBe(400);
    expect(fieldsOf(create.body)).toEqual(expect.arrayContaining(['body.channel', 'body.title', 'body.priority']));
    const orphan = await api.call('POST', '/api/v1/tickets', { channel: 'web', type: 'question', title: 'Who am I' });
    expect(fieldsOf(orphan.body)).toEqual(['body.customerId']);
    const patch = await api.call('PATCH', `/api/v1/tickets/${t.id}`, { status: 'closed' });
    expect(patch.status).toBe(400);
    expect(patch.body.detail).toContain('status');
    const transition = await api.call('POST', `/api/v1/tickets/${t.id}/transitions`, { to: 'on_hold' });
    expect(fieldsOf(transition.body)).toEqual(['body.holdReason']);
    expect(fieldsOf((await api.call('POST', `/api/v1/tickets/${t.id}/transitions`, { to: 'done' })).body)).toEqual(['body.to']);
    const assignment = await api.call('POST', `/api/v1/tickets/${t.id}/assignment`, { technicianId: dispatcher.id });
    expect(assignment.status).toBe(400);
    expect(fieldsOf(assignment.body)).toEqual(['body.technicianId']);
    expect(fieldsOf((await api.call('POST', `/api/v1/tickets/${t.id}/assignment`, { technicianId: 'bob' })).body)).toEqual(['body.technicianId']);
    expect(fieldsOf((await api.call('GET', '/api/v1/tickets?status=open&breached=maybe')).body)).toEqual(
      expect.arrayContaining(['querystring.status', 'querystring.breached']),
    );
    expect(fieldsOf((await api.call('GET', '/api/v1/tickets/123/history')).body)).toEqual(['params.id']);
    expect((await api.call('GET', `/api/v1/tickets/${crypto.randomUUID()}`)).status).toBe(404);
    expect(fieldsOf((await api.call('POST', '/api/v1/tickets', { channel: 'web', type: 'question', title: 'x', assetId: crypto.randomUUID() })).body)).toEqual([
      'body.assetId',
    ]);
  });
});
