import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_TOKEN, fieldsOf, startServiceApi, type ServiceApi } from '../service/service-fixture.js';

let api: ServiceApi;
beforeAll(async () => {
  api = await startServiceApi();
  // Customer fields: one of each type.
  for (const field of [
    { key: 'segment', label: 'Segment', type: 'enum', options: ['retail', 'industry', 'public'], required: true, filterable: true },
    { key: 'employees', label: 'Employees', type: 'number', filterable: true },
    { key: 'vip', label: 'VIP', type: 'boolean', filterable: true },
    { key: 'since', label: 'Customer since', type: 'date' },
    { key: 'erp_note', label: 'ERP note', type: 'text' },
  ]) {
    const reply = await api.call('POST', '/api/v1/custom-fields', { entity: 'customer', ...field });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  }
  const asset = await api.call('POST', '/api/v1/custom-fields', { entity: 'asset', key: 'floor', label: 'Floor', type: 'number', filterable: true });
  expect(asset.status).toBe(201);
});
afterAll(async () => {
  await api?.close();
});

const createCustomer = (body: Record<string, unknown>) => api.call('POST', '/api/v1/customers', { name: `Cust ${Math.random()}`, ...body });

describe('definitions', () => {
  test('CRUD by admin; read by everyone; duplicate key 409; immutable type; ETag', async () => {
    const list = await api.call('GET', '/api/v1/custom-fields?entity=customer');
    expect(list.body.items.map((f: { key: string }) => f.key)).toEqual(['employees', 'erp_note', 'segment', 'since', 'vip']);
    const dup = await api.call('POST', '/api/v1/custom-fields', { entity: 'customer', key: 'vip', label: 'Again', type: 'text' });
    expect(dup.status).toBe(409);
    const created = await api.call('POST', '/api/v1/custom-fields', { entity: 'contact', key: 'shoe_size', label: 'Shoe', type: 'number' });
    expect(created.headers.etag).toBe('"1"');
    const stale = await api.call('PATCH', `/api/v1/custom-fields/${created.body.id}`, { label: 'Shoe size' }, { 'if-match': '"7"' });
    expect(stale.status).toBe(412);
    const renamed = await api.call('PATCH', `/api/v1/custom-fields/${created.body.id}`, { label: 'Shoe size' }, { 'if-match': '"1"' });
    expect(renamed.body).toMatchObject({ label: 'Shoe size', version: 2, type: 'number' });
    const retype = await api.call('PATCH', `/api/v1/custom-fields/${created.body.id}`, { type: 'text' });
    expect(retype.status).toBe(400);
    const options = await api.call('PATCH', `/api/v1/custom-fields/${created.body.id}`, { options: ['a'] });
    expect(fieldsOf(options.body)).toEqual(['body.options']);
    const agent = await api.user('agent');
    expect((await api.call('GET', `/api/v1/custom-fields/${created.body.id}`, undefined, agent.auth)).status).toBe(200);
    expect((await api.call('POST', '/api/v1/custom-fields', { entity: 'site', key: 'x', label: 'X', type: 'text' }, agent.auth)).status).toBe(403);
  });

  test('bad definitions are 400 naming the fields', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ entity: 'invoice', key: 'a', label: 'A', type: 'text' }, ['body.entity']],
      [{ entity: 'site', key: 'Bad Key', label: 'A', type: 'text' }, ['body.key']],
      [{ entity: 'site', key: 'a', label: '', type: 'text' }, ['body.label']],
      [{ entity: 'site', key: 'a', label: 'A', type: 'colour' }, ['body.type']],
      [{ entity: 'site', key: 'a', label: 'A', type: 'enum' }, ['body.options']],
      [{ entity: 'site', key: 'a', label: 'A', type: 'text', options: ['x'] }, ['body.options']],
      [{ entity: 'site', key: 'a', label: 'A', type: 'enum', options: ['x', 'x'] }, ['body.options']],
    ];
    for (const [body, fields] of cases) {
      const reply = await api.call('POST', '/api/v1/custom-fields', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(fieldsOf(reply.body), JSON.stringify(body)).toEqual(fields);
    }
    expect((await api.call('GET', '/api/v1/custom-fields?entity=nope')).status).toBe(400);
  });
});

