/**
 * Every report on the crafted June 2025 dataset (reports-dataset.ts). Expected numbers are worked
 * out by hand in the comments, not by re-running the SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JUNE, NOW, seedDataset } from './reports-dataset.js';
import { parseCsv, startReportsApi, type ReportsApi } from './reports-fixture.js';

let api: ReportsApi;
let ids: Awaited<ReturnType<typeof seedDataset>>;
let dispatcher: { authorization: string };
let agent: { authorization: string };
let u1: string;
let u2: string;

beforeAll(async () => {
  api = await startReportsApi(NOW);
  u1 = (await api.user('technician', 'Ann Tech')).id;
  u2 = (await api.user('technician', 'Bob Tech')).id;
  await api.user('technician', 'Retired Tech', false); // inactive, no visits: not listed
  dispatcher = (await api.user('dispatcher')).auth;
  agent = (await api.user('agent')).auth;
  ids = await seedDataset(api.db, { u1, u2 });
});
afterAll(async () => api?.close());

const rowsBy = <T extends Record<string, unknown>>(rows: T[], key: string) => Object.fromEntries(rows.map((r) => [String(r[key]), r]));

describe('MTTR and MTBF', () => {
  it('MTTR per model: mean, median, min, max of resolved − created over repair tickets resolved in June', async () => {
    const res = await api.get(`/api/v1/reports/mttr?${JUNE}`, dispatcher);
    expect(res.status, res.text).toBe(200);
    expect(res.body.period).toEqual({ from: '2025-06-01T00:00:00.000Z', to: '2025-07-01T00:00:00.000Z' });
    // chiller-x: T1 4 h, T2 24 h, T3 (predictive) 10 h, T4 48 h → mean 86/4 = 21.5, median (10+24)/2 = 17.
    // pump-y: T5 2 h. Not counted: T6 (maintenance), T7 (cancelled), T10 (resolved in May).
    expect(res.body.rows).toEqual([
      { modelId: 'chiller-x', modelName: 'Model chiller-x', ticketsResolved: 4, mttrHours: 21.5, medianHours: 17, minHours: 4, maxHours: 48 },
      { modelId: 'pump-y', modelName: 'Model pump-y', ticketsResolved: 1, mttrHours: 2, medianHours: 2, minHours: 2, maxHours: 2 },
    ]);
    // Overall: 4, 24, 10, 48, 2 → mean 17.6, median 10.
    expect(res.body.summary).toMatchObject({ ticketsResolved: 5, mttrHours: 17.6, medianHours: 10 });
    expect(res.body.formula).toContain('MTTR = mean(resolved_at − created_at)');
  });

  it('MTTR filters by customer and model', async () => {
    const beta = await api.get(`/api/v1/reports/mttr?${JUNE}&customerId=${ids.beta}`);
    // Beta: T4 48 h (chiller-x), T5 2 h (pump-y).
    expect(beta.body.rows.map((r: { modelId: string; mttrHours: number }) => [r.modelId, r.mttrHours])).toEqual([
      ['chiller-x', 48],
      ['pump-y', 2],
    ]);
    const pump = await api.get(`/api/v1/reports/mttr?${JUNE}&modelId=pump-y`);
    expect(pump.body.rows).toHaveLength(1);
    expect(pump.body.summary.ticketsResolved).toBe(1);
  });

  it('MTBF per model: operating hours in the period / breakdowns', async () => {
    const res = await api.get(`/api/v1/reports/mtbf?${JUNE}`);
    expect(res.status, res.text).toBe(200);
    // chiller-x: A1 720 h + A2 480 h (installed 06-11) + A3 720 h (created in January) = 1920 h; A4 installed in
    // August is not in service. Breakdowns created in June, not cancelled: A1 T1, T2; A2 T9; A3 T4, T8 → 5 → 384 h.
    // pump-y: P1 720 h / T5 = 720 h.
    expect(res.body.rows).toEqual([
      { modelId: 'chiller-x', modelName: 'Model chiller-x', assets: 3, operatingHours: 1920, failures: 5, mtbfHours: 384 },
      { modelId: 'pump-y', modelName: 'Model pump-y', assets: 1, operatingHours: 720, failures: 1, mtbfHours: 720 },
    ]);
    expect(res.body.summary).toMatchObject({ assets: 4, operatingHours: 2640, failures: 6, mtbfHours: 440 });
  });
});

describe('first-time fix, SLA, backlog', () => {
  it('first-time-fix rate: one visit, fixed / resolved tickets with visits', async () => {
    const res = await api.get(`/api/v1/reports/first-time-fix?${JUNE}`);
    // chiller-x: T1 ✓, T2 (two visits) ✗, T3 ✓ (the cancelled visit does not count), T4 (not fixed) ✗, T6 ✓ → 3/5,
    // 6 visits / 5 tickets. pump-y: T5 ✓ → 1/1. T5-less tickets without visits are not in the denominator.
    expect(res.body.rows).toEqual([
      { modelId: 'chiller-x', ticketsWithVisits: 5, firstTimeFixed: 3, firstTimeFixPct: 60, visitsPerTicket: 1.2 },
      { modelId: 'pump-y', ticketsWithVisits: 1, firstTimeFixed: 1, firstTimeFixPct: 100, visitsPerTicket: 1 },
    ]);
    // 4/6 = 66.67 %, 7 visits / 6 = 1.17.
    expect(res.body.summary).toEqual({ modelId: null, ticketsWithVisits: 6, firstTimeFixed: 4, firstTimeFixPct: 66.67, visitsPerTicket: 1.17 });
  });

  it('SLA compliance per priority, with pending tickets left out of the rate', async () => {
    const res = await api.get(`/api/v1/reports/sla-compliance?${JUNE}`);
    expect(res.status, res.text).toBe(200);
    const byPriority = rowsBy(res.body.rows, 'priority');
    expect(res.body.rows.map((r: { priority: string }) => r.priority)).toEqual(['critical', 'high', 'medium', 'low']);
    // critical: T2 responded 06:00 > due 04:00 → breached; resolved exactly at its due time → met.
    expect(byPriority.critical).toMatchObject({
      tickets: 1,
      responseMet: 0,
      responseBreached: 1,
      responseCompliancePct: 0,
      resolutionMet: 1,
      resolutionCompliancePct: 100,
    });
    // high: T1 met/met, T4 breached/breached, T8 met/breached (open past due), T12 breached (no response)/pending.
    expect(byPriority.high).toEqual({
      priority: 'high',
      tickets: 4,
      responseMet: 2,
      responseBreached: 2,
      responsePending: 0,
      responseCompliancePct: 50,
      resolutionMet: 1,
      resolutionBreached: 2,
      resolutionPending: 1,
      resolutionCompliancePct: 33.33,
    });
    // medium: T3 and T6 met; T9 pending both ways (not yet due).
    expect(byPriority.medium).toMatchObject({
      tickets: 3,
      responseMet: 2,
      responsePending: 1,
      responseCompliancePct: 100,
      resolutionPending: 1,
      resolutionCompliancePct: 100,
    });
    // low: T5 met; T13 on customer hold, paused before its due time → resolution pending, not breached.
    expect(byPriority.low).toMatchObject({ tickets: 2, responseMet: 2, resolutionMet: 1, resolutionBreached: 0, resolutionPending: 1 });
    // Overall: response 6 met / 3 breached / 1 pending → 66.67 %; resolution 5 / 2 / 3 → 71.43 %.
    expect(res.body.summary).toMatchObject({
      tickets: 10,
      responseMet: 6,
      responseBreached: 3,
      responseCompliancePct: 66.67,
      resolutionMet: 5,
      resolutionBreached: 2,
      resolutionCompliancePct: 71.43,
    });
  });

  it('SLA compliance per customer', async () => {
    const res = await api.get(`/api/v1/reports/sla-compliance?${JUNE}&groupBy=customer`);
    const byCustomer = rowsBy(res.body.rows, 'customerName');
    // Alpha: T1, T2, T3, T6, T9 → response 3 met, 1 breached (T2) → 75 %; resolution 4 met, 1 pending → 100 %.
    expect(byCustomer['Alpha, "Inc"']).toMatchObject({
      customerId: ids.alpha,
      tickets: 5,
      responseCompliancePct: 75,
      resolutionCompliancePct: 100,
      resolutionPending: 1,
    });
    // Beta: T4, T5, T8 → response 2/3 = 66.67 %; resolution 1 met (T5), 2 breached → 33.33 %.
    expect(byCustomer.Beta).toMatchObject({ tickets: 3, responseCompliancePct: 66.67, resolutionCompliancePct: 33.33 });
    // Gamma: T12 breached response, T13 met; both resolutions pending → no rate.
    expect(byCustomer.Gamma).toMatchObject({ tickets: 2, responseCompliancePct: 50, resolutionCompliancePct: null });
    expect(res.body.rows[0]).not.toHaveProperty('priority');
    const both = await api.get(`/api/v1/reports/sla-compliance?${JUNE}&groupBy=customer_priority&customerId=${ids.beta}`);
    expect(both.body.rows.map((r: { priority: string; tickets: number }) => [r.priority, r.tickets])).toEqual([
      ['high', 2],
      ['low', 1],
    ]);
  });

  it('backlog ageing: open tickets now by priority × status in age buckets', async () => {
    const res = await api.get('/api/v1/reports/backlog-ageing');
    expect(res.status, res.text).toBe(200);
    expect(res.body.period).toBeNull();
    // Now 07-01: T11 47 d and T12 2 d (high/new), T8 3 d (high/in_progress), T9 0.5 d (medium/new), T13 11 d (low/on_hold).
    expect(res.body.rows).toEqual([
      {
        priority: 'high',
        status: 'new',
        age0To1d: 0,
        age1To3d: 1,
        age3To7d: 0,
        age7To30d: 0,
        ageOver30d: 1,
        openTickets: 2,
        meanAgeDays: 24.5,
        oldestAgeDays: 47,
      },
      {
        priority: 'high',
        status: 'in_progress',
        age0To1d: 0,
        age1To3d: 0,
        age3To7d: 1,
        age7To30d: 0,
        ageOver30d: 0,
        openTickets: 1,
        meanAgeDays: 3,
        oldestAgeDays: 3,
      },
      {
        priority: 'medium',
        status: 'new',
        age0To1d: 1,
        age1To3d: 0,
        age3To7d: 0,
        age7To30d: 0,
        ageOver30d: 0,
        openTickets: 1,
        meanAgeDays: 0.5,
        oldestAgeDays: 0.5,
      },
      {
        priority: 'low',
        status: 'on_hold',
        age0To1d: 0,
        age1To3d: 0,
        age3To7d: 0,
        age7To30d: 1,
        ageOver30d: 0,
        openTickets: 1,
        meanAgeDays: 11,
        oldestAgeDays: 11,
      },
    ]);
    // (47 + 2 + 3 + 0.5 + 11) / 5 = 12.7
    expect(res.body.summary).toMatchObject({
      openTickets: 5,
      age0To1d: 1,
      age1To3d: 1,
      age3To7d: 1,
      age7To30d: 1,
      ageOver30d: 1,
      meanAgeDays: 12.7,
      oldestAgeDays: 47,
    });
  });
});

describe('utilisation, parts, profitability', () => {
  it('technician utilisation against 8 h per weekday without working hours on file', async () => {
    const res = await api.get(`/api/v1/reports/technician-utilisation?${JUNE}`);
    expect(res.status, res.text).toBe(200);
    // June 2025 has 21 weekdays → 10080 available minutes each.
    // Ann: planned 120 + 120 + 120 + 60 = 420, actual 120 + 60 + 180 + 40 = 400, labour 90 + 60 + 150 + 30 = 330.
    // Bob: planned 120 (T3; the cancelled visit is not) + 120 + 60 + 60 (T8 clipped at the period end) = 360,
    //      actual 90 + 120 + 30 (T8 not finished) = 240, labour 90 + 100 = 190 (the July entry is outside).
    expect(res.body.rows).toEqual([
      {
        technicianId: u1,
        technicianName: 'Ann Tech',
        hoursSource: 'default',
        availableMinutes: 10080,
        plannedMinutes: 420,
        actualVisitMinutes: 400,
        labourMinutes: 330,
        plannedUtilisationPct: 4.17,
        actualUtilisationPct: 3.97,
        labourUtilisationPct: 3.27,
      },
      {
        technicianId: u2,
        technicianName: 'Bob Tech',
        hoursSource: 'default',
        availableMinutes: 10080,
        plannedMinutes: 360,
        actualVisitMinutes: 240,
        labourMinutes: 190,
        plannedUtilisationPct: 3.57,
        actualUtilisationPct: 2.38,
        labourUtilisationPct: 1.88,
      },
    ]);
    // 780 / 20160 = 3.87 %, 640 / 20160 = 3.17 %, 520 / 20160 = 2.58 %.
    expect(res.body.summary).toMatchObject({ availableMinutes: 20160, plannedUtilisationPct: 3.87, actualUtilisationPct: 3.17, labourUtilisationPct: 2.58 });
  });

  it('parts consumption per SKU and model from the parts recorded on visits', async () => {
    const res = await api.get(`/api/v1/reports/parts-consumption?${JUNE}`);
    expect(res.status, res.text).toBe(200);
    // SKU-A: T1 2 + T2 1 on chiller-x, T5 4 on pump-y; SKU-B: T2 3. SKU-C was recorded in May.
    expect(res.body.rows.map((r: { sku: string; modelId: string; quantity: number; tickets: number }) => [r.sku, r.modelId, r.quantity, r.tickets])).toEqual([
      ['SKU-A', 'chiller-x', 3, 2],
      ['SKU-A', 'pump-y', 4, 1],
      ['SKU-B', 'chiller-x', 3, 1],
    ]);
    expect(res.body.summary).toMatchObject({ quantity: 10, tickets: 3 });
  });

  it('profitability per contract: pro-rated contract value minus labour at the default hourly cost', async () => {
    const res = await api.get(`/api/v1/reports/profitability?${JUNE}`);
    expect(res.status, res.text).toBe(200);
    // K1: 12000 × 30/365 = 986.30; labour on T1 + T2 = 90 + 210 min at 40/h = 200 → margin 786.30, 79.72 %.
    // Alpha outside contracts: T3 90 + T6 30 min = 80. K2: 3650 × 15/365 (from 06-16) = 150; T4 100 min = 66.67.
    // K3 is a draft: no revenue. Beta outside contracts: nothing (T5 had no labour) → no row.
    expect(res.body.rows).toEqual([
      expect.objectContaining({
        contractId: ids.k1,
        customerId: ids.alpha,
        contractRevenue: 986.3,
        revenue: 986.3,
        uninvoicedCost: 200,
        cost: 200,
        margin: 786.3,
        marginPct: 79.72,
      }),
      expect.objectContaining({ contractId: null, customerId: ids.alpha, revenue: 0, cost: 80, margin: -80, marginPct: null }),
      expect.objectContaining({ contractId: ids.k2, customerId: ids.beta, revenue: 150, cost: 66.67, margin: 83.33, marginPct: 55.56 }),
    ]);
    // 1136.30 − 346.67 = 789.63 → 69.49 %.
    expect(res.body.summary).toMatchObject({ revenue: 1136.3, cost: 346.67, margin: 789.63, marginPct: 69.49 });
  });

  it('profitability is admin only', async () => {
    expect((await api.get(`/api/v1/reports/profitability?${JUNE}`, agent)).status).toBe(403);
    expect((await api.get(`/api/v1/reports/profitability?${JUNE}`, dispatcher)).status).toBe(403);
    expect((await api.get(`/api/v1/reports/mttr?${JUNE}`, agent)).status).toBe(403);
  });
});

describe('alarm outcomes', () => {
  it('counts alarms, tickets, false alarms, clearing before dispatch and alarm-to-fix per rule', async () => {
    const res = await api.get(`/api/v1/reports/alarm-outcomes?${JUNE}`);
    expect(res.status, res.text).toBe(200);
    // R1 (June): AL1→T1 fixed (6 h), AL2→T7 cancelled (false), AL3→T4 not fixed and no parts (false),
    // AL4→T3 resolved "no_fault_found" (false), AL5 no ticket, AL9→T2 fixed (24 h); the May alarm is out.
    // Cleared before dispatch: AL2 (never dispatched), AL3 (cleared 06-20, in progress 06-21), AL5 (no ticket);
    // AL1 cleared after its en_route.
    // R2: AL6 and AL7 → T5 fixed: 4 h and 3 h; AL7 cleared after T5 went en_route.
    expect(res.body.rows).toEqual([
      {
        ruleId: 'R1',
        modelId: 'chiller-x',
        faultCode: 'F1',
        alarms: 6,
        ticketed: 5,
        falseAlarms: 3,
        clearedBeforeDispatch: 3,
        fixed: 2,
        ticketedPct: 83.33,
        falseAlarmPct: 60,
        medianAlarmToFixHours: 15,
        meanAlarmToFixHours: 15,
      },
      {
        ruleId: 'R2',
        modelId: 'pump-y',
        faultCode: 'F1',
        alarms: 2,
        ticketed: 2,
        falseAlarms: 0,
        clearedBeforeDispatch: 0,
        fixed: 2,
        ticketedPct: 100,
        falseAlarmPct: 0,
        medianAlarmToFixHours: 3.5,
        meanAlarmToFixHours: 3.5,
      },
    ]);
    // Fixed alarm-to-fix times 6, 24, 4, 3 → median 5, mean 9.25.
    expect(res.body.summary).toMatchObject({ alarms: 8, ticketed: 7, falseAlarms: 3, fixed: 4, medianAlarmToFixHours: 5, meanAlarmToFixHours: 9.25 });
    const beta = await api.get(`/api/v1/reports/alarm-outcomes?${JUNE}&customerId=${ids.beta}`);
    // Beta: AL3 (A3) and the two P1 alarms.
    expect(beta.body.summary).toMatchObject({ alarms: 3, falseAlarms: 1 });
  });
});

describe('formats and inputs', () => {
  it('CSV with a header and RFC 4180 quoting, by format=csv or Accept: text/csv', async () => {
    const res = await api.get(`/api/v1/reports/sla-compliance?${JUNE}&groupBy=customer&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="sla-compliance_2025-06-01_2025-07-01.csv"');
    expect(res.text).toContain(',"Alpha, ""Inc""",5,');
    const lines = parseCsv(res.text);
    expect(lines[0]).toEqual([
      'customerId',
      'customerName',
      'tickets',
      'responseMet',
      'responseBreached',
      'responsePending',
      'responseCompliancePct',
      'resolutionMet',
      'resolutionBreached',
      'resolutionPending',
      'resolutionCompliancePct',
    ]);
    expect(lines[1]!.slice(1, 3)).toEqual(['Alpha, "Inc"', '5']);
    expect(lines.at(-1)!.slice(1, 3)).toEqual(['Gamma', '2']);
    expect(lines.at(-1)!.at(-1)).toBe(''); // null rate → empty field

    const byAccept = await api.get(`/api/v1/reports/mttr?${JUNE}`, { accept: 'text/csv' });
    expect(parseCsv(byAccept.text)).toEqual([
      ['modelId', 'modelName', 'ticketsResolved', 'mttrHours', 'medianHours', 'minHours', 'maxHours'],
      ['chiller-x', 'Model chiller-x', '4', '21.5', '17', '4', '48'],
      ['pump-y', 'Model pump-y', '1', '2', '2', '2', '2'],
    ]);
  });

  it('defaults to the last 90 days and rejects a reversed period', async () => {
    const res = await api.get('/api/v1/reports/mttr');
    expect(res.body.period).toEqual({ from: '2025-04-02T00:00:00.000Z', to: NOW });
    expect(res.body.summary.ticketsResolved).toBe(6); // June's five + T10 (May)
    const bad = await api.get('/api/v1/reports/mttr?from=2025-06-30&to=2025-06-01');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect((await api.get('/api/v1/reports/mttr?customerId=nope')).status).toBe(400);
  });

  it('lists the catalogue with formulas and documents them in OpenAPI', async () => {
    const res = await api.get('/api/v1/reports', dispatcher);
    expect(res.body.items.map((r: { name: string }) => r.name)).toContain('alarm-outcomes');
    const docs = await api.app.inject({ method: 'GET', url: '/docs/json' });
    const spec = docs.json() as { paths: Record<string, { get?: { description?: string } }> };
    expect(spec.paths['/api/v1/reports/mtbf']?.get?.description).toContain('MTBF = operating hours / failures');
  });
});
