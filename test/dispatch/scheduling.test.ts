/**
 * Scheduling rules on the visit routes (double booking, working hours, absences), reassignment
 * history, absences handing work to the substitute, one-click dispatch, auto-assign and the
 * schedule board — against a real PGlite database, with a recording notifier.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/access/audit/audit.service.js';
import { DispatchService } from '../../src/service/dispatch/dispatch.service.js';
import { FREISING, MUNICH, startDispatchApi, type DispatchApi } from './dispatch-fixture.js';
import { TicketsService } from '../../src/service/tickets/tickets.service.js';
import { VisitsService } from '../../src/service/visits/visits.service.js';
import { StockService } from '../../src/service/stock/stock.service.js';

let api: DispatchApi;
beforeAll(async () => {
  api = await startDispatchApi('2025-03-10T06:00:00.000Z');
});
afterAll(async () => {
  await api?.close();
});

const home = { lat: MUNICH.lat, lon: MUNICH.lon, label: 'Munich' };
const plan = (ticketId: string, technicianId: string, start: string, end: string) =>
  api.call('POST', `/api/v1/tickets/${ticketId}/visits`, { technicianId, plannedStart: start, plannedEnd: end });
const newTicket = async () => api.ticket(await api.site(MUNICH.lat, MUNICH.lon));

describe('scheduling rules', () => {
  test('double booking, outside working hours and absences are refused with a message naming the clash', async () => {
    const tech = await api.technician('Jana Rules', {
      skills: [{ name: 'refrigeration', level: 3 }],
      homeBase: home,
      timezone: 'Europe/Berlin',
      workingHours: {
        tue: [
          ['08:00', '12:00'],
          ['13:00', '17:00'],
        ],
        wed: [['08:00', '17:00']],
      },
    });
    const first = await newTicket();
    const ok = await plan(first.id, tech.id, '2025-03-11T08:00:00Z', '2025-03-11T09:00:00Z'); // 09:00–10:00 Berlin
    expect(ok.status).toBe(201);

    const second = await newTicket();
    const clash = await plan(second.id, tech.id, '2025-03-11T08:30:00Z', '2025-03-11T09:30:00Z');
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('SCHEDULE_CONFLICT');
    expect(clash.body.detail).toContain(first.number);
    expect(clash.body.detail).toContain('2025-03-11 09:00–10:00 (Europe/Berlin)');
    expect(clash.body.clash).toMatchObject({ visitId: ok.body.id, ticketNumber: first.number });

    const lunch = await plan(second.id, tech.id, '2025-03-11T11:30:00Z', '2025-03-11T12:30:00Z'); // 12:30–13:30 Berlin spans the break
    expect(lunch.status).toBe(422);
    expect(lunch.body.code).toBe('OUTSIDE_WORKING_HOURS');
    expect(lunch.body.detail).toMatch(/outside Jana Rules's working hours \(working hours around then: 08:00–12:00, 13:00–17:00\)/);
    expect((await plan(second.id, tech.id, '2025-03-13T08:00:00Z', '2025-03-13T09:00:00Z')).body.detail).toMatch(/no working hours that day/); // Thursday off

    const absence = await api.call('POST', `/api/v1/technicians/${tech.id}/absences`, {
      startsAt: '2025-03-12T00:00:00Z',
      endsAt: '2025-03-12T23:00:00Z',
      reason: 'doctor',
    });
    expect(absence.status).toBe(201);
    const away = await plan(second.id, tech.id, '2025-03-12T09:00:00Z', '2025-03-12T10:00:00Z');
    expect(away.status).toBe(422);
    expect(away.body.detail).toMatch(/Jana Rules is absent from .* \(doctor\)/);

    const fine = await plan(second.id, tech.id, '2025-03-11T12:00:00Z', '2025-03-11T13:00:00Z');
    expect(fine.status).toBe(201);
    // Moving a visit onto another is refused too; moving it to a free time is fine.
    const moved = await api.call('PATCH', `/api/v1/visits/${fine.body.id}`, { plannedStart: '2025-03-11T08:15:00Z', plannedEnd: '2025-03-11T08:45:00Z' });
    expect(moved.status).toBe(409);
    expect(
      (await api.call('PATCH', `/api/v1/visits/${fine.body.id}`, { plannedStart: '2025-03-11T13:00:00Z', plannedEnd: '2025-03-11T14:00:00Z' })).status,
    ).toBe(200);
    // A cancelled visit frees its time.
    expect((await api.call('PATCH', `/api/v1/visits/${ok.body.id}`, { status: 'cancelled' })).status).toBe(200);
    expect((await plan(second.id, tech.id, '2025-03-11T08:30:00Z', '2025-03-11T09:30:00Z')).status).toBe(201);
    expect(api.notifier.forVisit(ok.body.id).technician).toEqual([
      ['assignment.created', tech.id],
      ['assignment.cancelled', tech.id],
    ]);
    expect(api.notifier.forVisit(fine.body.id).technician).toEqual([
      ['assignment.created', tech.id],
      ['assignment.changed', tech.id],
    ]);
    // The customer is told the window when the visit is planned, and the new one when it moves;
    // not when it is cancelled (the technician is).
    expect(api.notifier.forVisit(fine.body.id).customer).toEqual(['visit.scheduled', 'visit.scheduled']);
    expect(api.notifier.customer.filter((r) => r.visitId === fine.body.id).map((r) => r.data?.windowStart)).toEqual([
      '2025-03-11T12:00:00.000Z',
      '2025-03-11T13:00:00.000Z',
    ]);
    expect(api.notifier.forVisit(ok.body.id).customer).toEqual(['visit.scheduled']);
  });

  test('technicians without a profile are not checked (imported data)', async () => {
    const legacy = await api.user('technician', 'Legacy Tech');
    const t = await newTicket();
    expect((await plan(t.id, legacy.id, '2025-03-15T22:00:00Z', '2025-03-15T23:00:00Z')).status).toBe(201);
    expect((await plan(t.id, legacy.id, '2025-03-15T22:30:00Z', '2025-03-15T23:30:00Z')).status).toBe(201);
  });

  test('reassignment keeps the history; the ticket follows; both technicians are told', async () => {
    const a = await api.technician('Karl One', { homeBase: home });
    const b = await api.technician('Lisa Two', { homeBase: home });
    const t = await newTicket();
    await api.call('POST', `/api/v1/tickets/${t.id}/assignment`, { technicianId: a.id });
    const visit = (await plan(t.id, a.id, '2025-03-11T10:00:00Z', '2025-03-11T11:00:00Z')).body;
    const handed = await api.call('PATCH', `/api/v1/visits/${visit.id}`, { technicianId: b.id });
    expect(handed.status).toBe(200);
    expect(handed.body.technicianId).toBe(b.id);
    expect((await api.call('GET', `/api/v1/tickets/${t.id}`)).body.technicianId).toBe(b.id);
    const history = await api.call('GET', `/api/v1/visits/${visit.id}/assignments`);
    expect(history.body.items.map((h: { fromTechnicianId: string | null; toTechnicianId: string }) => [h.fromTechnicianId, h.toTechnicianId])).toEqual([
      [null, a.id],
      [a.id, b.id],
    ]);
    expect(api.notifier.forVisit(visit.id).technician).toEqual([
      ['assignment.created', a.id],
      ['assignment.cancelled', a.id],
      ['assignment.created', b.id],
    ]);
    expect((await api.call('GET', `/api/v1/visits/${visit.id}/assignments`, undefined, b.auth)).status).toBe(200);
  });
});

describe('absences', () => {
  test("creating an absence moves the technician's planned visits to the substitute, with history; clashes need attention", async () => {
    const away = await api.technician('Mia Away', { homeBase: home });
    const sub = await api.technician('Nico Sub', { homeBase: home });
    const inside = await newTicket();
    await api.call('POST', `/api/v1/tickets/${inside.id}/assignment`, { technicianId: away.id });
    const v1 = (await plan(inside.id, away.id, '2025-03-12T09:00:00Z', '2025-03-12T10:00:00Z')).body;
    const blocked = await newTicket();
    const v2 = (await plan(blocked.id, away.id, '2025-03-12T13:00:00Z', '2025-03-12T14:00:00Z')).body;
    const subsOwn = await newTicket();
    expect((await plan(subsOwn.id, sub.id, '2025-03-12T13:30:00Z', '2025-03-12T14:30:00Z')).status).toBe(201);
    const outside = await newTicket();
    const v3 = (await plan(outside.id, away.id, '2025-03-13T09:00:00Z', '2025-03-13T10:00:00Z')).body;

    const res = await api.call('POST', `/api/v1/technicians/${away.id}/absences`, {
      startsAt: '2025-03-12T00:00:00Z',
      endsAt: '2025-03-13T00:00:00Z',
      substituteId: sub.id,
      reason: 'sick',
    });
    expect(res.status).toBe(201);
    expect(res.body.moved).toEqual([expect.objectContaining({ visitId: v1.id, ticketNumber: inside.number, to: sub.id })]);
    expect(res.body.needsAttention).toEqual([
      expect.objectContaining({ visitId: v2.id, reason: expect.stringMatching(/^The substitute cannot take it: Nico Sub is already booked/) }),
    ]);

    expect((await api.call('GET', `/api/v1/visits/${v1.id}`)).body.technicianId).toBe(sub.id);
    expect((await api.call('GET', `/api/v1/visits/${v2.id}`)).body.technicianId).toBe(away.id);
    expect((await api.call('GET', `/api/v1/visits/${v3.id}`)).body.technicianId).toBe(away.id);
    const ticket = (await api.call('GET', `/api/v1/tickets/${inside.id}`)).body;
    expect(ticket).toMatchObject({ technicianId: sub.id, status: 'assigned' });
    const history = (await api.call('GET', `/api/v1/visits/${v1.id}/assignments`)).body.items;
    expect(history[1]).toMatchObject({ fromTechnicianId: away.id, toTechnicianId: sub.id, reason: 'Mia Away absent (sick): Nico Sub substitutes' });
    expect(api.notifier.forVisit(v1.id).technician.slice(1)).toEqual([
      ['assignment.cancelled', away.id],
      ['assignment.created', sub.id],
    ]);
    const list = await api.call('GET', `/api/v1/technicians/${away.id}/absences`);
    expect(list.body.items).toEqual([expect.objectContaining({ substituteId: sub.id, reason: 'sick', cancelledAt: null })]);
    expect(
      (
        await api.call('POST', `/api/v1/technicians/${away.id}/absences`, {
          startsAt: '2025-03-12T00:00:00Z',
          endsAt: '2025-03-13T00:00:00Z',
          substituteId: away.id,
        })
      ).status,
    ).toBe(400);
  });
});

describe('dispatch', () => {
  test('one click: the suggested slot becomes a planned visit, the ticket is assigned and scheduled; a second click moves it', async () => {
    const a = await api.technician('Olga Click', { skills: [{ name: 'refrigeration', level: 3 }], homeBase: home });
    const b = await api.technician('Paul Click', { homeBase: { lat: FREISING.lat, lon: FREISING.lon, label: 'Freising' } });
    const t = await newTicket();
    api.clock.set('2025-03-11T07:00:00Z');
    const unskilled = await api.call('POST', `/api/v1/tickets/${t.id}/dispatch`, { technicianId: b.id });
    expect(unskilled.status).toBe(400);
    expect(unskilled.body.detail).toMatch(/Paul Click: Lacks skill refrigeration/);
    const first = await api.call('POST', `/api/v1/tickets/${t.id}/dispatch`, { technicianId: a.id });
    expect(first.status).toBe(200);
    expect(first.body.ticket).toMatchObject({ id: t.id, status: 'scheduled', technicianId: a.id });
    expect(first.body.visit).toMatchObject({
      status: 'planned',
      technicianId: a.id,
      plannedStart: '2025-03-11T08:00:00.000Z',
      plannedEnd: '2025-03-11T09:30:00.000Z',
      travelMinutes: 0,
    });
    const visitId = first.body.visit.id;
    expect(api.notifier.customer.filter((r) => r.visitId === visitId)).toEqual([
      expect.objectContaining({
        event: 'visit.scheduled',
        data: expect.objectContaining({ windowStart: '2025-03-11T08:00:00.000Z', technicianName: 'Olga Click' }),
      }),
    ]);

    const again = await api.call('POST', `/api/v1/tickets/${t.id}/dispatch`, { technicianId: b.id, start: '2025-03-11T14:00:00Z' });
    expect(again.status).toBe(200);
    expect(again.body.visit).toMatchObject({
      id: visitId,
      technicianId: b.id,
      plannedStart: '2025-03-11T14:00:00.000Z',
      plannedEnd: '2025-03-11T15:30:00.000Z',
    });
    expect(again.body.ticket).toMatchObject({ technicianId: b.id, status: 'scheduled' });
    expect(api.notifier.forVisit(visitId).technician).toEqual([
      ['assignment.created', a.id],
      ['assignment.cancelled', a.id],
      ['assignment.created', b.id],
    ]);
    const clash = await newTicket();
    const refused = await api.call('POST', `/api/v1/tickets/${clash.id}/dispatch`, { technicianId: b.id, start: '2025-03-11T14:30:00Z' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('SCHEDULE_CONFLICT');

    const board = await api.call('GET', `/api/v1/schedule?date=2025-03-11&technicianId=${b.id}`);
    expect(board.status).toBe(200);
    const row = board.body.technicians[0];
    expect(row).toMatchObject({
      technicianId: b.id,
      absent: false,
      workingHours: [{ start: '2025-03-11T08:00:00.000Z', end: '2025-03-11T17:00:00.000Z' }],
      bookedMinutes: 90,
    });
    expect(row.visits).toEqual([expect.objectContaining({ visitId, ticketNumber: t.number, start: '2025-03-11T14:00:00.000Z' })]);
    expect(row.visits[0].travelMinutesBefore).toBeGreaterThan(30);
    expect(row.gaps).toEqual([
      { start: '2025-03-11T08:00:00.000Z', end: '2025-03-11T14:00:00.000Z', minutes: 360 },
      { start: '2025-03-11T15:30:00.000Z', end: '2025-03-11T17:00:00.000Z', minutes: 90 },
    ]);
    expect((await api.call('GET', `/api/v1/schedule?date=2025-03-11&technicianId=${a.id}`, undefined, (await api.user('technician')).auth)).status).toBe(403);
  });

  test('auto-assign: off by default; when on, a new ticket goes to the top candidate', async () => {
    const tickets = new TicketsService(api.db, api.clock);
    const service = new DispatchService(api.db, {
      clock: api.clock,
      notifier: api.notifier,
      tickets,
      visits: new VisitsService(api.db, api.clock, { tickets, stock: new StockService(api.db, { clock: api.clock }) }),
    });
    api.clock.set('2025-03-10T06:00:00Z');
    const quinn = await api.technician('Quinn Auto', { skills: [{ name: 'refrigeration', level: 4 }], homeBase: home });
    const t = await newTicket();
    expect(await service.autoAssign(t.id, SYSTEM_ACTOR)).toEqual({ assigned: false, reason: 'Auto-assign is off' });
    expect((await api.call('PUT', '/api/v1/dispatch/settings', { autoAssign: true, autoAssignRequiresSla: false })).body).toMatchObject({
      autoAssign: true,
      speedKmh: 50,
    });
    try {
      const top = (await api.call('GET', `/api/v1/tickets/${t.id}/technician-suggestions?date=2025-03-10`)).body.candidates[0];
      const result = await service.autoAssign(t.id, SYSTEM_ACTOR);
      expect(top.technicianId).toBe(quinn.id);
      expect(result).toMatchObject({ assigned: true, technicianId: quinn.id, start: top.slot.start });
      expect((await api.call('GET', `/api/v1/tickets/${t.id}`)).body).toMatchObject({ technicianId: top.technicianId, status: 'scheduled' });
      expect(await service.autoAssign(t.id, SYSTEM_ACTOR)).toEqual({ assigned: false, reason: 'The ticket already has a technician' });
    } finally {
      await api.call('PUT', '/api/v1/dispatch/settings', { autoAssign: false, autoAssignRequiresSla: true });
    }
  });
});
