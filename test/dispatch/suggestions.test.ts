/**
 * Technician suggestions on crafted cases: skill mismatch excluded, nearer wins, parts on the van
 * win, load and previous visits shape the slot, the absent technician is replaced by the
 * substitute; the skill comes from the auto-ticket prefill when there is one.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AUGSBURG, FREISING, MUNICH, startDispatchApi, type DispatchApi } from './dispatch-fixture.js';

let api: DispatchApi;
beforeAll(async () => {
  api = await startDispatchApi('2025-03-10T06:00:00.000Z');
  await api.db.query(`INSERT INTO parts (sku, description, unit_price, unit_cost) VALUES ('SKU-1', 'Expansion valve', 120, 80) ON CONFLICT (sku) DO NOTHING`);
});
afterAll(async () => {
  await api?.close();
});

/** A skill name only this test's technicians have, so other tests' technicians stay out of the way. */
const uniqueSkill = () => `refr-${randomUUID().slice(0, 8)}`;
const home = (p: { lat: number; lon: number }, label: string) => ({ lat: p.lat, lon: p.lon, label });

async function putOnVan(technicianId: string, sku: string, quantity: number) {
  const { rows } = await api.db.query<{ id: string }>(`INSERT INTO stock_locations (code, name, kind, technician_id) VALUES ($1, $2, 'van', $3) RETURNING id`, [
    `VAN-${technicianId.slice(0, 8)}`,
    'Van',
    technicianId,
  ]);
  await api.db.query(`INSERT INTO stock_levels (location_id, part_id, on_hand) SELECT $1, id, $3 FROM parts WHERE sku = $2`, [rows[0]!.id, sku, quantity]);
}

const suggest = (ticketId: string, query: string) => api.call('GET', `/api/v1/tickets/${ticketId}/technician-suggestions?${query}`);

