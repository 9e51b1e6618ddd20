import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApi, type TestApi } from './api-fixture.js';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const tag = () => randomUUID().slice(0, 8);
const fieldsOf = (body: { fields?: { field: string }[] }) => (body.fields ?? []).map((f) => f.field);

/** Follows nextCursor until the end; returns every page's items. */
async function allPages(url: string): Promise<{ pages: number; items: { id: string; [k: string]: unknown }[] }> {
  const items: { id: string }[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const reply = await api.call('GET', cursor ? `${url}${sep}cursor=${encodeURIComponent(cursor)}` : url);
    expect(reply.status).toBe(200);
    items.push(...reply.body.items);
    cursor = reply.body.nextCursor;
    pages++;
    expect(pages).toBeLessThan(50);
  } while (cursor);
  return { pages, items };
}

describe('authentication', () => {
  test('401 without a token and with a wrong token', async () => {
    const none = await api.call('GET', '/api/v1/customers', undefined, { authorization: undefined });
    expect(none.status).toBe(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.body.code).toBe('UNAUTHENTICATED');
    const wrong = await api.call('GET', '/api/v1/customers', undefined, { authorization: 'Bearer not-the-admin-token-at-all' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('UNAUTHENTICATED');
  });
});

describe('customers', () => {
  test('create, read, update with ETag and If-Match', async () => {
    const created = await api.call('POST', '/api/v1/customers', { name: 'Polar Foods', code: `PF-${tag()}`, email: 'ops@polar.example' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Polar Foods', email: 'ops@polar.example', phone: null, version: 1 });
    expect(created.headers.etag).toBe('"1"');
    expect(created.headers.location).toBe(`/api/v1/customers/${created.body.id}`);

    const read = await api.call('GET', `/api/v1/customers/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    expect(read.headers.etag).toBe('"1"');

    const updated = await api.call('PATCH', `/api/v1/customers/${created.body.id}`, { phone: '+33 1 23', email: null }, { 'if-match': '"1"' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ phone: '+33 1 23', email: null, name: 'Polar Foods', version: 2 });
    expect(updated.headers.etag).toBe('"2"');

    const stale = await api.call('PATCH', `/api/v1/customers/${created.body.id}`, { name: 'Lost update' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('PRECONDITION_FAILED');
    expect((await api.call('GET', `/api/v1/customers/${created.body.id}`)).body.name).toBe('Polar Foods');

    const weak = await api.call('PATCH', `/api/v1/customers/${created.body.id}`, { notes: 'gate B' }, { 'if-match': 'W/"2"' });
    expect(weak.body.version).toBe(3);
    const unconditional = await api.call('PATCH', `/api/v1/customers/${created.body.id}`, { name: 'Polar Foods SA' });
    expect(unconditional.body).toMatchObject({ name: 'Polar Foods SA', notes: 'gate B', version: 4 });
  });

  test('400 names the invalid fields, 404 for an unknown id, 400 for a bad uuid', async () => {
    const invalid = await api.call('POST', '/api/v1/customers', { email: 'not-an-email', extra: 1 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('VALIDATION_FAILED');
    expect(fieldsOf(invalid.body)).toEqual(expect.arrayContaining(['body.name', 'body.email']));
    expect(invalid.body.detail).toContain('body.name');

    const missing = await api.call('GET', `/api/v1/customers/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    expect((await api.call('PATCH', `/api/v1/customers/${randomUUID()}`, { name: 'x' })).status).toBe(404);

    const badId = await api.call('GET', '/api/v1/customers/not-a-uuid');
    expect(badId.status).toBe(400);
    expect(fieldsOf(badId.body)).toEqual(['params.id']);

    const badLimit = await api.call('GET', '/api/v1/customers?limit=0&sort=colour');
    expect(badLimit.status).toBe(400);
    expect(fieldsOf(badLimit.body)).toEqual(expect.arrayContaining(['querystring.limit', 'querystring.sort']));
  });

  test('409 on a duplicate customer code', async () => {
    const code = `DUP-${tag()}`;
    expect((await api.call('POST', '/api/v1/customers', { name: 'First', code })).status).toBe(201);
    const dup = await api.call('POST', '/api/v1/customers', { name: 'Second', code });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('CONFLICT');
  });

  test('pagination across pages, both directions, with the name filter', async () => {
    const t = tag();
    const names = ['delta', 'Alpha', 'echo', 'charlie', 'Bravo', 'golf', 'foxtrot'].map((n) => `${n} ${t}`);
    for (const name of names) expect((await api.call('POST', '/api/v1/customers', { name })).status).toBe(201);
    await api.call('POST', '/api/v1/customers', { name: 'Someone else entirely' });

    const expected = [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    const asc = await allPages(`/api/v1/customers?q=${t}&limit=3&sort=name`);
    expect(asc.pages).toBe(3);
    expect(asc.items.map((c) => c.name)).toEqual(expected);

    const desc = await allPages(`/api/v1/customers?q=${t.toUpperCase()}&limit=2&sort=-name`);
    expect(desc.pages).toBe(4);
    expect(desc.items.map((c) => c.name)).toEqual([...expected].reverse());

    const byCreation = await allPages(`/api/v1/customers?q=${t}&limit=2&sort=createdAt`);
    expect(byCreation.items.map((c) => c.name)).toEqual(names);

    const literal = await api.call('GET', `/api/v1/customers?q=${encodeURIComponent('%')}`);
    expect(literal.body.items).toEqual([]);
  });

  test('a cursor only works with the sort it was made for; garbage cursors are 400', async () => {
    const t = tag();
    for (const n of ['a', 'b', 'c']) await api.call('POST', '/api/v1/customers', { name: `${n} ${t}` });
    const first = await api.call('GET', `/api/v1/customers?q=${t}&limit=1&sort=name`);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const mixed = await api.call('GET', `/api/v1/customers?q=${t}&limit=1&sort=-name&cursor=${first.body.nextCursor}`);
    expect(mixed.status).toBe(400);
    expect(fieldsOf(mixed.body)).toEqual(['query.cursor']);
    const garbage = await api.call('GET', '/api/v1/customers?cursor=definitely-not-a-cursor');
    expect(garbage.status).toBe(400);
    const forged = Buffer.from(JSON.stringify({ s: 'createdAt', v: "'; DROP TABLE customers; --", i: randomUUID() })).toString('base64url');
    expect((await api.call('GET', `/api/v1/customers?sort=createdAt&cursor=${forged}`)).status).toBe(400);
  });
});

describe('sites', () => {
  test('create, filter by customer, update; unknown customer is a named validation error', async () => {
    const a = await api.call('POST', '/api/v1/customers', { name: `Site owner A ${tag()}` });
    const b = await api.call('POST', '/api/v1/customers', { name: `Site owner B ${tag()}` });
    const s1 = await api.call('POST', '/api/v1/sites', { customerId: a.body.id, name: 'Plant 1', city: 'Lyon', latitude: 45.76, longitude: 4.83 });
    expect(s1.status).toBe(201);
    expect(s1.body).toMatchObject({ customerId: a.body.id, city: 'Lyon', latitude: 45.76, version: 1 });
    await api.call('POST', '/api/v1/sites', { customerId: a.body.id, name: 'Plant 2' });
    await api.call('POST', '/api/v1/sites', { customerId: b.body.id, name: 'Depot' });

    const ofA = await allPages(`/api/v1/sites?customerId=${a.body.id}&limit=1`);
    expect(ofA.items.map((s) => s.name)).toEqual(['Plant 1', 'Plant 2']);
    const byCity = await api.call('GET', `/api/v1/sites?customerId=${a.body.id}&q=lyo`);
    expect(byCity.body.items.map((s: { name: string }) => s.name)).toEqual(['Plant 1']);

    const unknown = await api.call('POST', '/api/v1/sites', { customerId: randomUUID(), name: 'Nowhere' });
    expect(unknown.status).toBe(400);
    expect(fieldsOf(unknown.body)).toEqual(['body.customerId']);
    const badLat = await api.call('POST', '/api/v1/sites', { customerId: a.body.id, name: 'Pole', latitude: 91 });
    expect(fieldsOf(badLat.body)).toEqual(['body.latitude']);

    const patched = await api.call('PATCH', `/api/v1/sites/${s1.body.id}`, { accessNotes: 'Code 1234' }, { 'if-match': '"1"' });
    expect(patched.body).toMatchObject({ accessNotes: 'Code 1234', version: 2 });
    expect((await api.call('PATCH', `/api/v1/sites/${s1.body.id}`, { city: null }, { 'if-match': '"1"' })).status).toBe(412);
    expect((await api.call('PATCH', `/api/v1/sites/${s1.body.id}`, { customerId: b.body.id })).status).toBe(400);
    expect((await api.call('GET', `/api/v1/sites/${randomUUID()}`)).status).toBe(404);
  });
});

describe('assets', () => {
  async function site(): Promise<{ customerId: string; siteId: string }> {
    const c = await api.call('POST', '/api/v1/customers', { name: `Asset owner ${tag()}` });
    const s = await api.call('POST', '/api/v1/sites', { customerId: c.body.id, name: 'Main plant' });
    return { customerId: c.body.id, siteId: s.body.id };
  }

  test('create and read: dates round-trip as calendar dates, customer id comes from the site', async () => {
    const { customerId, siteId } = await site();
    const created = await api.call('POST', '/api/v1/assets', {
      siteId,
      modelId: 'chiller-x',
      serialNumber: `CX-${tag()}`,
      name: 'Roof chiller',
      installDate: '2024-03-01',
      warrantyEnd: '2026-02-28',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ siteId, customerId, modelId: 'chiller-x', installDate: '2024-03-01', warrantyEnd: '2026-02-28', version: 1 });
    expect(created.headers.etag).toBe('"1"');
    const read = await api.call('GET', `/api/v1/assets/${created.body.id}`);
    expect(read.body).toEqual(created.body);
  });

  test('unknown model, unknown site and warranty before install are named validation errors', async () => {
    const { siteId } = await site();
    const model = await api.call('POST', '/api/v1/assets', { siteId, modelId: 'no-such-model', serialNumber: 'X1' });
    expect(model.status).toBe(400);
    expect(model.body.code).toBe('VALIDATION_FAILED');
    expect(fieldsOf(model.body)).toEqual(['body.modelId']);
    const noSite = await api.call('POST', '/api/v1/assets', { siteId: randomUUID(), modelId: 'pump-y', serialNumber: 'X2' });
    expect(fieldsOf(noSite.body)).toEqual(['body.siteId']);
    const warranty = await api.call('POST', '/api/v1/assets', {
      siteId,
      modelId: 'pump-y',
      serialNumber: 'X3',
      installDate: '2024-05-01',
      warrantyEnd: '2024-04-30',
    });
    expect(warranty.status).toBe(400);
    expect(fieldsOf(warranty.body)).toEqual(['body.warrantyEnd']);
    const badDate = await api.call('POST', '/api/v1/assets', { siteId, modelId: 'pump-y', serialNumber: 'X4', installDate: '2024-13-01' });
    expect(fieldsOf(badDate.body)).toEqual(['body.installDate']);
  });

  test('serial numbers are unique per model (409), not across models', async () => {
    const { siteId } = await site();
    const serial = `SER-${tag()}`;
    expect((await api.call('POST', '/api/v1/assets', { siteId, modelId: 'chiller-x', serialNumber: serial })).status).toBe(201);
    const dup = await api.call('POST', '/api/v1/assets', { siteId, modelId: 'chiller-x', serialNumber: serial });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('CONFLICT');
    expect(dup.body.detail).toContain(serial);
    expect((await api.call('POST', '/api/v1/assets', { siteId, modelId: 'pump-y', serialNumber: serial })).status).toBe(201);

    const other = await api.call('POST', '/api/v1/assets', { siteId, modelId: 'chiller-x', serialNumber: `${serial}-2` });
    const renamed = await api.call('PATCH', `/api/v1/assets/${other.body.id}`, { serialNumber: serial });
    expect(renamed.status).toBe(409);
  });

  test('filters and pagination by creation time (ties broken by id)', async () => {
    const one = await site();
    const two = await site();
    const serials: string[] = [];
    const t = tag();
    for (let i = 0; i < 5; i++) {
      const serialNumber = `P-${t}-${i}`;
      serials.push(serialNumber);
      await api.call('POST', '/api/v1/assets', { siteId: one.siteId, modelId: i % 2 ? 'pump-y' : 'chiller-x', serialNumber });
    }
    await api.call('POST', '/api/v1/assets', { siteId: two.siteId, modelId: 'pump-y', serialNumber: `Q-${tag()}` });

    const bySite = await allPages(`/api/v1/assets?siteId=${one.siteId}&limit=2`);
    expect(bySite.pages).toBe(3);
    expect(bySite.items.map((a) => a.serialNumber)).toEqual(serials);
    const newestFirst = await allPages(`/api/v1/assets?customerId=${one.customerId}&limit=2&sort=-createdAt`);
    expect(newestFirst.items.map((a) => a.serialNumber)).toEqual([...serials].reverse());
    const pumps = await allPages(`/api/v1/assets?customerId=${one.customerId}&modelId=pump-y&limit=1&sort=serialNumber`);
    expect(pumps.items.map((a) => a.serialNumber)).toEqual([serials[1], serials[3]]);
    const exact = await api.call('GET', `/api/v1/assets?serialNumber=${serials[2]}`);
    expect(exact.body.items.map((a: { serialNumber: string }) => a.serialNumber)).toEqual([serials[2]]);
    expect((await api.call('GET', `/api/v1/assets?customerId=${two.customerId}`)).body.items).toHaveLength(1);
  });

  test('update: move site, stale If-Match is 412, warranty checked against the stored install date', async () => {
    const one = await site();
    const two = await site();
    const created = await api.call('POST', '/api/v1/assets', {
      siteId: one.siteId,
      modelId: 'pump-y',
      serialNumber: `U-${tag()}`,
      installDate: '2024-01-10',
    });
    const moved = await api.call(
      'PATCH',
      `/api/v1/assets/${created.body.id}`,
      { siteId: two.siteId, name: 'Booster' },
      { 'if-match': created.headers.etag as string },
    );
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ siteId: two.siteId, customerId: two.customerId, name: 'Booster', version: 2 });
    expect(moved.headers.etag).toBe('"2"');

    const stale = await api.call('PATCH', `/api/v1/assets/${created.body.id}`, { name: 'Stale' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    const early = await api.call('PATCH', `/api/v1/assets/${created.body.id}`, { warrantyEnd: '2023-12-31' });
    expect(early.status).toBe(400);
    expect(fieldsOf(early.body)).toEqual(['body.warrantyEnd']);
    const noSite = await api.call('PATCH', `/api/v1/assets/${created.body.id}`, { siteId: randomUUID() });
    expect(fieldsOf(noSite.body)).toEqual(['body.siteId']);
    const model = await api.call('PATCH', `/api/v1/assets/${created.body.id}`, { modelId: 'chiller-x' });
    expect(model.status).toBe(400);
    expect((await api.call('GET', `/api/v1/assets/${created.body.id}`)).body).toMatchObject({ version: 2, name: 'Booster', warrantyEnd: null });
  });
});
