/**
 * Opportunities on a real database: each rule fires on crafted data and not on its near-miss,
 * a re-run creates nothing, stage transitions (invalid → 409), manual opportunities and filters,
 * agents do not see the value (no money at the front desk), and open opportunities appear on the customer 360.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPreventiveApi, type PreventiveApi } from '../preventive/preventive-fixture.js';

let api: PreventiveApi;
const ids: Record<string, string> = {};
let agent: { auth: { authorization: string } };
let firstRun: { created: { id: string; ruleKey: string; kind: string; assetId: string; value: number; currency: string }[]; byRule: Record<string, number> };

/** `count` fault tickets on the asset, resolved at `resolvedAt`. */
async function faultTickets(customerId: string, assetId: string, count: number, resolvedAt: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    await api.db.query(
      `INSERT INTO tickets (channel, type, priority, title, customer_id, asset_id, fault_code, status, sla_source, response_due_at, resolution_due_at,
         resolved_at, status_changed_at, created_by_type, created_by_id, created_at, updated_at)
       VALUES ('iot', 'breakdown', 'high', 'Fault', $1, $2, 'F1', 'resolved', 'default', $3, $3, $3, $3, 'system', 'test', $3, $3)`,
      [customerId, assetId, resolvedAt],
    );
  }
}

const byAsset = (assetId: string) => firstRun.created.filter((o) => o.assetId === assetId);

beforeAll(async () => {
  api = await startPreventiveApi('2025-03-10T09:00:00.000Z');
  agent = await api.user('agent');
  // Contract offers. Warranty ends in 30 days (A: chiller, D: pump), 71 days (B: near-miss),
  // 22 days but covered by an active contract (C), 30 days under a customer-level contract (E).
  const c1 = await api.customer([
    { warrantyEnd: '2025-04-09' },
    { warrantyEnd: '2025-05-20' },
    { warrantyEnd: '2025-04-01' },
    { modelId: 'pump-y', warrantyEnd: '2025-04-20' },
  ]);
  Object.assign(ids, { c1: c1.customerId, A: c1.assetIds[0], B: c1.assetIds[1], C: c1.assetIds[2], D: c1.assetIds[3] });
  await api.contract({ customerId: c1.customerId, startsOn: '2024-01-01', assetIds: [ids.C], currency: 'USD', value: 800 }); // another currency: not typical
  // The typical chiller contract: 3000 for two chillers → 1500 per asset.
  const c2 = await api.customer([{}, {}]);
  await api.contract({ customerId: c2.customerId, startsOn: '2024-06-01', assetIds: c2.assetIds, value: 3000 });
  const c3 = await api.customer([{ warrantyEnd: '2025-04-09' }]);
  ids.E = c3.assetIds[0]!;
  await api.contract({ customerId: c3.customerId, startsOn: '2024-01-01' });

  // Replacement: R1 10 years old with 3 faults in 12 months; R2 the same age with 2 (+1 older);
  // R3 only 5 years old with 3.
  const c4 = await api.customer([{ installDate: '2015-01-01' }, { installDate: '2015-01-01' }, { installDate: '2020-01-01' }]);
  Object.assign(ids, { R1: c4.assetIds[0], R2: c4.assetIds[1], R3: c4.assetIds[2] });
  await faultTickets(c4.customerId, ids.R1!, 3, '2024-11-02T10:00:00Z');
  await faultTickets(c4.customerId, ids.R2!, 2, '2024-11-02T10:00:00Z');
  await faultTickets(c4.customerId, ids.R2!, 1, '2024-01-02T10:00:00Z');
  await faultTickets(c4.customerId, ids.R3!, 3, '2024-11-02T10:00:00Z');

  // Consumables: a monthly plan with 2 × 50 of filters (consumable) on a 50 %-parts contract, due
  // in 5 days (K1); near-misses: parts fully covered (K2), no consumable part (K3), due in 36 days (K4).
  const parts = [
    { sku: 'FLT-1', quantity: 2, consumable: true, unitPrice: 50 },
    { sku: 'GASKET-9', quantity: 1, consumable: false, unitPrice: 999 },
  ];
  const consumables = async (key: string, coverage: number, plan: Record<string, unknown>, startsOn = '2025-02-15') => {
    const c = await api.customer([{}]);
    ids[key] = c.assetIds[0]!;
    const contractId = await api.contract({
      customerId: c.customerId,
      startsOn,
      assetIds: c.assetIds,
      currency: 'USD',
      coverage: { labourPercent: 0, partsPercent: coverage, travelIncluded: false },
    });
    const reply = await api.call('POST', `/api/v1/contracts/${contractId}/maintenance-plans`, {
      name: `Filters ${key}`,
      intervalMonths: 1,
      leadDays: 40,
      parts,
      ...plan,
    });
    expect(reply.status).toBe(201);
  };
  await consumables('K1', 50, {});
  await consumables('K2', 100, {});
  await consumables('K3', 0, { parts: [parts[1]] });
  await consumables('K4', 0, {}, '2025-03-15');
  const generated = await api.call('POST', '/api/v1/maintenance-plans/run');
  expect(generated.body.created).toHaveLength(4);

  const reply = await api.call('POST', '/api/v1/opportunities/run');
  expect(reply.status).toBe(200);
  firstRun = reply.body;
});

