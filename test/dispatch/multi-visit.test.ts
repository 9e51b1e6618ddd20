/**
 * Jobs longer than one day's free time: one-click dispatch and auto-assign split them into
 * consecutive visits; a crew job books a helper at the same windows; `POST /dispatch/check`
 * answers conflicts and working-hours violations without booking — real PGlite, the real
 * water-chiller model (COMPRESSOR_FAILURE: 10 h) and 07:00–17:00 shifts like the seed.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/access/audit/audit.service.js';
import { DispatchService } from '../../src/service/dispatch/dispatch.service.js';
import { StockService } from '../../src/service/stock/stock.service.js';
import { TicketsService } from '../../src/service/tickets/tickets.service.js';
import { VisitsService } from '../../src/service/visits/visits.service.js';
import { parseModelFile } from '../../src/telemetry/models/models.loader.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import { inlineModel } from '../api/api-fixture.js';
import { FREISING, MUNICH, startDispatchApi, type DispatchApi } from './dispatch-fixture.js';

let api: DispatchApi;
const WORKDAY = [['07:00', '17:00']];
const shifts = { mon: WORKDAY, tue: WORKDAY, wed: WORKDAY, thu: WORKDAY, fri: WORKDAY };
const home = { lat: MUNICH.lat, lon: MUNICH.lon, label: 'Munich' };

beforeAll(async () => {
  const chiller = parseModelFile('water-chiller-wc200.yaml', await readFile(new URL('../../devices/water-chiller-wc200.yaml', import.meta.url), 'utf8'));
  const base = inlineModel('lift-crew');
  const lift: EquipmentModel = { ...base, faults: [{ ...base.faults[0]!, code: 'HOIST', skill: 'lifts', labourHours: 3, crew: 2 }] };
  api = await startDispatchApi('2025-03-10T06:00:00.000Z', [chiller, lift]); // a Monday
});
afterAll(async () => {
  await api?.close();
});

const compressorTicket = async () => {
  const place = await api.site(FREISING.lat, FREISING.lon, {}, 'water-chiller-wc200');
  return api.ticket(place, { faultCode: 'COMPRESSOR_FAILURE', priority: 'high' });
};
const visitsOf = async (ticketId: string) =>
  (await api.db.query<{ technician_id: string }>(`SELECT technician_id FROM visits WHERE ticket_id = $1 AND status = 'planned'`, [ticketId])).rows;

describe('multi-day jobs', () => {
  test('one-click dispatch plans a 10 h job over two days with 07:00–17:00 shifts, same technician', async () => {
    const tech = await api.technician('Vera Longjob', { skills: [{ name: 'refrigeration', level: 3 }], homeBase: home, workingHours: shifts });
    const t = await compressorTicket();
    api.clock.set('2025-03-10T06:00:00Z');

    const dry = await api.call('POST', '/api/v1/dispatch/check', { ticketId: t.id, technicianId: tech.id });
    expect(dry.status).toBe(200);
    expect(dry.body.ok).toBe(true);
    expect(dry.body.visits).toHaveLength(2);
    expect(await visitsOf(t.id)).toHaveLength(0); // checked, not booked

    const res = await api.call('POST', `/api/v1/tickets/${t.id}/dispatch`, { technicianId: tech.id });
    expect(res.status).toBe(200);
    expect(res.body.visits).toHaveLength(2);
    const [day1, day2] = res.body.visits;
    expect(res.body.visit.id).toBe(day1.id);
    expect(day1).toMatchObject({ technicianId: tech.id, plannedEnd: '2025-03-10T17:00:00.000Z' });
    expect(day2.technicianId).toBe(tech.id);
    expect(day2.plannedStart.slice(0, 10)).toBe('2025-03-11');
    const minutes = (v: { plannedStart: string; plannedEnd: string }) => (Date.parse(v.plannedEnd) - Date.parse(v.plannedStart)) / 60_000;
    expect(minutes(day1) + minutes(day2)).toBe(600);
    expect(Date.parse(day1.plannedStart)).toBeGreaterThan(Date.parse('2025-03-10T07:00:00Z')); // after the drive from Munich
    expect(dry.body.visits.map((v: { start: string }) => v.start)).toEqual([day1.plannedStart, day2.plannedStart]);
    expect(res.body.ticket).toMatchObject({ status: 'scheduled', technicianId: tech.id });
  });

  test('re-dispatching a two-day job to another technician replaces the whole plan: no visit of the old plan stays planned', async () => {
    const first = await api.technician('Ada Replan', { skills: [{ name: 'refrigeration', level: 3 }], homeBase: home, workingHours: shifts });
    const second = await api.technician('Ben Replan', { skills: [{ name: 'refrigeration', level: 3 }], homeBase: home, workingHours: shifts });
    const t = await compressorTicket();
    api.clock.set('2025-03-10T06:00:00Z');
    const planA = await api.call('POST', `/api/v1/tickets/${t.id}/dispatch`, { technicianId: first.id });
    expect(planA.body.visits).toHaveLength(2);

    const planB = await api.call('POST', `/api/v1/tickets/${t.id}/dispatch`, { technicianId: second.id, start: '2025-03-12T07:30:00Z' });
    expect(planB.status, JSON.stringify(planB.body)).toBe(200);
    expect(planB.body.visits).toHaveLength(2);
    const planned = await api.db.query<{ id: string; technician_id: string; planned_start: Date }>(
      `SELECT id, technician_id, planned_start FROM visits WHERE ticket_id = $1 AND status = 'planned' ORDER BY planned_start`,
      [t.id],
    );
    expect(planned.rows.map((v) => v.technician_id)).toEqual([second.id, second.id]);
    expect(planned.rows[0]!.planned_start.toISOString().slice(0, 10)).toBe('2025-03-12');
    // The first visit was moved (same id); the old second day is cancelled, and Ada is told.
    expect(planned.rows[0]!.id).toBe(planA.body.visits[0].id);
    const old = await api.db.query<{ status: string }>('SELECT status FROM visits WHERE id = $1', [planA.body.visits[1].id]);
    expect(old.rows[0]!.status).toBe('cancelled');
    expect(api.notifier.forVisit(planA.body.visits[1].id).technician).toContainEqual(['assignment.cancelled', first.id]);
  });

  test('auto-assign uses the split plan too', async () => {
    const tickets = new TicketsService(api.db, api.clock);
    const service = new DispatchService(api.db, {
      clock: api.clock,
      notifier: api.notifier,
      tickets,
      visits: new VisitsService(api.db, api.clock, { tickets, stock: new StockService(api.db, { clock: api.clock }) }),
    });
    api.clock.set('2025-03-10T06:00:00Z');
    await api.technician('Walt Auto', { skills: [{ name: 'refrigeration', level: 3 }], homeBase: home, workingHours: shifts });
    const t = await compressorTicket();
    await api.call('PUT', '/api/v1/dispatch/settings', { autoAssign: true, autoAssignRequiresSla: false });
    try {
      const result = await service.autoAssign(t.id, SYSTEM_ACTOR);
      expect(result).toMatchObject({ assigned: true });
      if (!result.assigned) return;
      expect(result.visitIds.length).toBeGreaterThanOrEqual(2);
      const booked = await visitsOf(t.id);
      expect(booked).toHaveLength(result.visitIds.length);
      expect(new Set(booked.map((v) => v.technician_id))).toEqual(new Set([result.technicianId]));
    } finally {
      await api.call('PUT', '/api/v1/dispatch/settings', { autoAssign: false, autoAssignRequiresSla: true });
    }
  });

  test('a crew job (model crew: 2) books a second technician at the same window', async () => {
    const lead = await api.technician('Xena Lift', { skills: [{ name: 'lifts', level: 4 }], homeBase: home, workingHours: shifts });
    const helper = await api.technician('Yuri Lift', { skills: [{ name: 'lifts', level: 2 }], homeBase: home, workingHours: shifts });
    const place = await api.site(MUNICH.lat, MUNICH.lon, {}, 'lift-crew');
    const t = await api.ticket(place, { faultCode: 'HOIST' });
    api.clock.set('2025-03-12T06:00:00Z');
    const res = await api.call('POST', `/api/v1/tickets/${t.id}/dispatch`, { technicianId: lead.id });
    expect(res.status).toBe(200);
    expect(res.body.visits.map((v: { technicianId: string }) => v.technicianId)).toEqual([lead.id, helper.id]);
    expect(res.body.visits[1]).toMatchObject({ plannedStart: res.body.visits[0].plannedStart, plannedEnd: res.body.visits[0].plannedEnd });
    expect(res.body.ticket.technicianId).toBe(lead.id);

    // Dispatched on a Saturday: nobody works today, the crew is found for Monday all the same.
    api.clock.set('2025-03-15T06:00:00Z');
    const weekend = await api.ticket(place, { faultCode: 'HOIST' });
    const monday = await api.call('POST', `/api/v1/tickets/${weekend.id}/dispatch`, { technicianId: lead.id });
    expect(monday.status, JSON.stringify(monday.body)).toBe(200);
    expect(monday.body.visits.map((v: { technicianId: string; plannedStart: string }) => [v.technicianId, v.plannedStart.slice(0, 10)])).toEqual([
      [lead.id, '2025-03-17'],
      [helper.id, '2025-03-17'],
    ]);
  });
});

describe('checks before and after a drop', () => {
  test('POST /dispatch/check lists every rule broken; dispatch with such a window is refused with the reason', async () => {
    const tech = await api.technician('Zoe Checks', { skills: [{ name: 'refrigeration', level: 3 }], homeBase: home, workingHours: shifts });
    const first = await api.ticket(await api.site(MUNICH.lat, MUNICH.lon));
    api.clock.set('2025-03-13T06:00:00Z');
    const booked = await api.call('POST', `/api/v1/tickets/${first.id}/dispatch`, {
      technicianId: tech.id,
      start: '2025-03-13T09:00:00Z',
      end: '2025-03-13T11:00:00Z',
    });
    expect(booked.status).toBe(200);
    expect(booked.body.visits).toHaveLength(1);

    const second = await api.ticket(await api.site(MUNICH.lat, MUNICH.lon));
    const late = await api.call('POST', '/api/v1/dispatch/check', {
      ticketId: second.id,
      technicianId: tech.id,
      start: '2025-03-13T10:00:00Z',
      end: '2025-03-13T18:00:00Z',
    });
    expect(late.status).toBe(200);
    expect(late.body.ok).toBe(false);
    expect(late.body.problems.map((p: { code: string }) => p.code)).toEqual(['SCHEDULE_CONFLICT', 'OUTSIDE_WORKING_HOURS']);
    expect(late.body.problems[0].details.clash).toMatchObject({ visitId: booked.body.visit.id, ticketNumber: first.number });
    expect(late.body.problems[1].message).toMatch(/outside Zoe Checks's working hours/);
    expect(late.body.problems[1].details.workingHours).toEqual([{ start: '2025-03-13T07:00:00.000Z', end: '2025-03-13T17:00:00.000Z' }]);

    const fine = await api.call('POST', '/api/v1/dispatch/check', { ticketId: second.id, technicianId: tech.id, start: '2025-03-13T12:00:00Z' });
    expect(fine.body).toMatchObject({
      ok: true,
      problems: [],
      visits: [{ technicianId: tech.id, start: '2025-03-13T12:00:00.000Z', end: '2025-03-13T13:30:00.000Z' }],
    });
    // Moving the booked visit onto itself is no clash.
    expect(
      (
        await api.call('POST', '/api/v1/dispatch/check', {
          ticketId: first.id,
          technicianId: tech.id,
          start: '2025-03-13T10:00:00Z',
          visitId: booked.body.visit.id,
        })
      ).body.ok,
    ).toBe(true);

    const refused = await api.call('POST', `/api/v1/tickets/${second.id}/dispatch`, { technicianId: tech.id, start: '2025-03-13T10:00:00Z' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('SCHEDULE_CONFLICT');
    expect(refused.body.clash).toMatchObject({ visitId: booked.body.visit.id });
    const evening = await api.call('POST', `/api/v1/tickets/${second.id}/dispatch`, { technicianId: tech.id, start: '2025-03-13T16:30:00Z' });
    expect(evening.status).toBe(422);
    expect(evening.body).toMatchObject({
      code: 'OUTSIDE_WORKING_HOURS',
      workingHours: [{ start: '2025-03-13T07:00:00.000Z', end: '2025-03-13T17:00:00.000Z' }],
    });

    // Moving or resizing a visit on the board goes through the same rules.
    const visitId = booked.body.visit.id;
    const resized = await api.call('PATCH', `/api/v1/visits/${visitId}`, { plannedStart: '2025-03-13T15:00:00Z', plannedEnd: '2025-03-13T18:00:00Z' });
    expect(resized.status).toBe(422);
    expect(resized.body.code).toBe('OUTSIDE_WORKING_HOURS');
    const other = await api.technician('Zack Busy', { skills: [{ name: 'refrigeration', level: 3 }], homeBase: home, workingHours: shifts });
    const busy = await api.ticket(await api.site(MUNICH.lat, MUNICH.lon));
    expect((await api.call('POST', `/api/v1/tickets/${busy.id}/dispatch`, { technicianId: other.id, start: '2025-03-13T09:30:00Z' })).status).toBe(200);
    const handedOver = await api.call('PATCH', `/api/v1/visits/${visitId}`, { technicianId: other.id });
    expect(handedOver.status).toBe(409);
    expect(handedOver.body).toMatchObject({ code: 'SCHEDULE_CONFLICT', clash: { ticketNumber: busy.number } });
    expect((await api.call('PATCH', `/api/v1/visits/${visitId}`, { plannedStart: '2025-03-13T13:00:00Z', plannedEnd: '2025-03-13T15:00:00Z' })).status).toBe(
      200,
    );
  });
});