describe('values on customers', () => {
  test('valid values of each type are stored and returned', async () => {
    const custom = { segment: 'industry', employees: 250, vip: true, since: '2019-04-01', erp_note: 'pays late' };
    const reply = await createCustomer({ custom });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.custom).toEqual(custom);
    expect((await api.call('GET', `/api/v1/customers/${reply.body.id}`)).body.custom).toEqual(custom);
  });

  test('each type, enum, required and unknown key is checked, all problems named at once', async () => {
    const bad = await createCustomer({ custom: { segment: 'space', employees: 'many', vip: 'yes', since: '2019-02-30', color: 'red' } });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body).sort()).toEqual(['body.custom.color', 'body.custom.employees', 'body.custom.segment', 'body.custom.since', 'body.custom.vip']);
    const missing = await createCustomer({});
    expect(fieldsOf(missing.body)).toEqual(['body.custom.segment']);
    const wrongText = await createCustomer({ custom: { segment: 'retail', erp_note: 42 } });
    expect(fieldsOf(wrongText.body)).toEqual(['body.custom.erp_note']);
    const nested = await createCustomer({ custom: { segment: 'retail', erp_note: { a: 1 } } });
    expect(nested.status).toBe(400);
    expect(fieldsOf(nested.body)[0]).toMatch(/^body\.custom/);
  });

  test('PATCH merges, null removes, required stays enforced when custom changes', async () => {
    const created = await createCustomer({ custom: { segment: 'retail', vip: false } });
    const id = created.body.id;
    const merged = await api.call('PATCH', `/api/v1/customers/${id}`, { custom: { employees: 12, vip: null } });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    expect(merged.body.custom).toEqual({ segment: 'retail', employees: 12 });
    const dropRequired = await api.call('PATCH', `/api/v1/customers/${id}`, { custom: { segment: null } });
    expect(fieldsOf(dropRequired.body)).toEqual(['body.custom.segment']);
    const badEnum = await api.call('PATCH', `/api/v1/customers/${id}`, { custom: { segment: 'moon' } });
    expect(fieldsOf(badEnum.body)).toEqual(['body.custom.segment']);
    // Other fields change without touching custom values.
    const renamed = await api.call('PATCH', `/api/v1/customers/${id}`, { name: 'Renamed' });
    expect(renamed.body.custom).toEqual({ segment: 'retail', employees: 12 });
  });

  test('lists filter on filterable fields, typed; others are 400 naming query.custom.<key>', async () => {
    const tag = `F${Date.now()}`;
    await createCustomer({ name: `${tag} a`, custom: { segment: 'public', employees: 10, vip: true } });
    await createCustomer({ name: `${tag} b`, custom: { segment: 'public', employees: 99, vip: false } });
    await createCustomer({ name: `${tag} c`, custom: { segment: 'retail', employees: 10, vip: true } });
    const names = async (query: string) => {
      const reply = await api.call('GET', `/api/v1/customers?q=${tag}&${query}`);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      return reply.body.items.map((c: { name: string }) => c.name.slice(tag.length + 1));
    };
    expect(await names('custom.segment=public')).toEqual(['a', 'b']);
    expect(await names('custom.segment=public&custom.vip=true')).toEqual(['a']);
    expect(await names('custom.employees=10')).toEqual(['a', 'c']);
    const notFilterable = await api.call('GET', '/api/v1/customers?custom.since=2020-01-01');
    expect(fieldsOf(notFilterable.body)).toEqual(['query.custom.since']);
    const unknown = await api.call('GET', '/api/v1/customers?custom.nope=1');
    expect(fieldsOf(unknown.body)).toEqual(['query.custom.nope']);
    const badNumber = await api.call('GET', '/api/v1/customers?custom.employees=ten');
    expect(fieldsOf(badNumber.body)).toEqual(['query.custom.employees']);
    const badBool = await api.call('GET', '/api/v1/customers?custom.vip=maybe');
    expect(fieldsOf(badBool.body)).toEqual(['query.custom.vip']);
    const stray = await api.call('GET', '/api/v1/customers?colour=red');
    expect(stray.status).toBe(400);
  });
});

describe('values on assets', () => {
  test('validated on create and PATCH, filterable in the list, removed with the definition', async () => {
    // The required customer field applies to every new customer, so this one carries it.
    const customer = await createCustomer({ custom: { segment: 'retail' } });
    const customerId: string = customer.body.id;
    const siteId: string = (await api.call('POST', '/api/v1/sites', { customerId, name: 'Plant' })).body.id;
    const asset = (serial: string, custom?: unknown) =>
      api.call('POST', '/api/v1/assets', { siteId, modelId: 'chiller-x', serialNumber: serial, ...(custom ? { custom } : {}) });
    const bad = await asset('CF-1', { floor: 'third' });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['body.custom.floor']);
    const unknown = await asset('CF-1', { room: 'B' });
    expect(fieldsOf(unknown.body)).toEqual(['body.custom.room']);
    const a = await asset('CF-1', { floor: 3 });
    expect(a.status).toBe(201);
    expect(a.body.custom).toEqual({ floor: 3 });
    const b = await asset('CF-2');
    const patched = await api.call('PATCH', `/api/v1/assets/${b.body.id}`, { custom: { floor: 3 } });
    expect(patched.body.custom).toEqual({ floor: 3 });
    const badPatch = await api.call('PATCH', `/api/v1/assets/${b.body.id}`, { custom: { floor: true } });
    expect(fieldsOf(badPatch.body)).toEqual(['body.custom.floor']);
    await asset('CF-3', { floor: 1 });
    const third = await api.call('GET', `/api/v1/assets?customerId=${customerId}&custom.floor=3`);
    expect(third.body.items.map((x: { serialNumber: string }) => x.serialNumber).sort()).toEqual(['CF-1', 'CF-2']);

    const definition = (await api.call('GET', '/api/v1/custom-fields?entity=asset')).body.items.find((f: { key: string }) => f.key === 'floor');
    const removed = await api.app.inject({
      method: 'DELETE',
      url: `/api/v1/custom-fields/${definition.id}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(removed.statusCode).toBe(204);
    const after = await api.call('GET', `/api/v1/assets/${a.body.id}`);
    expect(after.body.custom).toEqual({});
    expect(after.body.version).toBe(a.body.version + 1);
    expect((await api.call('GET', `/api/v1/assets?custom.floor=3`)).status).toBe(400);
  });
});