afterAll(async () => {
  await api?.close();
});

describe('opportunity rules', () => {
  it('offers a contract when the warranty ends within 60 days without a covering contract', () => {
    expect(byAsset(ids.A!)).toMatchObject([
      { kind: 'contract_offer', ruleKey: `contract_offer:${ids.A}:2025-04-09`, value: 1500, currency: 'EUR', stage: 'new' },
    ]);
    expect(byAsset(ids.D!)).toMatchObject([{ kind: 'contract_offer', value: 1200 }]); // no typical pump contract: the default
    for (const nearMiss of [ids.B, ids.C, ids.E]) expect(byAsset(nearMiss!)).toEqual([]);
  });

  it('offers a replacement for an ageing asset with repeated faults', () => {
    expect(byAsset(ids.R1!)).toMatchObject([{ kind: 'replacement_offer', ruleKey: `replacement_offer:${ids.R1}`, value: 20000 }]);
    expect(byAsset(ids.R2!)).toEqual([]);
    expect(byAsset(ids.R3!)).toEqual([]);
  });

  it('offers consumables for a preventive occurrence due soon, at the uncovered share', () => {
    expect(byAsset(ids.K1!)).toMatchObject([{ kind: 'consumables_offer', value: 50, currency: 'USD' }]);
    for (const nearMiss of [ids.K2, ids.K3, ids.K4]) expect(byAsset(nearMiss!)).toEqual([]);
    expect(firstRun.byRule).toEqual({ contractOffer: 2, replacementOffer: 1, consumablesOffer: 1 });
  });

  it('creates nothing on a re-run', async () => {
    const again = await api.call('POST', '/api/v1/opportunities/run');
    expect(again.body).toMatchObject({ created: [], byRule: { contractOffer: 0, replacementOffer: 0, consumablesOffer: 0 } });
    const { rows } = await api.db.query<{ n: number }>('SELECT count(*)::int AS n FROM opportunities');
    expect(rows[0]!.n).toBe(4);
    expect((await api.call('POST', '/api/v1/opportunities/run', undefined, agent.auth)).status).toBe(403);
  });
});

describe('customer 360', () => {
  it('shows open opportunities to agents without their value, none to the customer', async () => {
    const view = await api.call('GET', `/api/v1/customers/${ids.c1}/360`, undefined, agent.auth);
    expect(view.status).toBe(200);
    const open = view.body.opportunities.open;
    expect(open.map((o: { assetId: string }) => o.assetId).sort()).toEqual([ids.A, ids.D].sort());
    expect(open.find((o: { assetId: string }) => o.assetId === ids.A)).toMatchObject({
      kind: 'contract_offer',
      stage: 'new',
    });
    // Issue #18: no money at the front desk.
    expect(open.some((o: object) => 'offerValue' in o || 'offerCurrency' in o)).toBe(false);
    const asAdmin = await api.call('GET', `/api/v1/customers/${ids.c1}/360`);
    expect(asAdmin.body.opportunities.open.find((o: { assetId: string }) => o.assetId === ids.A)).toMatchObject({ offerValue: 1500, offerCurrency: 'EUR' });
    expect(view.body.contracts[0]).not.toHaveProperty('value'); // contract money stays hidden from agents

    const customer = await api.user('customer', { customerId: ids.c1 });
    const own = await api.call('GET', `/api/v1/customers/${ids.c1}/360`, undefined, customer.auth);
    expect(own.status).toBe(200);
    expect(own.body.opportunities).toEqual({ open: [], truncated: false });
  });
});

