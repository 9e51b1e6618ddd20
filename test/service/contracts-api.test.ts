import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditTrail } from '../../src/access/audit/audit.service.js';
import { BERLIN_OFFICE, fieldsOf, seedCustomer, startServiceApi, type ServiceApi } from './service-fixture.js';

let api: ServiceApi;
beforeAll(async () => {
  api = await startServiceApi();
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

describe('contracts', () => {
  test('create, read with ETag, update with If-Match, audit rows', async () => {
    const { customerId, assetIds } = await seedCustomer(api, 2);
    const created = await api.call('POST', '/api/v1/contracts', {
      customerId,
      name: 'Gold',
      startsOn: '2025-01-01',
      endsOn: '2025-12-31',
      assetIds: [assetIds[0]],
      coverage: { labourPercent: 100, partsPercent: 50, travelIncluded: true },
      sla: SLA,
      calendar: BERLIN_OFFICE,
      prepaidMinutes: 600,
      value: 12000.5,
    });
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe(`"${created.body.version}"`);
    expect(created.body).toMatchObject({
      customerId,
      number: expect.stringMatching(/^CTR-\d{6}$/),
      status: 'active',
      assetIds: [assetIds[0]],
      coverage: { labourPercent: 100, partsPercent: 50, travelIncluded: true },
      prepaid: { purchasedMinutes: 600, balanceMinutes: 600 },
      value: 12000.5,
      currency: 'EUR',
    });
    expect(created.body.calendar.timeZone).toBe('Europe/Berlin');
    const id = created.body.id;
    const etag = created.headers.etag as string;

    const read = await api.call('GET', `/api/v1/contracts/${id}`);
    expect(read.body).toEqual(created.body);

    const updated = await api.call('PATCH', `/api/v1/contracts/${id}`, { name: 'Gold+', assetIds }, { 'if-match': etag });
    expect(updated.status).toBe(200);
    expect(updated.body.assetIds.sort()).toEqual([...assetIds].sort());
    const stale = await api.call('PATCH', `/api/v1/contracts/${id}`, { name: 'Lost update' }, { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('PRECONDITION_FAILED');
    expect((await api.call('GET', `/api/v1/contracts/${id}`)).body.name).toBe('Gold+');

    const audit = await auditTrail(api.db, 'contract', id);
    expect(audit.map((a) => a.action)).toEqual(['create', 'update']);
    expect(audit[0]!.actorType).toBe('admin_token');
    expect(audit[1]!.changes).toMatchObject({ name: { from: 'Gold', to: 'Gold+' } });
    const ledger = await api.call('GET', `/api/v1/contracts/${id}/prepaid/ledger`);
    expect(ledger.body).toMatchObject({ balanceMinutes: 600, entries: [{ kind: 'purchase', minutes: 600, balanceAfter: 600 }] });
  });

  test('400 naming the fields on bad input', async () => {
    const { customerId, assetIds } = await seedCustomer(api);
    const other = await seedCustomer(api);
    const bad = await api.call('POST', '/api/v1/contracts', {
      customerId,
      name: '',
      startsOn: '2025-13-01',
      calendar: { timeZone: 'Mars/Olympus', weekly: { mon: [{ start: '08:00', end: '07:00' }] } },
      sla: { low: SLA.low },
    });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(
      expect.arrayContaining(['body.name', 'body.startsOn', 'body.calendar.timeZone', 'body.calendar.weekly.mon.0.end', 'body.sla.medium']),
    );
    const foreign = await api.call('POST', '/api/v1/contracts', { customerId, name: 'X', startsOn: '2025-01-01', assetIds: [assetIds[0], other.assetIds[0]] });
    expect(foreign.status).toBe(400);
    expect(fieldsOf(foreign.body)).toEqual(['body.assetIds']);
    expect(foreign.body.detail).toContain(other.assetIds[0]);
    const order = await api.call('POST', '/api/v1/contracts', { customerId, name: 'X', startsOn: '2025-06-01', endsOn: '2025-01-01' });
    expect(fieldsOf(order.body)).toEqual(['body.endsOn']);
    const created = await api.call('POST', '/api/v1/contracts', { customerId, name: 'X', startsOn: '2025-06-01' });
    const patch = await api.call('PATCH', `/api/v1/contracts/${created.body.id}`, { endsOn: '2025-01-01', bogus: 1 });
    expect(patch.status).toBe(400);
    const patch2 = await api.call('PATCH', `/api/v1/contracts/${created.body.id}`, { endsOn: '2025-01-01' });
    expect(fieldsOf(patch2.body)).toEqual(['body.endsOn']);
    const list = await api.call('GET', '/api/v1/contracts?status=nope&activeAt=yesterday');
    expect(fieldsOf(list.body)).toEqual(expect.arrayContaining(['querystring.status', 'querystring.activeAt']));
    const draw = await api.call('POST', `/api/v1/contracts/${created.body.id}/prepaid/draw-downs`, { minutes: 0 });
    expect(fieldsOf(draw.body)).toEqual(['body.minutes']);
    const dup = await api.call('POST', '/api/v1/contracts', { customerId, number: created.body.number, name: 'Y', startsOn: '2025-06-01' });
    expect(dup.status).toBe(409);
    expect((await api.call('GET', '/api/v1/contracts/not-a-uuid')).status).toBe(400);
  });

  test('list filters and cursor pagination', async () => {
    const { customerId, assetIds } = await seedCustomer(api, 2);
    const make = (body: object) => api.call('POST', '/api/v1/contracts', { customerId, name: 'C', startsOn: '2025-01-01', ...body });
    const covering = await make({ assetIds: [assetIds[0]] });
    const expired = await make({ endsOn: '2025-02-28' });
    const draft = await make({ status: 'draft' });
    const future = await make({ startsOn: '2026-01-01' });
    const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((c) => c.id).sort();
    expect(ids(await api.call('GET', `/api/v1/contracts?customerId=${customerId}`))).toEqual([covering, expired, draft, future].map((c) => c.body.id).sort());
    expect(ids(await api.call('GET', `/api/v1/contracts?customerId=${customerId}&activeAt=2025-06-01`))).toEqual([covering.body.id]);
    expect(ids(await api.call('GET', `/api/v1/contracts?customerId=${customerId}&activeAt=2025-02-01`))).toEqual([covering.body.id, expired.body.id].sort());
    expect(ids(await api.call('GET', `/api/v1/contracts?assetId=${assetIds[0]}`))).toEqual([covering.body.id]);
    expect(ids(await api.call('GET', `/api/v1/contracts?customerId=${customerId}&status=draft`))).toEqual([draft.body.id]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await api.call(
        'GET',
        `/api/v1/contracts?customerId=${customerId}&limit=3&sort=-startsOn${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((c) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(4);
    expect(seen[0]).toBe(future.body.id);
    expect(new Set(seen).size).toBe(4);
  });

  test('roles: agent sees no value, customer only their own, technician cannot write', async () => {
    const mine = await seedCustomer(api);
    const theirs = await seedCustomer(api);
    const own = await api.call('POST', '/api/v1/contracts', { customerId: mine.customerId, name: 'Own', startsOn: '2025-01-01', value: 500 });
    const foreign = await api.call('POST', '/api/v1/contracts', { customerId: theirs.customerId, name: 'Foreign', startsOn: '2025-01-01', value: 900 });
    const agent = await api.user('agent');
    const asAgent = await api.call('GET', `/api/v1/contracts/${own.body.id}`, undefined, agent.auth);
    expect(asAgent.status).toBe(200);
    expect(asAgent.body.value).toBeUndefined();
    expect(asAgent.body.currency).toBeUndefined();
    expect(asAgent.body.name).toBe('Own');
    const customer = await api.user('customer', { customerId: mine.customerId });
    expect((await api.call('GET', `/api/v1/contracts/${foreign.body.id}`, undefined, customer.auth)).status).toBe(404);
    const list = await api.call('GET', '/api/v1/contracts', undefined, customer.auth);
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([own.body.id]);
    const technician = await api.user('technician');
    expect((await api.call('PATCH', `/api/v1/contracts/${own.body.id}`, { name: 'x' }, technician.auth)).status).toBe(403);
    expect((await api.call('GET', `/api/v1/contracts/${own.body.id}/prepaid/ledger`, undefined, agent.auth)).status).toBe(403);
    expect((await api.call('GET', '/api/v1/contracts', undefined, { authorization: undefined })).status).toBe(401);
  });

  test('prepaid: top-up, draw-down, never negative, concurrent draw-downs of the last minutes', async () => {
    const { customerId } = await seedCustomer(api);
    const contract = await api.call('POST', '/api/v1/contracts', { customerId, name: 'Prepaid', startsOn: '2025-01-01', prepaidMinutes: 90 });
    const id = contract.body.id;
    const top = await api.call('POST', `/api/v1/contracts/${id}/prepaid/top-ups`, { minutes: 30, reason: 'extra block' });
    expect(top.status).toBe(201);
    expect(top.body).toMatchObject({ kind: 'top_up', minutes: 30, balanceAfter: 120 });
    const tooMuch = await api.call('POST', `/api/v1/contracts/${id}/prepaid/draw-downs`, { minutes: 121 });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body).toMatchObject({ code: 'CONFLICT', balanceMinutes: 120, requestedMinutes: 121 });
    expect((await api.call('POST', `/api/v1/contracts/${id}/prepaid/draw-downs`, { minutes: 60 })).body.balanceAfter).toBe(60);
    const racers = await Promise.all(Array.from({ length: 4 }, () => api.call('POST', `/api/v1/contracts/${id}/prepaid/draw-downs`, { minutes: 60 })));
    expect(racers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    const ledger = await api.call('GET', `/api/v1/contracts/${id}/prepaid/ledger`);
    expect(ledger.body.balanceMinutes).toBe(0);
    expect(ledger.body.entries.map((e: { minutes: number }) => e.minutes)).toEqual([90, 30, -60, -60]);
    expect(ledger.body.entries.at(-1).balanceAfter).toBe(0);
    const read = await api.call('GET', `/api/v1/contracts/${id}`);
    expect(read.body.prepaid).toEqual({ purchasedMinutes: 120, balanceMinutes: 0 });
  });
});
