/**
 * One technician ranking everywhere: the ranking stored in an auto-ticket's diagnosis and
 * `GET /tickets/{id}/technician-suggestions` for the same day agree — same order, same reasons in
 * words, a numeric rank and no bare score — with technicians who have home bases, working hours
 * and a van carrying the seal kit (real equipment models, PGlite, settable clock).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseFinding } from '../../src/telemetry/detection/finding.schema.js';
import { ADMIN_TOKEN, finding, PLACES, seedAsset, startWorld, type World } from './autotickets-fixture.js';

let world: World;
const techs = {} as Record<'near' | 'far' | 'stocked', string>;
const WORKDAY = [['07:00', '17:00']];

const putProfile = async (id: string, profile: Record<string, unknown>) => {
  const res = await world.app.inject({ method: 'PUT', url: `/api/v1/technicians/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { timezone: 'UTC', workingHours: { mon: WORKDAY, tue: WORKDAY }, ...profile } });
  expect(res.statusCode, res.body).toBe(200);
};

beforeAll(async () => {
  world = await startWorld(); // Monday 2025-03-10 08:00 UTC
  const h = PLACES.hamburg;
  techs.near = (await world.user('technician', { name: 'Nora Near', skills: ['mechanical'], territories: ['DE'] })).id;
  techs.far = (await world.user('technician', { name: 'Fritz Far', skills: ['mechanical'], territories: ['DE'] })).id;
  techs.stocked = (await world.user('technician', { name: 'Stella Stocked', skills: ['mechanical'], territories: ['DE'] })).id;
  await putProfile(techs.near, { skills: [{ name: 'mechanical', level: 3 }], homeBase: { lat: h.latitude + 0.02, lon: h.longitude, label: 'Hamburg north' } });
  await putProfile(techs.far, { skills: [{ name: 'mechanical', level: 3 }], homeBase: { lat: PLACES.munich.latitude, lon: PLACES.munich.longitude, label: 'Munich' } });
  await putProfile(techs.stocked, { skills: [{ name: 'mechanical', level: 5 }], homeBase: { lat: h.latitude + 0.05, lon: h.longitude, label: 'Hamburg Norderstedt' } });
  const van = await world.db.query<{ id: string }>(`INSERT INTO stock_locations (code, name, kind, technician_id) VALUES ('VAN-STELLA', 'Van', 'van', $1) RETURNING id`, [techs.stocked]);
  await world.db.query(`INSERT INTO parts (sku, description, unit_price, unit_cost) VALUES ('SEAL-MS-45-CSIC', 'Mechanical seal kit', 120, 80) ON CONFLICT (sku) DO NOTHING`);
  await world.db.query(`INSERT INTO stock_levels (location_id, part_id, on_hand) SELECT $1, id, 2 FROM parts WHERE sku = 'SEAL-MS-45-CSIC'`, [van.rows[0]!.id]);
});
afterAll(async () => {
  await world?.close();
});

describe('one technician ranking', () => {
  test('the diagnosis stores the ranking /technician-suggestions answers, with reasons in words and no score', async () => {
    const { assetId } = await seedAsset(world.db, { place: 'hamburg' });
    const { ticket } = await world.service.openOrAppend(parseFinding(finding(assetId)));
    const stored = (await world.service.diagnosis(ticket!.id)).prefill.technicians.candidates;
    const live = await world.call('GET', `/api/v1/tickets/${ticket!.id}/technician-suggestions?date=2025-03-10&limit=5`);
    expect(live.status).toBe(200);
    const ours = [techs.near, techs.far, techs.stocked];
    const order = (list: { technicianId: string }[]) => list.map((c) => c.technicianId).filter((id) => ours.includes(id));
    expect(order(stored)).toEqual(order(live.body.candidates));
    expect(order(live.body.candidates).at(-1)).toBe(techs.far); // 600 km away
    for (const c of live.body.candidates) {
      expect(c).not.toHaveProperty('score');
      expect(typeof c.rank).toBe('number');
      expect(c.reasons.join(' ')).not.toMatch(/score/i);
      const same = stored.find((s) => s.technicianId === c.technicianId) as { reasons?: string[] } | undefined;
      if (same) expect(same.reasons).toEqual(c.reasons);
    }
    const best = live.body.candidates[0];
    expect(best.reasons[0]).toMatch(/^Best choice over the next best \(.+\): /);
    expect(live.body.candidates[1].reasons[0]).toMatch(/^On site \d+ min (earlier|later) than |^Travels/);
    const stella = live.body.candidates.find((c: { technicianId: string }) => c.technicianId === techs.stocked);
    expect(stella.reasons).toContain('Skill mechanical at level 5 of 5.');
    expect(stella.reasons.join(' ')).toMatch(/Has Mechanical seal 45 mm.* on the van\./);
    const fritz = live.body.candidates.find((c: { technicianId: string }) => c.technicianId === techs.far);
    expect(fritz.reasons.join(' ')).toMatch(/No free slot on 2025-03-10 fits travel|On site \d+ min later than /);
  });
});
