import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tierOf } from '../../src/service/customers/customer-tier.js';
import { fieldsOf, seedCustomer, startServiceApi, type ServiceApi } from '../service/service-fixture.js';

let api: ServiceApi;
beforeAll(async () => {
  api = await startServiceApi('2025-03-10T08:00:00.000Z');
});
afterAll(async () => {
  await api?.close();
});

const HOUR = 3_600_000;

async function ticket(body: Record<string, unknown>) {
  const reply = await api.call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'Chiller down', ...body });
  if (reply.status !== 201) throw new Error(`ticket create failed: ${JSON.stringify(reply.body)}`);
  return reply.body as { id: string; responseDueAt: string; resolutionDueAt: string };
}
const resolve = (id: string) => api.call('POST', `/api/v1/tickets/${id}/transitions`, { to: 'resolved' });

/** Every property name at any depth of a JSON value. */
function keysDeep(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysDeep(v, into);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keysDeep(v, into);
    }
  }
  return into;
}

describe('customer tier', () => {
  test('the rule: revenue or number of active contracts', () => {
    expect(tierOf({ activeContracts: 0, activeContractValue: 0 })).toBe('bronze');
    expect(tierOf({ activeContracts: 1, activeContractValue: 0 })).toBe('silver');
    expect(tierOf({ activeContracts: 1, activeContractValue: 24_999.99 })).toBe('silver');
    expect(tierOf({ activeContracts: 1, activeContractValue: 25_000 })).toBe('gold');
    expect(tierOf({ activeContracts: 3, activeContractValue: 0 })).toBe('gold');
    expect(tierOf({ activeContracts: 1, activeContractValue: 100_000 })).toBe('platinum');
    expect(tierOf({ activeContracts: 5, activeContractValue: 0 })).toBe('platinum');
    // Revenue without an active contract cannot happen (value is summed over active ones), but the rule stays monotonic.
    expect(tierOf({ activeContracts: 0, activeContractValue: 30_000 })).toBe('gold');
  });

  test('computed on read from the active contracts only', async () => {
    const { customerId } = await seedCustomer(api, 0);
    const tier = async () => (await api.call('GET', `/api/v1/customers/${customerId}`)).body.tier;
    expect(await tier()).toBe('bronze');
    const contract = (body: Record<string, unknown>) => api.call('POST', '/api/v1/contracts', { customerId, name: 'C', startsOn: '2025-01-01', ...body });
    // Neither an expired nor a draft contract counts.
    expect((await contract({ startsOn: '2020-01-01', endsOn: '2020-12-31', value: 500_000 })).status).toBe(201);
    expect((await contract({ status: 'draft', value: 500_000 })).status).toBe(201);
    expect(await tier()).toBe('bronze');
    const active = await contract({ value: 10_000 });
    expect(await tier()).toBe('silver');
    await api.call('PATCH', `/api/v1/contracts/${active.body.id}`, { value: 25_000 });
    expect(await tier()).toBe('gold');
    for (let i = 0; i < 4; i++) await contract({});
    expect(await tier()).toBe('platinum');
    const list = await api.call('GET', `/api/v1/customers?q=${encodeURIComponent((await api.call('GET', `/api/v1/customers/${customerId}`)).body.name)}`);
    expect(list.body.items[0].tier).toBe('platinum');
  });
});

