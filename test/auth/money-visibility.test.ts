/**
 * Money is shown per field (src/access/auth/money.ts): technicians and agents receive none of it from
 * technicians, contracts, parts, visits and the customer 360; customers see what they are charged
 * but never our costs; admins see everything. The OpenAPI document still describes every money
 * field (with x-money and x-visible-to), and no response field that looks like money is unmarked.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_TOKEN, seedAsset, startApi, type TestApi } from '../api/api-fixture.js';
import { MONEY_AUDIENCES, MONEY_FIELDS } from '../../src/access/auth/money.js';
import { userWithRole, type TestUser } from './auth-fixture.js';

let api: TestApi;
let seeded: { customerId: string; siteId: string; assetId: string };
let technician: TestUser;
let colleague: TestUser;
let agent: TestUser;
let customer: TestUser;
let contractId: string;
let visitId: string;
const sku = `MONEY-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  api = await startApi();
  seeded = await seedAsset(api, `money-${randomUUID().slice(0, 8)}`);
  technician = await userWithRole(api, 'technician');
  colleague = await userWithRole(api, 'technician');
  agent = await userWithRole(api, 'agent');
  customer = await userWithRole(api, 'customer', seeded.customerId);
  for (const t of [technician, colleague]) {
    const profile = await api.app.inject({
      method: 'PUT',
      url: `/api/v1/technicians/${t.id}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { hourlyCost: 45.5 },
    });
    expect(profile.statusCode, profile.body).toBe(200);
  }
  const contract = await api.call('POST', '/api/v1/contracts', {
    customerId: seeded.customerId,
    name: 'Full service',
    startsOn: '2025-01-01',
    value: 12000,
    currency: 'EUR',
  });
  expect(contract.status, JSON.stringify(contract.body)).toBe(201);
  contractId = contract.body.id;
  expect((await api.call('POST', '/api/v1/parts', { sku, description: 'Compressor', unitPrice: 900, unitCost: 610 })).status).toBe(201);
  const ticket = await api.call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'Noisy', assetId: seeded.assetId });
  expect(ticket.status, JSON.stringify(ticket.body)).toBe(201);
  const visit = await api.call('POST', `/api/v1/tickets/${ticket.body.id}/visits`, {
    technicianId: technician.id,
    plannedStart: '2030-03-11T09:00:00Z',
    plannedEnd: '2030-03-11T11:00:00Z',
  });
  expect(visit.status, JSON.stringify(visit.body)).toBe(201);
  visitId = visit.body.id;
  expect((await api.call('POST', `/api/v1/visits/${visitId}/parts`, { sku, quantity: 1, unitPrice: 850 })).status).toBe(201);
});
afterAll(async () => {
  await api?.close();
});

const get = (url: string, user?: TestUser) => api.call('GET', url, undefined, user?.auth);

describe('per-field money visibility', () => {
  test('technicians see no hourly cost: neither their own nor a colleague’s; admins do', async () => {
    for (const url of [`/api/v1/technicians/${colleague.id}`, `/api/v1/technicians/${technician.id}`]) {
      const seen = await get(url, technician);
      expect(seen.status).toBe(200);
      expect(seen.body).not.toHaveProperty('hourlyCost');
    }
    const list = await get('/api/v1/technicians', technician);
    expect(list.body.items.length).toBeGreaterThanOrEqual(2);
    for (const item of list.body.items) expect(item).not.toHaveProperty('hourlyCost');
    for (const item of (await get('/api/v1/technicians', agent)).body.items) expect(item).not.toHaveProperty('hourlyCost');
    expect((await get(`/api/v1/technicians/${colleague.id}`)).body.hourlyCost).toBe(45.5);
  });

  test('contract values: hidden from technicians and agents, shown to the customer and admin', async () => {
    for (const user of [technician, agent]) {
      const one = await get(`/api/v1/contracts/${contractId}`, user);
      expect(one.status).toBe(200);
      expect(one.body).not.toHaveProperty('value');
      expect(one.body).not.toHaveProperty('currency');
      const view = await get(`/api/v1/customers/${seeded.customerId}/360`, user);
      expect(view.status).toBe(200);
      expect(view.body.profile.tierBasis).not.toHaveProperty('activeContractValue');
      for (const c of view.body.contracts) expect(c).not.toHaveProperty('value');
    }
    expect((await get(`/api/v1/contracts/${contractId}`, customer)).body).toMatchObject({ value: 12000, currency: 'EUR' });
    expect((await get(`/api/v1/contracts/${contractId}`)).body).toMatchObject({ value: 12000, currency: 'EUR' });
    expect((await get(`/api/v1/customers/${seeded.customerId}/360`)).body.profile.tierBasis.activeContractValue).toBe(12000);
  });

  test('parts: technicians and agents see neither price nor cost; admins see both', async () => {
    for (const user of [technician, agent]) {
      const list = await get(`/api/v1/parts?limit=200`, user);
      expect(list.status).toBe(200);
      const part = list.body.items.find((p: { sku: string }) => p.sku === sku);
      expect(part).toMatchObject({ sku, description: 'Compressor' });
      expect(part).not.toHaveProperty('unitPrice');
      expect(part).not.toHaveProperty('unitCost');
    }
    const asAdmin = (await get('/api/v1/parts?limit=200')).body.items.find((p: { sku: string }) => p.sku === sku);
    expect(asAdmin).toMatchObject({ unitPrice: 900, unitCost: 610 });
  });

  test('visits: the part price reaches the customer who pays it and the back office, not the technician or agent', async () => {
    for (const user of [technician, agent]) {
      const visit = await get(`/api/v1/visits/${visitId}`, user);
      expect(visit.status).toBe(200);
      expect(visit.body.parts[0]).toMatchObject({ sku });
      expect(visit.body.parts[0]).not.toHaveProperty('unitPrice');
    }
    expect((await get(`/api/v1/visits/${visitId}`, customer)).body.parts[0].unitPrice).toBe(850);
    expect((await get(`/api/v1/visits/${visitId}`)).body.parts[0].unitPrice).toBe(850);
  });
});

describe('the money registry and the OpenAPI document', () => {
  /** Response fields that look like money but are not (with why). */
  const NOT_MONEY = [
    /\.generatedAt$/, // a timestamp ("rate" in the name)
    /\.totalAvailable$/, // a stock quantity
    /\.dailyRate$/, // parts consumed per day
    /\.dailyRateHours$/, // running hours per day
    /\.marginHours$/, // time left before a predicted limit
    /^GET \/api\/v1\/rejections\/counts 200\.total$/, // a count of rejected readings
    /\.priority\.value$/, // a ticket priority
    /\.commands\{\}\.parameters\{\}\.values$/, // the allowed values of a device command's parameter
    /^GET \/api\/v1\/tickets\/counts 200\.total$/, // a count of tickets
  ];
  const LOOKS_LIKE_MONEY = /price|cost|amount|revenue|margin|rate|total|value|currency|fee|charge/i;

  test('every response field that looks like money is a declared money field, described with its audience', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>;
    };
    const unmarked: string[] = [];
    const marked = new Set<string>();
    const walk = (schema: unknown, path: string): void => {
      if (!schema || typeof schema !== 'object') return;
      const s = schema as Record<string, unknown>;
      for (const key of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(s[key])) (s[key] as unknown[]).forEach((x) => walk(x, path));
      if (s.items) walk(s.items, `${path}[]`);
      if (s.additionalProperties && typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${path}{}`);
      for (const [name, property] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if (property['x-money']) {
          marked.add(String(property['x-money']));
          const field = MONEY_FIELDS[property['x-money'] as keyof typeof MONEY_FIELDS];
          expect(property['x-visible-to'], `${path}.${name}`).toEqual([...MONEY_AUDIENCES[field.kind]]);
          expect(String(property.description)).toContain('Money (');
        } else if (LOOKS_LIKE_MONEY.test(name) && !NOT_MONEY.some((pattern) => pattern.test(`${path}.${name}`))) {
          unmarked.push(`${path}.${name}`);
        }
        walk(property, `${path}.${name}`);
      }
    };
    for (const [url, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses ?? {}))
          walk(response.content?.['application/json']?.schema, `${method.toUpperCase()} ${url} ${status}`);
      }
    }
    expect(unmarked).toEqual([]);
    // Every declared money field is used by some response.
    expect([...marked].sort()).toEqual(Object.keys(MONEY_FIELDS).sort());
  });
});