describe('opportunity stages and CRUD', () => {
  const offerOf = (assetId: string) => byAsset(assetId)[0]!.id;

  it('moves along the pipeline and refuses invalid moves with 409', async () => {
    const url = `/api/v1/opportunities/${offerOf(ids.A!)}`;
    const skip = await api.call('PATCH', url, { stage: 'won' }, agent.auth);
    expect(skip.status).toBe(409);
    expect(skip.body).toMatchObject({ code: 'CONFLICT', from: 'new', to: 'won', allowed: ['qualified', 'lost'] });
    const read = await api.call('GET', url, undefined, agent.auth);
    expect(read.body).toMatchObject({ source: 'rule' });
    expect(read.body).not.toHaveProperty('value'); // issue #18: no money at the front desk
    expect((await api.call('GET', url)).body).toMatchObject({ value: 1500, source: 'rule' });
    const stale = await api.call('PATCH', url, { stage: 'qualified' }, { ...agent.auth, 'if-match': '"7"' });
    expect(stale.status).toBe(412);
    for (const stage of ['qualified', 'proposed', 'won']) {
      const moved = await api.call('PATCH', url, { stage }, agent.auth);
      expect(moved.status).toBe(200);
      expect(moved.body.stage).toBe(stage);
    }
    const won = await api.call('GET', url);
    expect(won.body.closedAt).toBe('2025-03-10T09:00:00.000Z');
    expect((await api.call('PATCH', url, { value: 1 })).status).toBe(409);
    expect((await api.call('PATCH', url, { stage: 'lost' })).status).toBe(409);

    const lost = await api.call('PATCH', `/api/v1/opportunities/${offerOf(ids.D!)}`, { stage: 'lost', lostReason: 'Customer declined' });
    expect(lost.body).toMatchObject({ stage: 'lost', lostReason: 'Customer declined' });
    expect((await api.call('POST', '/api/v1/opportunities/run')).body.created).toEqual([]); // a lost offer is not raised again
    const view = await api.call('GET', `/api/v1/customers/${ids.c1}/360`);
    expect(view.body.opportunities.open).toEqual([]);
  });

  it('records manual opportunities and filters by customer and stage', async () => {
    const dispatcher = await api.user('dispatcher');
    const created = await api.call(
      'POST',
      '/api/v1/opportunities',
      { customerId: ids.c1, assetId: ids.B, title: 'Upgrade controls', value: 300 },
      dispatcher.auth,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'other',
      source: 'manual',
      ruleKey: null,
      stage: 'new',
      value: 300,
      currency: 'EUR',
      createdBy: { type: 'user', id: dispatcher.id },
    });
    const foreign = await api.call('POST', '/api/v1/opportunities', { customerId: ids.c1, assetId: ids.R1, title: 'Wrong asset' });
    expect(foreign.status).toBe(400);

    const mine = await api.call('GET', `/api/v1/opportunities?customerId=${ids.c1}`, undefined, agent.auth);
    expect(mine.body.items.map((o: { stage: string }) => o.stage).sort()).toEqual(['lost', 'new', 'won']);
    const open = await api.call('GET', `/api/v1/opportunities?customerId=${ids.c1}&open=true`);
    expect(open.body.items.map((o: { id: string }) => o.id)).toEqual([created.body.id]);
    const won = await api.call('GET', '/api/v1/opportunities?stage=won');
    expect(won.body.items.map((o: { assetId: string }) => o.assetId)).toEqual([ids.A]);
    const page = await api.call('GET', '/api/v1/opportunities?limit=2');
    expect(page.body.items).toHaveLength(2);
    expect(page.body.nextCursor).not.toBeNull();
    const customer = await api.user('customer', { customerId: ids.c1 });
    expect((await api.call('GET', '/api/v1/opportunities', undefined, customer.auth)).status).toBe(403);
  });
});
