/**
 * Preventive plans through the API on a real database and a real InfluxDB: plan CRUD and its
 * rules, calendar generation ahead by the lead days and the next one after completion,
 * idempotent generation (re-runs and concurrent runs), the running-hours due date from a crafted
 * counter, and the background task run by BullMQ on a real Redis.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { NotifierPort } from '../../src/service/notifications/notification.port.js';
import { PreventiveGenerationService } from '../../src/service/preventive/preventive-generation.service.js';
import { preventiveGenerationTask } from '../../src/service/preventive/preventive.task.js';
import { TelemetryRunningHours } from '../../src/service/preventive/running-hours.reader.js';
import type { Occurrence, RunResult } from '../../src/service/preventive/maintenance-plans.schemas.js';
import { waitFor } from '../harness/servers.js';
import { silentLogger, startPreventiveApi, type PreventiveApi } from './preventive-fixture.js';
import { TicketsService } from '../../src/service/tickets/tickets.service.js';

let api: PreventiveApi;
let technicianId: string;

beforeAll(async () => {
  api = await startPreventiveApi('2025-03-10T09:00:00.000Z', { influx: true });
  technicianId = (await api.user('technician', { skills: ['refrigeration'] })).id;
});

afterAll(async () => {
  await api?.close();
});

const run = async (): Promise<RunResult> => {
  const reply = await api.call('POST', '/api/v1/maintenance-plans/run');
  expect(reply.status).toBe(200);
  return reply.body;
};

async function counts(assetId: string) {
  const { rows } = await api.db.query<{ tickets: number; visits: number; occurrences: number }>(
    `SELECT (SELECT count(*) FROM tickets WHERE asset_id = $1)::int AS tickets,
            (SELECT count(*) FROM visits v JOIN tickets t ON t.id = v.ticket_id WHERE t.asset_id = $1)::int AS visits,
            (SELECT count(*) FROM maintenance_occurrences WHERE asset_id = $1)::int AS occurrences`,
    [assetId],
  );
  return rows[0]!;
}

describe('maintenance plans CRUD', () => {
  it('creates, lists, updates (If-Match) and deletes a plan; refuses bad input and other roles', async () => {
    api.clock.set('2025-03-10T09:00:00.000Z');
    const { customerId, assetIds } = await api.customer([{}, {}]);
    const other = await api.customer([{}]);
    const contractId = await api.contract({ customerId, startsOn: '2025-01-01', assetIds: [assetIds[0]] });
    const base = `/api/v1/contracts/${contractId}/maintenance-plans`;

    expect((await api.call('POST', base, { name: 'No interval' })).status).toBe(400);
    const foreign = await api.call('POST', base, { name: 'Other asset', intervalMonths: 6, assetId: other.assetIds[0] });
    expect(foreign.status).toBe(400);
    expect(foreign.body.code).toBe('VALIDATION_FAILED');
    const uncovered = await api.call('POST', base, { name: 'Uncovered asset', intervalMonths: 6, assetId: assetIds[1] });
    expect(uncovered.status).toBe(400);

    const created = await api.call('POST', base, { name: 'Half-yearly', intervalMonths: 6, modelId: 'chiller-x', checklist: ['Clean coils'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ scope: 'model', modelId: 'chiller-x', leadDays: 14, estimatedMinutes: 120, priority: 'low', active: true });
    const planUrl = `${base}/${created.body.id}`;

    const agent = await api.user('agent');
    expect((await api.call('GET', base, undefined, agent.auth)).status).toBe(403);
    const list = await api.call('GET', base);
    expect(list.body.items.map((p: { id: string }) => p.id)).toEqual([created.body.id]);

    const stale = await api.call('PATCH', planUrl, { leadDays: 30 }, { 'if-match': '"99"' });
    expect(stale.status).toBe(412);
    const patched = await api.call('PATCH', planUrl, { leadDays: 30, intervalRunningHours: 2000 }, { 'if-match': created.headers.etag as string });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ leadDays: 30, intervalRunningHours: 2000, version: 2 });
    const cleared = await api.call('PATCH', planUrl, { intervalMonths: null, intervalRunningHours: null });
    expect(cleared.status).toBe(400);

    expect((await api.call('DELETE', planUrl)).status).toBe(204);
    expect((await api.call('GET', planUrl)).status).toBe(404);
  });
});

describe('calendar plan', () => {
  let assetId: string;
  let contractId: string;
  let planId: string;

  beforeAll(async () => {
    api.clock.set('2025-03-10T09:00:00.000Z');
    const seeded = await api.customer([{}, {}]);
    assetId = seeded.assetIds[0]!;
    contractId = await api.contract({ customerId: seeded.customerId, startsOn: '2025-01-15', assetIds: [assetId] });
    const plan = await api.call('POST', `/api/v1/contracts/${contractId}/maintenance-plans`, {
      name: 'Quarterly service',
      intervalMonths: 3,
      leadDays: 14,
      estimatedMinutes: 90,
      requiredSkill: 'refrigeration',
      checklist: ['Check refrigerant charge'],
    });
    expect(plan.status).toBe(201);
    planId = plan.body.id;
  });

  const mine = (body: RunResult): Occurrence[] => body.created.filter((o) => o.planId === planId);

  it('generates nothing before the lead window, then one ticket and planned visit lead days ahead', async () => {
    expect(mine(await run())).toEqual([]); // due 2025-04-15: 36 days away
    api.clock.set('2025-03-31T23:00:00.000Z'); // 14 days + 1 hour before: still outside
    expect(mine(await run())).toEqual([]);

    api.clock.set('2025-04-01T09:00:00.000Z');
    const [occurrence] = mine(await run());
    expect(occurrence).toMatchObject({ assetId, seq: 1, dueKey: 'n1', dueAt: '2025-04-15T00:00:00.000Z', basis: 'calendar', technicianId });
    const ticket = await api.call('GET', `/api/v1/tickets/${occurrence.ticketId}`);
    expect(ticket.body).toMatchObject({ type: 'maintenance', status: 'scheduled', technicianId, contractId, assetId, priority: 'low' });
    expect(ticket.body.responseBreached).toBe(false);
    const visits = await api.call('GET', `/api/v1/tickets/${occurrence.ticketId}/visits`);
    expect(visits.body.items).toMatchObject([
      { status: 'planned', technicianId, plannedStart: '2025-04-15T08:00:00.000Z', plannedEnd: '2025-04-15T09:30:00.000Z' },
    ]);
  });

  it('is idempotent: re-runs and two concurrent runs add nothing while the occurrence is open', async () => {
    expect(mine(await run())).toEqual([]);
    const [a, b] = await Promise.all([run(), run()]);
    expect([...mine(a), ...mine(b)]).toEqual([]);
    expect(await counts(assetId)).toEqual({ tickets: 1, visits: 1, occurrences: 1 });
  });

  it('generates the next occurrence after completion, from the previous due date', async () => {
    const [occurrence] = (await api.call('GET', `/api/v1/contracts/${contractId}/maintenance-plans/${planId}/occurrences`)).body.items;
    api.clock.set('2025-04-15T08:00:00.000Z');
    const visitId = (await api.call('GET', `/api/v1/tickets/${occurrence.ticketId}/visits`)).body.items[0].id;
    expect((await api.call('PATCH', `/api/v1/visits/${visitId}`, { actualStart: '2025-04-15T08:05:00.000Z' })).status).toBe(200);
    expect((await api.call('PATCH', `/api/v1/visits/${visitId}`, { outcome: 'fixed', actualEnd: '2025-04-15T09:20:00.000Z' })).status).toBe(200);
    for (const to of ['in_progress', 'resolved']) {
      expect((await api.call('POST', `/api/v1/tickets/${occurrence.ticketId}/transitions`, { to })).status).toBe(200);
    }
    api.clock.set('2025-06-30T09:00:00.000Z'); // next due 2025-07-15: 15 days away
    expect(mine(await run())).toEqual([]);
    api.clock.set('2025-07-01T09:00:00.000Z');
    expect(mine(await run())).toMatchObject([{ seq: 2, dueKey: 'n2', dueAt: '2025-07-15T00:00:00.000Z' }]);
    expect(await counts(assetId)).toEqual({ tickets: 2, visits: 2, occurrences: 2 });
  });
});

describe('generation races', () => {
  it('two concurrent generation passes create one ticket and one visit per due occurrence', async () => {
    api.clock.set('2025-03-10T09:00:00.000Z');
    const seeded = await api.customer([{}, {}, {}]);
    const contractId = await api.contract({ customerId: seeded.customerId, startsOn: '2025-01-01', assetIds: seeded.assetIds });
    const plan = await api.call('POST', `/api/v1/contracts/${contractId}/maintenance-plans`, { name: 'Monthly check', intervalMonths: 2, leadDays: 30 });
    const queued: string[] = [];
    const notifier: NotifierPort = {
      enqueue: async (_q, request) => queued.push(`${request.event}:${request.visitId}`),
      enqueueForTechnician: async (_q, request) => queued.push(`${request.event}:${request.visitId}:${request.technicianId}`),
    };
    const services = [1, 2].map(
      () => new PreventiveGenerationService(api.db, undefined, api.clock, { notifier, tickets: new TicketsService(api.db, api.clock) }),
    );
    const results = await Promise.all(services.map((s) => s.run({ planIds: [plan.body.id] })));
    const created = results.flatMap((r) => r.created);
    expect(created).toHaveLength(3);
    // The loser found each occurrence's key taken (raced) — or, if it started after, open (waiting).
    expect(results.reduce((n, r) => n + r.raced + r.waiting, 0)).toBe(3);
    expect(new Set(created.map((o) => o.assetId))).toEqual(new Set(seeded.assetIds));
    for (const assetId of seeded.assetIds) expect(await counts(assetId)).toMatchObject({ tickets: 1, occurrences: 1 });
    // All three are overdue → planned for 2025-03-11 08:00; the only technician takes one, the
    // other two tickets stay new without a visit, for dispatch (no double booking).
    const planned = created.filter((o) => o.visitId !== null);
    expect(planned).toMatchObject([{ technicianId, ticketStatus: 'scheduled' }]);
    expect(created.filter((o) => o.visitId === null).map((o) => o.ticketStatus)).toEqual(['new', 'new']);
    expect(queued.sort()).toEqual([`assignment.created:${planned[0]!.visitId}:${technicianId}`, `visit.scheduled:${planned[0]!.visitId}`]);
  });
});

describe('running-hours plan (real InfluxDB)', () => {
  it('projects the due date from the counter and generates within the lead window only', async () => {
    api.clock.set('2025-06-11T00:00:00.000Z');
    const seeded = await api.customer([{}]);
    const assetId = seeded.assetIds[0]!;
    // 240 hourly readings from 2025-06-01: the counter runs 0.5 h per hour (12 h/day), one reset to 0 after 100 readings.
    const values = Array.from({ length: 240 }, (_, i) => (i < 100 ? 5000 + 0.5 * i : 0.5 * (i - 100)));
    await api.writeCounter(assetId, '2025-06-01T00:00:00.000Z', values);
    const contractId = await api.contract({ customerId: seeded.customerId, startsOn: '2025-06-01', assetIds: [assetId] });
    const plan = await api.call('POST', `/api/v1/contracts/${contractId}/maintenance-plans`, { name: 'Oil change', intervalRunningHours: 200, leadDays: 6 });
    const mine = (body: RunResult): Occurrence[] => body.created.filter((o) => o.planId === plan.body.id);

    // Hours run: 49.5 + 69.5 = 119 (the reset dropped); rate 119 h / 10 days; 81 h left → due in ~6.8 days.
    expect(mine(await run())).toEqual([]);
    const patched = await api.call('PATCH', `/api/v1/contracts/${contractId}/maintenance-plans/${plan.body.id}`, { leadDays: 7 });
    expect(patched.status).toBe(200);
    const [occurrence] = mine(await run());
    expect(occurrence).toMatchObject({ basis: 'running_hours', runningHours: 119, dailyRateHours: 11.9 });
    const expected = Date.parse('2025-06-11T00:00:00.000Z') + (81 / 11.9) * 86_400_000;
    expect(Math.abs(Date.parse(occurrence.dueAt) - expected)).toBeLessThan(60_000);
  });

  it('an idle asset (no counter data) is never due', async () => {
    const seeded = await api.customer([{}]);
    const contractId = await api.contract({ customerId: seeded.customerId, startsOn: '2025-06-01', assetIds: seeded.assetIds });
    const plan = await api.call('POST', `/api/v1/contracts/${contractId}/maintenance-plans`, { name: 'Idle', intervalRunningHours: 10, leadDays: 365 });
    const service = new PreventiveGenerationService(api.db, new TelemetryRunningHours(api.telemetry!), api.clock, {
      tickets: new TicketsService(api.db, api.clock),
    });
    expect(await service.run({ planIds: [plan.body.id] })).toMatchObject({ checked: 1, created: [], notDue: 1, skipped: [] });
  });
});

describe('background task', () => {
  it('generates through the BullMQ job scheduler on a real Redis', async () => {
    api.clock.set('2025-03-10T09:00:00.000Z');
    const seeded = await api.customer([{}]);
    const contractId = await api.contract({ customerId: seeded.customerId, startsOn: '2025-01-01', assetIds: seeded.assetIds });
    await api.call('POST', `/api/v1/contracts/${contractId}/maintenance-plans`, { name: 'Task plan', intervalMonths: 2, leadDays: 30 });
    const task = preventiveGenerationTask({
      generation: new PreventiveGenerationService(api.db, new TelemetryRunningHours(api.telemetry!), api.clock, {
        tickets: new TicketsService(api.db, api.clock),
      }),
      everyMs: 300,
      logger: silentLogger,
      redisUrl: inject('redisUrl'),
      prefix: `prev${randomBytes(4).toString('hex')}`,
    });
    await task.start();
    try {
      await waitFor(async () => (await counts(seeded.assetIds[0]!)).occurrences === 1, 'the task generated the occurrence');
    } finally {
      await task.stop();
    }
    expect(await counts(seeded.assetIds[0]!)).toMatchObject({ tickets: 1, occurrences: 1 });
  });
});