describe('GET /customers/{id}/360', () => {
  let customerId: string;
  let assetIds: string[];
  let openBreached: { id: string };
  let openFresh: { id: string };

  beforeAll(async () => {
    api.clock.set('2024-11-01T08:00:00.000Z');
    ({ customerId, assetIds } = await seedCustomer(api, 2));
    // Outside the 90-day window: neither counted as opened nor as resolved.
    const old = await ticket({ customerId });
    await resolve(old.id);
    api.clock.set('2025-03-10T08:00:00.000Z');
    await api.call('POST', '/api/v1/contracts', {
      customerId,
      name: 'Full service',
      startsOn: '2025-01-01',
      value: 30_000,
      currency: 'EUR',
      prepaidMinutes: 600,
      assetIds: [assetIds[0]],
    });
    await api.call('POST', '/api/v1/contacts', { customerId, name: 'Zoe Primary', isPrimary: true, emails: [{ address: 'zoe@example.test' }] });
    await api.call('POST', '/api/v1/contacts', { customerId, name: 'Adam Second' });
    const device = await api.call('POST', `/api/v1/assets/${assetIds[0]}/device`);
    expect(device.status, JSON.stringify(device.body)).toBe(201);
    await api.db.query(`UPDATE devices SET online = true, last_seen_at = '2025-03-10T07:59:00Z' WHERE asset_id = $1`, [assetIds[0]]);

    const quick = await ticket({ customerId, priority: 'medium' });
    openBreached = await ticket({ assetId: assetIds[0], priority: 'critical' });
    const late = await ticket({ customerId, priority: 'critical' });
    api.clock.advance(HOUR);
    await resolve(quick.id); // 1 h: within both due times
    api.clock.advance(29 * HOUR);
    await resolve(late.id); // 30 h: past the critical targets
    openFresh = await ticket({ assetId: assetIds[0], priority: 'low' });

    for (const [kind, occurredAt, extra] of [
      ['call', '2025-03-09T10:00:00Z', { direction: 'inbound' }],
      ['note', '2025-03-11T10:00:00Z', {}],
      ['email', '2025-03-10T10:00:00Z', { direction: 'outbound' }],
    ] as const) {
      const reply = await api.call('POST', '/api/v1/activities', { kind, subject: `${kind} subject`, occurredAt, customerId, ...extra });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    }
  });

  test('profile, contacts, sites, assets with state, open tickets with SLA, contracts, activities, KPIs', async () => {
    const reply = await api.call('GET', `/api/v1/customers/${customerId}/360`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const v = reply.body;
    expect(v.profile).toMatchObject({ id: customerId, tier: 'gold', custom: {}, tierBasis: { activeContracts: 1, activeContractValue: 30_000 } });
    expect(v.contacts.map((c: { name: string }) => c.name)).toEqual(['Zoe Primary', 'Adam Second']);
    expect(v.sites).toHaveLength(1);
    expect(v.assets).toHaveLength(2);
    const withDevice = v.assets.find((a: { id: string }) => a.id === assetIds[0]);
    expect(withDevice).toMatchObject({ openTickets: 2, device: { online: true, lastSeenAt: '2025-03-10T07:59:00.000Z' } });
    expect(v.assets.find((a: { id: string }) => a.id === assetIds[1])).toMatchObject({ openTickets: 0, device: null });
    expect(v.openTickets.map((t: { id: string }) => t.id)).toEqual([openBreached.id, openFresh.id]);
    expect(v.openTickets[0]).toMatchObject({ responseBreached: true, resolutionBreached: true, priority: 'critical' });
    expect(v.openTickets[1]).toMatchObject({ responseBreached: false, resolutionBreached: false });
    expect(v.contracts).toHaveLength(1);
    expect(v.contracts[0]).toMatchObject({
      activeToday: true,
      coveredAssets: 1,
      value: 30_000,
      currency: 'EUR',
      prepaid: { purchasedMinutes: 600, balanceMinutes: 600 },
    });
    expect(v.recentActivities.map((a: { kind: string }) => a.kind)).toEqual(['note', 'email', 'call']);
    expect(v.kpis).toEqual({
      openTickets: 2,
      breachedOpenTickets: 1,
      ticketsLast90Days: 4,
      resolvedLast90Days: 2,
      slaComplianceLast90Days: 0.5,
      meanTimeToResolveHours: 15.5,
    });
    expect(v.truncated).toEqual({ contacts: false, sites: false, assets: false, openTickets: false, contracts: false });
  });

  test('agents and technicians get everything but money; the back office gets the money too', async () => {
    const agent = await api.user('agent');
    const reply = await api.call('GET', `/api/v1/customers/${customerId}/360`, undefined, agent.auth);
    expect(reply.status).toBe(200);
    const keys = keysDeep(reply.body);
    for (const hidden of ['value', 'currency', 'activeContractValue']) expect(keys.has(hidden), hidden).toBe(false);
    expect(reply.body.contracts[0].prepaid.balanceMinutes).toBe(600);
    expect(reply.body.profile.tier).toBe('gold');
    expect(reply.body.openTickets).toHaveLength(2);
    const technician = await api.user('technician');
    const asTechnician = await api.call('GET', `/api/v1/customers/${customerId}/360`, undefined, technician.auth);
    expect(asTechnician.status).toBe(200);
    for (const hidden of ['value', 'currency', 'activeContractValue', 'offerValue']) expect(keysDeep(asTechnician.body).has(hidden), hidden).toBe(false);
    expect(asTechnician.body.contracts[0].prepaid.balanceMinutes).toBe(600);
    const dispatcher = await api.user('dispatcher');
    const asDispatcher = await api.call('GET', `/api/v1/customers/${customerId}/360`, undefined, dispatcher.auth);
    expect(asDispatcher.body.contracts[0].value).toBe(30_000);
  });

  test("a customer user sees its own 360 without internal notes, and another customer's is 404", async () => {
    const own = await api.user('customer', { customerId });
    const reply = await api.call('GET', `/api/v1/customers/${customerId}/360`, undefined, own.auth);
    expect(reply.status).toBe(200);
    expect(reply.body.recentActivities.map((a: { kind: string }) => a.kind)).toEqual(['email', 'call']);
    const other = await seedCustomer(api, 0);
    const foreign = await api.call('GET', `/api/v1/customers/${other.customerId}/360`, undefined, own.auth);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('NOT_FOUND');
  });

  test('unknown customer 404, bad id 400 naming the parameter', async () => {
    expect((await api.call('GET', '/api/v1/customers/00000000-0000-4000-8000-000000000000/360')).status).toBe(404);
    const bad = await api.call('GET', '/api/v1/customers/not-a-uuid/360');
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['params.id']);
  });

  test('a fixed number of queries however many assets and tickets (no N+1)', async () => {
    const small = await seedCustomer(api, 1);
    const large = await seedCustomer(api, 6);
    for (const assetId of large.assetIds) await ticket({ assetId });
    const original = api.db.query.bind(api.db);
    let count = 0;
    (api.db as { query: typeof original }).query = (sql, params) => {
      count++;
      return original(sql, params);
    };
    const counted = async (id: string) => {
      count = 0;
      const reply = await api.call('GET', `/api/v1/customers/${id}/360`);
      expect(reply.status).toBe(200);
      return { count, assets: reply.body.assets.length, open: reply.body.openTickets.length };
    };
    try {
      const a = await counted(small.customerId);
      const b = await counted(large.customerId);
      expect(b).toMatchObject({ assets: 6, open: 6 });
      expect(b.count).toBe(a.count);
      expect(b.count).toBeLessThanOrEqual(10);
    } finally {
      (api.db as { query: typeof original }).query = original;
    }
  });
});