describe('technician suggestions', () => {
  test('skill mismatch is excluded with the reason; the nearer technician wins; slots fit travel and labour', async () => {
    const skill = uniqueSkill();
    const near = await api.technician('Anna Near', { skills: [{ name: skill, level: 3 }], homeBase: home(MUNICH, 'Munich depot') });
    const far = await api.technician('Bruno Far', { skills: [{ name: skill, level: 3 }], homeBase: home(AUGSBURG, 'Augsburg') });
    const unskilled = await api.technician('Carl Electric', { skills: [{ name: 'electrical', level: 5 }], homeBase: home(MUNICH, 'Munich') });
    const place = await api.site(MUNICH.lat + 0.01, MUNICH.lon);
    const ticket = await api.ticket(place);

    const reply = await suggest(ticket.id, `date=2025-03-11&skill=${skill}`);
    expect(reply.status).toBe(200);
    const s = reply.body;
    expect(s).toMatchObject({ ticketId: ticket.id, requiredSkill: skill, skillSource: 'query', labourMinutes: 90, parts: [{ sku: 'SKU-1', quantity: 1 }] });
    const ids = s.candidates.map((c: { technicianId: string }) => c.technicianId);
    expect(ids.indexOf(near.id)).toBe(0);
    expect(ids).toContain(far.id);
    expect(ids).not.toContain(unskilled.id);
    expect(s.excluded.find((e: { technicianId: string }) => e.technicianId === unskilled.id).reason).toMatch(`Lacks skill ${skill}`);

    const [first, second] = s.candidates;
    expect(first).toMatchObject({
      rank: 1,
      name: 'Anna Near',
      skillLevel: 3,
      loadMinutes: 0,
      travelMinutes: 2,
      slot: { start: '2025-03-11T08:05:00.000Z', end: '2025-03-11T09:35:00.000Z' },
    });
    expect(first.distanceKm).toBeCloseTo(1.1, 0);
    expect(second).toMatchObject({ rank: 2, name: 'Bruno Far' });
    expect(second.distanceKm).toBeGreaterThan(50);
    expect(second.travelMinutes).toBe(Math.ceil((second.distanceKm / 50) * 60));
    expect(Date.parse(second.slot.start)).toBeGreaterThanOrEqual(Date.parse('2025-03-11T08:00:00Z') + second.travelMinutes * 60_000);
    // One ranking with reasons in words (issue #16): no bare score in the response.
    expect(first).not.toHaveProperty('score');
    expect(first.reasons.join(' ')).toMatch(/from home base \(Munich depot\)/);
    expect(first.reasons.join(' ')).toMatch(/Missing on the van: SKU-1/);
  });

  test('parts on the van win between equally placed technicians', async () => {
    const skill = uniqueSkill();
    const without = await api.technician('Dora Empty', { skills: [{ name: skill, level: 3 }], homeBase: home(MUNICH, 'Munich') });
    const stocked = await api.technician('Emil Stocked', { skills: [{ name: skill, level: 3 }], homeBase: home(MUNICH, 'Munich') });
    await putOnVan(stocked.id, 'SKU-1', 2);
    const ticket = await api.ticket(await api.site(MUNICH.lat, MUNICH.lon + 0.02));
    const s = (await suggest(ticket.id, `date=2025-03-11&skill=${skill}`)).body;
    expect(s.candidates.map((c: { technicianId: string }) => c.technicianId).slice(0, 2)).toEqual([stocked.id, without.id]);
    expect(s.candidates[0]).toMatchObject({ allPartsOnVan: true, partsOnVan: [{ sku: 'SKU-1', needed: 1, onVan: 2 }] });
    expect(s.candidates[1]).toMatchObject({ allPartsOnVan: false, partsOnVan: [{ sku: 'SKU-1', needed: 1, onVan: 0 }] });
    expect(s.candidates[0].reasons).toContain('All 1 needed part is on the van.');
    expect(s.candidates[1].reasons.join(' ')).toMatch(/Missing on the van: SKU-1/);
  });

  test('a booked day: travel from the previous visit, load counted, the slot after it', async () => {
    const skill = uniqueSkill();
    const busy = await api.technician('Fritz Busy', { skills: [{ name: skill, level: 4 }], homeBase: home(MUNICH, 'Munich') });
    const earlier = await api.ticket(await api.site(FREISING.lat, FREISING.lon));
    const booked = await api.call('POST', `/api/v1/tickets/${earlier.id}/visits`, {
      technicianId: busy.id,
      plannedStart: '2025-03-11T08:00:00Z',
      plannedEnd: '2025-03-11T12:00:00Z',
    });
    expect(booked.status).toBe(201);
    const ticket = await api.ticket(await api.site(MUNICH.lat, MUNICH.lon));
    const c = (await suggest(ticket.id, `date=2025-03-11&skill=${skill}`)).body.candidates.find((x: { technicianId: string }) => x.technicianId === busy.id);
    expect(c.loadMinutes).toBe(240);
    expect(c.travelFrom).toMatch(`their previous visit (${earlier.number}`);
    expect(c.distanceKm).toBeGreaterThan(25);
    expect(Date.parse(c.slot.start)).toBe(Math.ceil((Date.parse('2025-03-11T12:00:00Z') + c.travelMinutes * 60_000) / 300_000) * 300_000);
    expect(c.skillLevel).toBe(4);
  });

  test('the absent technician is excluded and the named substitute covers for them', async () => {
    const skill = uniqueSkill();
    const absent = await api.technician('Greta Away', { skills: [{ name: skill, level: 5 }], homeBase: home(MUNICH, 'Munich') });
    const substitute = await api.technician('Hans Cover', { skills: [{ name: skill, level: 2 }], homeBase: home(FREISING, 'Freising') });
    const created = await api.call('POST', `/api/v1/technicians/${absent.id}/absences`, {
      startsAt: '2025-03-11T00:00:00Z',
      endsAt: '2025-03-12T00:00:00Z',
      substituteId: substitute.id,
      reason: 'training',
    });
    expect(created.status).toBe(201);
    const ticket = await api.ticket(await api.site(MUNICH.lat, MUNICH.lon));
    const s = (await suggest(ticket.id, `date=2025-03-11&skill=${skill}`)).body;
    expect(s.candidates.map((c: { technicianId: string }) => c.technicianId)).toEqual([substitute.id]);
    expect(s.candidates[0].substituteFor).toBe(absent.id);
    expect(s.candidates[0].reasons.join(' ')).toMatch(/Covers for Greta Away/);
    expect(s.excluded.find((e: { technicianId: string }) => e.technicianId === absent.id).reason).toMatch(/^Absent .*\(training\); Hans Cover covers$/);
    // The next day she is back and, nearer and more skilled, ranks first again.
    const next = (await suggest(ticket.id, `date=2025-03-12&skill=${skill}`)).body;
    expect(next.candidates[0].technicianId).toBe(absent.id);
    expect(next.candidates[1].substituteFor).toBeUndefined();
  });

  test('the required skill, labour and parts come from the auto-ticket prefill; bad input is refused', async () => {
    const skill = uniqueSkill();
    const tech = await api.technician('Ida Prefill', { skills: [{ name: skill, level: 3 }], homeBase: home(MUNICH, 'Munich') });
    const ticket = await api.ticket(await api.site(MUNICH.lat, MUNICH.lon));
    const prefill = { requiredSkill: skill, labourHours: 2, parts: [{ sku: 'SKU-1', quantity: 3, description: 'valve' }] };
    await api.db.query(
      `INSERT INTO ticket_autofill (ticket_id, rule_id, kind, predictive, prefill, created_at, updated_at) VALUES ($1, 'r1', 'threshold', false, $2, now(), now())`,
      [ticket.id, JSON.stringify(prefill)],
    );
    const s = (await suggest(ticket.id, 'date=2025-03-11')).body;
    expect(s).toMatchObject({ requiredSkill: skill, skillSource: 'prefill', labourMinutes: 120, parts: [{ sku: 'SKU-1', quantity: 3 }] });
    expect(s.candidates.map((c: { technicianId: string }) => c.technicianId)).toEqual([tech.id]);
    expect(s.candidates[0].slot).toEqual({ start: '2025-03-11T08:00:00.000Z', end: '2025-03-11T10:00:00.000Z' }); // site at the home base: no travel

    expect((await suggest(ticket.id, 'date=2025-13-40')).status).toBe(400);
    expect((await suggest(randomUUID(), 'date=2025-03-11')).status).toBe(404);
    const agent = await api.user('agent');
    expect((await api.call('GET', `/api/v1/tickets/${ticket.id}/technician-suggestions`, undefined, agent.auth)).status).toBe(403);
  });
});
