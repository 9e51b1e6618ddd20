/** Setting out, ETA and delay notifications; technician profiles and REST location updates. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FREISING, MUNICH, startDispatchApi, type DispatchApi } from './dispatch-fixture.js';

let api: DispatchApi;
beforeAll(async () => {
  api = await startDispatchApi('2025-03-11T09:30:00.000Z');
});
afterAll(async () => {
  await api?.close();
});

describe('ETA', () => {
  test('en route: ticket en_route, ETA from the position at 50 km/h, customer told; a later ETA beyond 15 min notifies a delay once', async () => {
    const tech = await api.technician('Rita Road', { homeBase: { lat: MUNICH.lat, lon: MUNICH.lon, label: 'Munich' } });
    const place = await api.site(MUNICH.lat, MUNICH.lon);
    const ticket = await api.ticket(place);
    await api.call('POST', `/api/v1/tickets/${ticket.id}/assignment`, { technicianId: tech.id });
    const visit = (
      await api.call('POST', `/api/v1/tickets/${ticket.id}/visits`, {
        technicianId: tech.id,
        plannedStart: '2025-03-11T10:00:00Z',
        plannedEnd: '2025-03-11T11:00:00Z',
      })
    ).body;
    const other = await api.technician('Sam Other', {});
    expect((await api.call('POST', `/api/v1/visits/${visit.id}/en-route`, {}, other.auth)).status).toBe(403);

    const out = await api.call('POST', `/api/v1/visits/${visit.id}/en-route`, { lat: FREISING.lat, lon: FREISING.lon }, tech.auth);
    expect(out.status).toBe(200);
    const minutes = out.body.travelMinutes;
    expect(out.body.distanceKm).toBeGreaterThan(30);
    expect(minutes).toBe(Math.ceil((out.body.distanceKm / 50) * 60));
    const eta = new Date(Date.parse('2025-03-11T09:30:00Z') + minutes * 60_000).toISOString();
    expect(out.body).toMatchObject({ ticketStatus: 'en_route', enRouteAt: '2025-03-11T09:30:00.000Z', etaAt: eta, etaAnnouncedAt: eta, delayed: false });
    expect(out.body.basis).toMatch(/from their current location/);
    expect((await api.call('GET', `/api/v1/tickets/${ticket.id}`)).body.status).toBe('en_route');
    expect(api.notifier.customer.filter((r) => r.visitId === visit.id)).toEqual([
      expect.objectContaining({ event: 'visit.scheduled' }), // when the visit was planned
      expect.objectContaining({ event: 'technician.en_route', data: expect.objectContaining({ eta, technicianName: 'Rita Road' }) }),
    ]);
    expect((await api.call('GET', `/api/v1/visits/${visit.id}`)).body.etaAt).toBe(eta);

    const small = await api.call('PUT', `/api/v1/visits/${visit.id}/eta`, { etaAt: new Date(Date.parse(eta) + 10 * 60_000).toISOString() }, tech.auth);
    expect(small.body).toMatchObject({ delayed: false, etaAnnouncedAt: eta });
    const late = new Date(Date.parse(eta) + 40 * 60_000).toISOString();
    const big = await api.call('PUT', `/api/v1/visits/${visit.id}/eta`, { etaAt: late, reason: 'traffic jam' }, tech.auth);
    expect(big.body).toMatchObject({ delayed: true, delayMinutes: 40, etaAt: late, etaAnnouncedAt: late });
    const delays = api.notifier.customer.filter((r) => r.visitId === visit.id && r.event === 'visit.delayed');
    expect(delays).toEqual([
      expect.objectContaining({
        dedupeKey: `visit.delayed:${visit.id}:${late}`,
        data: expect.objectContaining({ eta: late, previousEta: eta, delayMinutes: 40, reason: 'traffic jam' }),
      }),
    ]);
    // The same ETA again is no new delay.
    expect((await api.call('PUT', `/api/v1/visits/${visit.id}/eta`, { etaAt: late }, tech.auth)).body.delayed).toBe(false);
    expect(api.notifier.customer.filter((r) => r.visitId === visit.id && r.event === 'visit.delayed')).toHaveLength(1);
    // A position recomputes the ETA.
    api.clock.set('2025-03-11T10:20:00Z');
    const near = await api.call('PUT', `/api/v1/visits/${visit.id}/eta`, { lat: MUNICH.lat + 0.05, lon: MUNICH.lon }, tech.auth);
    expect(near.body).toMatchObject({ delayed: false, travelMinutes: 7, etaAt: '2025-03-11T10:27:00.000Z' });
    expect((await api.call('PUT', `/api/v1/visits/${visit.id}/eta`, { reason: 'x' }, tech.auth)).status).toBe(400);
  });

  test('without an announced ETA the window end is the reference', async () => {
    const tech = await api.technician('Tom Window', {});
    const ticket = await api.ticket(await api.site(MUNICH.lat, MUNICH.lon));
    const visit = (
      await api.call('POST', `/api/v1/tickets/${ticket.id}/visits`, {
        technicianId: tech.id,
        plannedStart: '2025-03-12T10:00:00Z',
        plannedEnd: '2025-03-12T11:00:00Z',
      })
    ).body;
    expect((await api.call('PUT', `/api/v1/visits/${visit.id}/eta`, { etaAt: '2025-03-12T11:10:00Z' })).body.delayed).toBe(false);
    expect((await api.call('PUT', `/api/v1/visits/${visit.id}/eta`, { etaAt: '2025-03-12T11:20:00Z' })).body).toMatchObject({
      delayed: true,
      delayMinutes: 20,
    });
  });
});

describe('technician profile and REST location', () => {
  test('skills with levels stay in sync with users.skills; technicians edit only their own hours; agents see no cost', async () => {
    const tech = await api.user('technician', 'Uwe Profile');
    const before = await api.call('GET', `/api/v1/technicians/${tech.id}`);
    expect(before.body).toMatchObject({ hasProfile: false, timezone: 'UTC', skills: [], workingHours: { mon: [['08:00', '17:00']] } });
    const put = await api.call('PUT', `/api/v1/technicians/${tech.id}`, {
      skills: [{ name: 'refrigeration', level: 5 }, { name: 'electrical' }],
      territories: ['DE-BY'],
      homeBase: { lat: 48.1, lon: 11.5, label: 'Depot' },
      timezone: 'Europe/Berlin',
      workingHours: { mon: [['07:00', '15:00']] },
      hourlyCost: 42.5,
      pushUrl: 'https://push.example.test/uwe',
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      hasProfile: true,
      skills: [
        { name: 'refrigeration', level: 5 },
        { name: 'electrical', level: 3 },
      ],
      territories: ['DE-BY'],
      hourlyCost: 42.5,
      homeBase: { lat: 48.1, lon: 11.5, label: 'Depot' },
    });
    const user = await api.call('GET', `/api/v1/users/${tech.id}`);
    expect(user.body.skills).toEqual(['refrigeration', 'electrical']);

    expect((await api.call('PUT', `/api/v1/technicians/${tech.id}`, { workingHours: { tue: [['09:00', '17:00']] } }, tech.auth)).status).toBe(200);
    expect((await api.call('PUT', `/api/v1/technicians/${tech.id}`, { skills: [{ name: 'x', level: 5 }] }, tech.auth)).status).toBe(403);
    const stale = await api.call('PUT', `/api/v1/technicians/${tech.id}`, { timezone: 'UTC' }, { 'if-match': put.headers.etag as string });
    expect(stale.status).toBe(412);
    const bad = await api.call('PUT', `/api/v1/technicians/${tech.id}`, {
      timezone: 'Mars/Base',
      workingHours: { mon: [['17:00', '08:00']] },
      skills: [{ name: 'a', level: 9 }],
    });
    expect(bad.status).toBe(400);
    const agent = await api.user('agent');
    const seen = await api.call('GET', `/api/v1/technicians/${tech.id}`, undefined, agent.auth);
    expect(seen.status).toBe(200);
    expect(seen.body.hourlyCost).toBeUndefined();
  });

  test('POST /technicians/:id/location: own or dispatcher; history bounded newest first; an older fix does not replace the current one', async () => {
    const tech = await api.technician('Vera Where', {});
    const other = await api.technician('Walt Else', {});
    const dispatcher = await api.user('dispatcher');
    expect((await api.call('POST', `/api/v1/technicians/${tech.id}/location`, { lat: 48.2, lon: 11.6 }, other.auth)).status).toBe(403);
    const own = await api.call('POST', `/api/v1/technicians/${tech.id}/location`, { lat: 48.2, lon: 11.6, accuracy: 12 }, tech.auth);
    expect(own.status).toBe(200);
    expect(own.body.currentLocation).toMatchObject({ lat: 48.2, lon: 11.6, accuracy: 12, source: 'api' });
    const older = await api.call('POST', `/api/v1/technicians/${tech.id}/location`, { lat: 47, lon: 11, at: '2025-03-11T08:00:00Z' }, dispatcher.auth);
    expect(older.body.currentLocation.lat).toBe(48.2);
    const history = await api.call('GET', `/api/v1/technicians/${tech.id}/locations`);
    expect(history.body.items.map((i: { lat: number }) => i.lat)).toEqual([47, 48.2]);
    expect((await api.call('POST', `/api/v1/technicians/${tech.id}/location`, { lat: 123, lon: 11 })).status).toBe(400);
    const future = await api.call('POST', `/api/v1/technicians/${tech.id}/location`, { lat: 48, lon: 11, at: '2030-01-01T00:00:00Z' });
    expect(future.status).toBe(400);
  });
});
