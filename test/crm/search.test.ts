/** The desk's phone intake search: one box over customers, contacts, sites and assets. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { phoneQuery } from '../../src/service/search/phone-query.js';
import { fieldsOf, startServiceApi, type ServiceApi } from '../service/service-fixture.js';

let api: ServiceApi;
let ids: { customer: string; other: string; contact: string; site: string; asset: string };

beforeAll(async () => {
  api = await startServiceApi();
  const created = async (url: string, body: Record<string, unknown>) => {
    const reply = await api.call('POST', url, body);
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    return reply.body.id as string;
  };
  const customer = await created('/api/v1/customers', { name: 'Bäckerei Kornblume', code: 'KORN-01', phone: '030-1234 567', email: 'info@kornblume.test' });
  const other = await created('/api/v1/customers', { name: 'Kornhaus Logistik', phone: '+49 89 7654321' });
  const contact = await created('/api/v1/contacts', {
    customerId: customer,
    name: 'Hanna Weizenfeld',
    phones: [{ number: '+49 171 555 0123', label: 'mobile' }],
    emails: [{ address: 'hanna@kornblume.test' }],
  });
  const site = await created('/api/v1/sites', { customerId: customer, name: 'Filiale Mitte', address: 'Brunnenstraße 17', city: 'Berlin' });
  const asset = await created('/api/v1/assets', { siteId: site, modelId: 'chiller-x', serialNumber: 'CHX-2024-0042', name: 'Kühlzelle 1' });
  ids = { customer, other, contact, site, asset };
});
afterAll(async () => {
  await api?.close();
});

const search = async (q: string, headers?: Record<string, string>) => {
  const reply = await api.call('GET', `/api/v1/search?q=${encodeURIComponent(q)}`, undefined, headers);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.items as { type: string; id: string; customerId: string; label: string; detail: string; matched: string; rank: string }[];
};

describe('phone numbers are read in any writing', () => {
  test('international, 00 and national writings reduce to one national number', () => {
    expect(phoneQuery('+49 30 1234')).toEqual({ whole: ['49301234', '0049301234', '0301234', '301234'], core: '301234' });
    expect(phoneQuery('0049 30 1234')?.core).toBe('301234');
    expect(phoneQuery('030-1234')).toEqual({ whole: ['0301234', '301234'], core: '301234' });
    expect(phoneQuery('+1 (212) 555-0100')?.core).toBe('2125550100');
    expect(phoneQuery('+353 1 555')?.core).toBe('1555');
    expect(phoneQuery('Kornblume')).toBeUndefined();
    expect(phoneQuery('12')).toBeUndefined();
  });
});

describe('GET /search', () => {
  test('a phone number written another way finds the customer and the contact', async () => {
    const international = await search('+49 30 1234567');
    expect(international[0]).toMatchObject({ type: 'customer', id: ids.customer, matched: 'phone', rank: 'exact' });
    // A part of the number, national writing of a number stored internationally.
    const part = await search('0171 555');
    expect(part.map((h) => [h.type, h.id, h.matched])).toEqual([['contact', ids.contact, 'phone']]);
    expect(part[0]).toMatchObject({ customerId: ids.customer, label: 'Hanna Weizenfeld', rank: 'contains' });
    expect((await search('1234567')).map((h) => h.id)).toEqual([ids.customer]);
    // The other customer's number from abroad.
    expect((await search('0049 89 765')).map((h) => h.id)).toEqual([ids.other]);
  });

  test('names rank exact > prefix > contains, across types', async () => {
    const hits = await search('korn');
    // One customer's name starts with it, the other's code does: both prefix matches, before the
    // contact whose e-mail only contains it; within a rank, customers come first, then by label.
    expect(hits.map((h) => [h.type, h.id, h.matched, h.rank])).toEqual([
      ['customer', ids.customer, 'code', 'prefix'],
      ['customer', ids.other, 'name', 'prefix'],
      ['contact', ids.contact, 'email', 'contains'],
    ]);
    const exact = await search('bäckerei kornblume');
    expect(exact[0]).toMatchObject({ id: ids.customer, rank: 'exact', matched: 'name' });
  });

  test('e-mail, address, city and serial number', async () => {
    expect((await search('HANNA@kornblume.test'))[0]).toMatchObject({ type: 'contact', id: ids.contact, matched: 'email', rank: 'exact' });
    expect(await search('brunnenstr')).toEqual([
      expect.objectContaining({
        type: 'site',
        id: ids.site,
        customerId: ids.customer,
        matched: 'address',
        rank: 'prefix',
        detail: 'Brunnenstraße 17, Berlin · Bäckerei Kornblume',
      }),
    ]);
    expect((await search('berlin'))[0]).toMatchObject({ type: 'site', matched: 'address', rank: 'exact' });
    const serial = await search('2024-0042');
    expect(serial).toEqual([
      expect.objectContaining({ type: 'asset', id: ids.asset, customerId: ids.customer, label: 'Kühlzelle 1', matched: 'serialNumber', rank: 'contains' }),
    ]);
    expect(serial[0]!.detail).toContain('SN CHX-2024-0042');
    expect((await search('chx-2024-0042'))[0]).toMatchObject({ rank: 'exact' });
  });

  test('LIKE wildcards in the text are literal; limit caps the results', async () => {
    expect(await search('%')).toEqual([]);
    expect(await search('_')).toEqual([]);
    const all = await api.call('GET', '/api/v1/search?q=e&limit=2');
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(2);
  });

  test('bad input is a 400 problem naming the parameter', async () => {
    for (const url of ['/api/v1/search', '/api/v1/search?q=', '/api/v1/search?q=%20%20', '/api/v1/search?q=x&limit=0', '/api/v1/search?q=x&limit=51']) {
      const reply = await api.call('GET', url);
      expect(reply.status, url).toBe(400);
      expect(reply.headers['content-type'], url).toContain('application/problem+json');
      expect(reply.body.code).toBe('VALIDATION_FAILED');
      expect(fieldsOf(reply.body).length, url).toBe(1);
    }
  });

  test('agents and technicians search; customers may not', async () => {
    const agent = await api.user('agent');
    expect((await search('kornblume', agent.auth)).length).toBeGreaterThan(0);
    const technician = await api.user('technician');
    expect((await search('kornblume', technician.auth)).length).toBeGreaterThan(0);
    const customer = await api.user('customer', { customerId: ids.customer });
    const refused = await api.call('GET', '/api/v1/search?q=korn', undefined, customer.auth);
    expect(refused.status).toBe(403);
  });
});
