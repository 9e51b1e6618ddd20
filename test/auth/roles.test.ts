import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { seedAsset, startApi, type TestApi } from '../api/api-fixture.js';
import { ALL_ROLES, type ZodApp } from '../../src/kernel/http/http.types.js';
import { money } from '../../src/access/auth/money.js';
import { moneyMapOf, redactMoney } from '../../src/access/auth/money-redaction.js';
import { auditTrail } from '../../src/access/audit/audit.service.js';
import { PASSWORD, userWithRole, type TestUser } from './auth-fixture.js';

/** A priced resource, as contracts and invoices are: money in `price` and `unitCost`. */
const line = z.object({ sku: z.string(), unitCost: money('part.unitCost', z.number()) });
const offer = z.object({ id: z.string(), name: z.string(), price: money('contract.value', z.number()), lines: z.array(line) });

async function pricedRoute(app: ZodApp): Promise<void> {
  app.get(
    '/test/offers',
    {
      config: { roles: ALL_ROLES },
      schema: { response: { 200: z.object({ items: z.array(offer), nextCursor: z.string().nullable() }) } },
    },
    async () => ({ items: [{ id: 'o1', name: 'Service plan', price: 1200, lines: [{ sku: 'P-1', unitCost: 80 }] }], nextCursor: null }),
  );
}

let api: TestApi;
let mine: { customerId: string; siteId: string; assetId: string };
let other: { customerId: string; siteId: string; assetId: string };
let customerUser: TestUser;
let agent: TestUser;
let technician: TestUser;
let dispatcher: TestUser;

beforeAll(async () => {
  api = await startApi({ extraRoutes: [pricedRoute] });
  mine = await seedAsset(api, `mine-${randomUUID().slice(0, 8)}`);
  other = await seedAsset(api, `other-${randomUUID().slice(0, 8)}`);
  customerUser = await userWithRole(api, 'customer', mine.customerId);
  agent = await userWithRole(api, 'agent');
  technician = await userWithRole(api, 'technician');
  dispatcher = await userWithRole(api, 'dispatcher');
});
afterAll(async () => {
  await api?.close();
});

const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);

describe('customer users see only their own customer', () => {
  test('lists are scoped, even when filtering for another customer', async () => {
    const as = customerUser.auth;
    expect(ids((await api.call('GET', '/api/v1/assets', undefined, as)).body)).toEqual([mine.assetId]);
    expect(ids((await api.call('GET', `/api/v1/assets?customerId=${other.customerId}`, undefined, as)).body)).toEqual([]);
    expect(ids((await api.call('GET', '/api/v1/sites', undefined, as)).body)).toEqual([mine.siteId]);
    expect(ids((await api.call('GET', '/api/v1/customers', undefined, as)).body)).toEqual([mine.customerId]);
    // Staff see both.
    expect(ids((await api.call('GET', '/api/v1/assets', undefined, technician.auth)).body)).toEqual(expect.arrayContaining([mine.assetId, other.assetId]));
  });

  test("another customer's records are 404, not 403; their own are 200", async () => {
    const as = customerUser.auth;
    for (const [kind, own, foreign] of [
      ['assets', mine.assetId, other.assetId],
      ['sites', mine.siteId, other.siteId],
      ['customers', mine.customerId, other.customerId],
    ] as const) {
      expect((await api.call('GET', `/api/v1/${kind}/${own}`, undefined, as)).status, kind).toBe(200);
      const foreignReply = await api.call('GET', `/api/v1/${kind}/${foreign}`, undefined, as);
      expect(foreignReply.status, kind).toBe(404);
      expect(foreignReply.body.code).toBe('NOT_FOUND');
    }
  });

  test('no writes and no device provisioning for customers', async () => {
    const as = customerUser.auth;
    expect((await api.call('POST', '/api/v1/customers', { name: 'Me again' }, as)).status).toBe(403);
    expect((await api.call('PATCH', `/api/v1/assets/${mine.assetId}`, { name: 'mine' }, as)).status).toBe(403);
    expect((await api.call('POST', `/api/v1/assets/${mine.assetId}/device`, undefined, as)).status).toBe(403);
    expect((await api.call('GET', `/api/v1/assets/${mine.assetId}/device`, undefined, as)).status).toBe(403);
  });

  test('a customer user must belong to an existing customer; staff must not', async () => {
    expect((await api.call('POST', '/api/v1/users', { email: `c-${randomUUID()}@x.test`, name: 'C', role: 'customer' })).status).toBe(400);
    const staff = await api.call('POST', '/api/v1/users', { email: `s-${randomUUID()}@x.test`, name: 'S', role: 'agent', customerId: mine.customerId });
    expect(staff.status).toBe(400);
    expect(staff.body.fields[0].field).toBe('body.customerId');
  });
});

