/**
 * Invoice arithmetic on a real database, through the API: rates per skill, parts at visit or
 * catalogue price, flat travel, costs; each coverage case (none, contract %, warranty, travel
 * included); overtime by flag and by working hours; prepaid minutes across several tickets.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedCustomer, startServiceApi, type ServiceApi } from '../service/service-fixture.js';
import { amounts, catalogPart, createContract, LONG_DAYS, put, technicianProfile, workedTicket } from './invoicing-fixture.js';

let api: ServiceApi;
let technician: { id: string };
beforeAll(async () => {
  api = await startServiceApi('2025-03-12T09:00:00.000Z');
  technician = await api.user('technician');
  expect((await put(api, '/api/v1/labour-rates/refrigeration', { hourlyRate: 90, overtimeMultiplier: 2 })).status).toBe(200);
  await catalogPart(api, { sku: 'FILTER-7', description: 'Oil filter', unitPrice: 12.5, unitCost: 6 });
  await catalogPart(api, { sku: 'VALVE-12', description: 'Expansion valve', unitPrice: 25, unitCost: 8 });
});
afterAll(async () => {
  await api?.close();
});

const draft = (ticketId: string) => api.call('POST', `/api/v1/tickets/${ticketId}/invoice`);
const STANDARD_WORK = { labour: [{ minutes: 60 }], parts: [{ sku: 'VALVE-12', quantity: 2, unitPrice: 19.9 }] };

describe('invoice arithmetic', () => {
  test('no contract: labour per skill rate, parts at visit or catalogue price, flat travel, costs, warnings', async () => {
    await technicianProfile(api, technician.id, { hourlyCost: 50, workingHours: LONG_DAYS });
    const { customerId } = await seedCustomer(api);
    const { ticketId, ticketNumber, visitId } = await workedTicket(api, {
      customerId,
      technicianId: technician.id,
      labour: [{ minutes: 90, skill: 'refrigeration', description: 'replaced switch' }, { minutes: 30 }],
      parts: [
        { sku: 'VALVE-12', quantity: 2, unitPrice: 19.9 },
        { sku: 'FILTER-7', quantity: 1 },
        { sku: 'GASKET-X', quantity: 1 },
      ],
    });
    const invoice = await draft(ticketId);
    expect(invoice.status).toBe(201);
    expect(invoice.body).toMatchObject({ status: 'draft', number: null, ticketNumber, currency: 'EUR', contractId: null, prepaidMinutes: 0 });
    expect(
      invoice.body.lines.map((l: { kind: string; description: string; quantity: number; unitPrice: number; amount: number; cost: number }) => [
        l.kind,
        l.quantity,
        l.unitPrice,
        l.amount,
        l.cost,
      ]),
    ).toEqual([
      ['travel', 1, 45, 45, 0],
      ['labour', 1.5, 90, 135, 75],
      ['labour', 0.5, 85, 42.5, 25],
      ['parts', 2, 19.9, 39.8, 16],
      ['parts', 1, 12.5, 12.5, 6],
      ['parts', 1, 0, 0, 0],
    ]);
    expect(invoice.body.lines[1]).toMatchObject({
      skill: 'refrigeration',
      minutes: 90,
      visitId,
      description: 'Labour (refrigeration: replaced switch), 90 min',
    });
    expect(invoice.body.lines[4]).toMatchObject({ sku: 'FILTER-7', description: 'FILTER-7 Oil filter' });
    expect(invoice.body).toMatchObject({ subtotal: 274.8, coveredAmount: 0, total: 274.8, costTotal: 122 });
    expect(invoice.body.warnings).toEqual(expect.arrayContaining([expect.stringContaining('GASKET-X has no price')]));
  });

  test('contract: 50 % of labour and 100 % of parts covered, travel billed', async () => {
    const { customerId, assetIds } = await seedCustomer(api);
    const contract = await createContract(api, customerId, { assetIds, labourPercent: 50, partsPercent: 100 });
    const { ticketId } = await workedTicket(api, { customerId, technicianId: technician.id, assetId: assetIds[0], ...STANDARD_WORK });
    const invoice = (await draft(ticketId)).body;
    expect(invoice.contractId).toBe(contract.id);
    expect(amounts(invoice, 'labour')).toEqual([85]);
    expect(amounts(invoice, 'parts')).toEqual([39.8]);
    expect(amounts(invoice, 'travel')).toEqual([45]);
    expect(
      invoice.lines.filter((l: { kind: string }) => l.kind === 'coverage').map((l: { description: string; amount: number }) => [l.description, l.amount]),
    ).toEqual([
      [`Contract ${contract.number}: 50 % of labour`, -42.5],
      [`Contract ${contract.number}: 100 % of parts`, -39.8],
    ]);
    expect(invoice).toMatchObject({ subtotal: 169.8, coveredAmount: 82.3, total: 87.5 });
  });

  test('warranty: labour and parts covered up to warranty_end inclusive, travel billed; the day after it is not', async () => {
    const { customerId, assetIds } = await seedCustomer(api, 2);
    await api.db.query('UPDATE assets SET warranty_end = $2 WHERE id = $1', [assetIds[0], '2025-03-11']);
    await api.db.query('UPDATE assets SET warranty_end = $2 WHERE id = $1', [assetIds[1], '2025-03-10']);
    const inside = await workedTicket(api, { customerId, technicianId: technician.id, assetId: assetIds[0], ...STANDARD_WORK });
    const covered = (await draft(inside.ticketId)).body;
    expect(amounts(covered, 'coverage')).toEqual([-85, -39.8]);
    expect(covered.lines.filter((l: { kind: string }) => l.kind === 'coverage').map((l: { description: string }) => l.description)).toEqual([
      'Warranty (until 2025-03-11): labour',
      'Warranty (until 2025-03-11): parts',
    ]);
    expect(covered).toMatchObject({ subtotal: 169.8, coveredAmount: 124.8, total: 45 });

    const expired = await workedTicket(api, { customerId, technicianId: technician.id, assetId: assetIds[1], ...STANDARD_WORK });
    const billed = (await draft(expired.ticketId)).body;
    expect(amounts(billed, 'coverage')).toEqual([]);
    expect(billed).toMatchObject({ subtotal: 169.8, coveredAmount: 0, total: 169.8 });
  });

  test('contract with travel included: travel shown and covered', async () => {
    const { customerId, assetIds } = await seedCustomer(api);
    const contract = await createContract(api, customerId, { assetIds, travelIncluded: true });
    const { ticketId } = await workedTicket(api, { customerId, technicianId: technician.id, assetId: assetIds[0], labour: [{ minutes: 60 }] });
    const invoice = (await draft(ticketId)).body;
    expect(invoice.lines.map((l: { kind: string; amount: number }) => [l.kind, l.amount])).toEqual([
      ['travel', 45],
      ['labour', 85],
      ['coverage', -45],
    ]);
    expect(invoice.lines[2].description).toBe(`Contract ${contract.number}: travel included`);
    expect(invoice).toMatchObject({ subtotal: 130, coveredAmount: 45, total: 85 });
  });

  test('overtime: the entry flag, and the share of the visit outside working hours, at rate × multiplier', async () => {
    const { customerId } = await seedCustomer(api);
    const flagged = await workedTicket(api, { customerId, technicianId: technician.id, labour: [{ minutes: 60, overtime: true }] });
    const one = (await draft(flagged.ticketId)).body;
    expect(
      one.lines
        .filter((l: { kind: string }) => l.kind === 'overtime')
        .map((l: { unitPrice: number; amount: number; quantity: number }) => [l.quantity, l.unitPrice, l.amount]),
    ).toEqual([[1, 127.5, 127.5]]);
    expect(amounts(one, 'labour')).toEqual([]);

    // Planned 13:00–15:00 in Berlin, the work ran 16:00–18:00 (15:00–17:00 UTC) on Tue 2025-03-11;
    // working hours end at 17:00: half of it is overtime.
    const evening = await api.user('technician');
    const weekdays = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['08:00', '17:00']]]));
    await technicianProfile(api, evening.id, { workingHours: weekdays, timezone: 'Europe/Berlin', hourlyCost: 40 });
    const late = await workedTicket(api, {
      customerId,
      technicianId: evening.id,
      plannedStart: '2025-03-11T12:00:00Z',
      plannedEnd: '2025-03-11T14:00:00Z',
      start: '2025-03-11T15:00:00Z',
      end: '2025-03-11T17:00:00Z',
      labour: [{ minutes: 120, skill: 'refrigeration' }],
    });
    const two = (await draft(late.ticketId)).body;
    expect(
      two.lines
        .filter((l: { kind: string }) => l.kind !== 'travel')
        .map((l: { kind: string; minutes: number; unitPrice: number; amount: number; cost: number }) => [l.kind, l.minutes, l.unitPrice, l.amount, l.cost]),
    ).toEqual([
      ['labour', 60, 90, 90, 40],
      ['overtime', 60, 180, 180, 40],
    ]);
    expect(two.total).toBe(45 + 90 + 180);
  });

  test('prepaid: drawn at recording shows as prepaid, never twice; the rest is drawn at issue until the balance runs out', async () => {
    const { customerId } = await seedCustomer(api);
    const contract = await createContract(api, customerId);
    // Labour recorded while the contract had no prepaid hours: nothing drawn yet.
    const a = await workedTicket(api, { customerId, technicianId: technician.id, labour: [{ minutes: 60 }] });
    const b = await workedTicket(api, { customerId, technicianId: technician.id, labour: [{ minutes: 90 }] });
    expect((await api.call('POST', `/api/v1/contracts/${contract.id}/prepaid/top-ups`, { minutes: 100, reason: 'block of hours' })).status).toBe(201);
    // Labour recorded now is drawn at recording (30 of 100).
    const c = await workedTicket(api, { customerId, technicianId: technician.id, labour: [{ minutes: 30 }] });
    const balance = async () => (await api.call('GET', `/api/v1/contracts/${contract.id}/prepaid/ledger`)).body;
    expect((await balance()).balanceMinutes).toBe(70);

    const invoiceC = (await draft(c.ticketId)).body;
    expect(invoiceC.lines.map((l: { kind: string; minutes: number | null; amount: number }) => [l.kind, l.minutes, l.amount])).toEqual([
      ['travel', null, 45],
      ['prepaid', 30, 0],
    ]);
    expect(invoiceC).toMatchObject({ prepaidMinutes: 30, total: 45 });
    expect((await api.call('POST', `/api/v1/invoices/${invoiceC.id}/issue`)).status).toBe(200);
    expect((await balance()).balanceMinutes).toBe(70);

    const draftA = (await draft(a.ticketId)).body;
    const draftB = (await draft(b.ticketId)).body;
    // Drafts project from today's balance and say so; nothing is drawn yet.
    expect(draftB.warnings).toEqual(expect.arrayContaining([expect.stringContaining('70 prepaid minutes will be drawn')]));
    expect((await balance()).balanceMinutes).toBe(70);

    const issuedA = (await api.call('POST', `/api/v1/invoices/${draftA.id}/issue`)).body;
    expect(issuedA.lines.map((l: { kind: string; minutes: number | null }) => [l.kind, l.minutes])).toEqual([
      ['travel', null],
      ['prepaid', 60],
    ]);
    expect(issuedA).toMatchObject({ status: 'issued', prepaidMinutes: 60, total: 45, warnings: [] });
    const issuedB = (await api.call('POST', `/api/v1/invoices/${draftB.id}/issue`)).body;
    expect(issuedB.lines.map((l: { kind: string; minutes: number | null; amount: number }) => [l.kind, l.minutes, l.amount])).toEqual([
      ['travel', null, 45],
      ['prepaid', 10, 0],
      ['labour', 80, 113.33],
    ]);
    expect(issuedB).toMatchObject({ prepaidMinutes: 10, total: 158.33 });

    const ledger = await balance();
    expect(ledger.balanceMinutes).toBe(0);
    const draws = ledger.entries.filter((e: { kind: string }) => e.kind === 'draw_down');
    expect(draws.map((e: { minutes: number; ticketId: string }) => [e.ticketId, e.minutes])).toEqual([
      [c.ticketId, -30],
      [a.ticketId, -60],
      [b.ticketId, -10],
    ]);
    expect(draws.every((e: { labourEntryId: string | null }) => e.labourEntryId !== null)).toBe(true);
    const visitB = (await api.call('GET', `/api/v1/visits/${b.visitId}`)).body;
    expect(visitB.labour[0].prepaidMinutes).toBe(10);

    // Void and invoice again: the 10 minutes stay drawn and show as prepaid; the ledger does not move.
    expect((await api.call('POST', `/api/v1/invoices/${issuedB.id}/void`, { reason: 'wrong address' })).status).toBe(200);
    const again = (await draft(b.ticketId)).body;
    expect(again).toMatchObject({ status: 'draft', prepaidMinutes: 10, total: 158.33 });
    const reissued = (await api.call('POST', `/api/v1/invoices/${again.id}/issue`)).body;
    expect(reissued.total).toBe(158.33);
    const after = await balance();
    expect(after.entries.length).toBe(ledger.entries.length);
    expect(after.balanceMinutes).toBe(0);
  });
});