describe('staff roles', () => {
  test('agents create customers, sites and assets but never provision devices or edit assets', async () => {
    const created = await api.call('POST', '/api/v1/customers', { name: 'Walk-in Ltd' }, agent.auth);
    expect(created.status).toBe(201);
    const site = await api.call('POST', '/api/v1/sites', { customerId: created.body.id, name: 'Main' }, agent.auth);
    expect(site.status).toBe(201);
    const asset = await api.call('POST', '/api/v1/assets', { siteId: site.body.id, modelId: 'pump-y', serialNumber: `AG-${randomUUID()}` }, agent.auth);
    expect(asset.status).toBe(201);
    expect((await api.call('PATCH', `/api/v1/assets/${asset.body.id}`, { name: 'x' }, agent.auth)).status).toBe(403);
    expect((await api.call('POST', `/api/v1/assets/${asset.body.id}/device`, undefined, agent.auth)).status).toBe(403);
    expect((await api.call('POST', `/api/v1/assets/${asset.body.id}/device`, undefined, dispatcher.auth)).status).toBe(201);
  });

  test('technicians read but do not write CRM records; only admins manage users', async () => {
    expect((await api.call('GET', `/api/v1/customers/${mine.customerId}`, undefined, technician.auth)).status).toBe(200);
    expect((await api.call('POST', '/api/v1/customers', { name: 'No' }, technician.auth)).status).toBe(403);
    expect((await api.call('GET', '/api/v1/users', undefined, dispatcher.auth)).status).toBe(403);
    expect((await api.call('POST', '/api/v1/api-keys', { name: 'x', role: 'admin' }, dispatcher.auth)).status).toBe(403);
  });

  test('a demoted user loses the old role at once: the old token is revoked, a new one carries the new role', async () => {
    const user = await userWithRole(api, 'dispatcher');
    expect((await api.call('POST', '/api/v1/customers', { name: 'Before' }, user.auth)).status).toBe(201);
    expect((await api.call('PATCH', `/api/v1/users/${user.id}`, { role: 'technician' })).status).toBe(200);
    expect((await api.call('POST', '/api/v1/customers', { name: 'After' }, user.auth)).status).toBe(401);
    const login = await api.call('POST', '/api/v1/auth/login', { email: user.email, password: PASSWORD }, { authorization: undefined });
    expect((await api.call('POST', '/api/v1/customers', { name: 'After' }, { authorization: `Bearer ${login.body.token}` })).status).toBe(403);
  });
});

describe('money fields', () => {
  test('agents never see them, at any depth; other roles do', async () => {
    const asAgent = await api.call('GET', '/api/v1/test/offers', undefined, agent.auth);
    expect(asAgent.status).toBe(200);
    expect(asAgent.body).toEqual({ items: [{ id: 'o1', name: 'Service plan', lines: [{ sku: 'P-1' }] }], nextCursor: null });
    expect(JSON.stringify(asAgent.body)).not.toMatch(/price|unitCost|1200/);
    const asDispatcher = await api.call('GET', '/api/v1/test/offers', undefined, dispatcher.auth);
    expect(asDispatcher.body.items[0]).toMatchObject({ price: 1200, lines: [{ unitCost: 80 }] });
  });

  test('redactMoney is a deep copy without the marked fields the role does not see', () => {
    const schema = z.object({ a: z.number(), price: money('contract.value', z.number()), nested: z.array(z.object({ price: z.number(), b: z.array(line) })) });
    const value = { a: 1, price: 2, nested: [{ price: 3, b: [{ sku: 'x', unitCost: 4 }] }] };
    // An unmarked field of the same name (nested price) stays: the rule is per field, not per name.
    expect(redactMoney(value, moneyMapOf(schema)!, 'agent')).toEqual({ a: 1, nested: [{ price: 3, b: [{ sku: 'x' }] }] });
    expect(redactMoney(value, moneyMapOf(schema)!, 'customer')).toEqual({ a: 1, price: 2, nested: [{ price: 3, b: [{ sku: 'x' }] }] });
    expect(redactMoney(value, moneyMapOf(schema)!, 'admin')).toEqual(value);
    expect(value.price).toBe(2);
  });
});

describe('customer audit log', () => {
  test('create and update record the actor and a field-by-field diff', async () => {
    const created = await api.call('POST', '/api/v1/customers', { name: 'Audited SA', email: 'a@audited.test' }, dispatcher.auth);
    const id = created.body.id;
    await api.call('PATCH', `/api/v1/customers/${id}`, { phone: '+41 22 000', email: null }, agent.auth);
    await api.call('PATCH', `/api/v1/customers/${id}`, { name: 'Audited SA' }); // no change: no row
    await api.call('PATCH', `/api/v1/customers/${id}`, { notes: 'VIP' });
    const trail = await auditTrail(api.db, 'customer', id);
    expect(trail.map((r) => [r.action, r.actorType, r.actorId])).toEqual([
      ['create', 'user', dispatcher.id],
      ['update', 'user', agent.id],
      ['update', 'admin_token', 'bootstrap'],
    ]);
    expect(trail[0]!.changes).toMatchObject({ name: 'Audited SA', email: 'a@audited.test', phone: null });
    expect(trail[1]!.changes).toEqual({ phone: { from: null, to: '+41 22 000' }, email: { from: 'a@audited.test', to: null } });
    expect(trail[2]!.changes).toEqual({ notes: { from: null, to: 'VIP' } });
  });

  test('a failed update writes no audit row', async () => {
    const created = await api.call('POST', '/api/v1/customers', { name: 'Stale Co' });
    const stale = await api.call('PATCH', `/api/v1/customers/${created.body.id}`, { name: 'Lost' }, { 'if-match': '"7"' });
    expect(stale.status).toBe(412);
    expect((await auditTrail(api.db, 'customer', created.body.id)).map((r) => r.action)).toEqual(['create']);
  });
});
