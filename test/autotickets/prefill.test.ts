/**
 * What an auto-ticket is prefilled with: catalogue diagnosis, parts (availability unknown),
 * labour and skill, the priority rule, SLA due times exactly as for a manual ticket, knowledge
 * articles, past resolutions, the predictive latest-visit date and the technician ranking.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/access/audit/audit.service.js';
import { parseFinding } from '../../src/telemetry/detection/finding.schema.js';
import { finding, PUMP, SEAL, seedAsset, startWorld, type World } from './autotickets-fixture.js';

let world: World;
const techs = {} as Record<'anna' | 'dora' | 'ben' | 'carl' | 'eve', string>;
const HOUR = 3_600_000;
const now = () => world.clock.now().getTime();

async function article(title: string, modelIds: string[], faultCodes: string[], status: 'published' | 'draft'): Promise<string> {
  const { rows } = await world.db.query<{ id: string }>(
    `INSERT INTO knowledge_articles (title, body, model_ids, fault_codes, status, published_at, author_type, author_id)
     VALUES ($1, 'How to', $2, $3, $4, CASE WHEN $4 = 'published' THEN now() END, 'system', 'test') RETURNING id`,
    [title, modelIds, faultCodes, status],
  );
  return rows[0]!.id;
}

/** A closed ticket for `faultCode` on a new asset of `modelId`, with a resolving visit and a part. */
async function closedTicket(modelId: string, faultCode: string, closedAt: string, notes: string): Promise<string> {
  const { customerId, assetId } = await seedAsset(world.db, { modelId });
  const { rows } = await world.db.query<{ id: string }>(
    `INSERT INTO tickets (channel, type, priority, title, customer_id, asset_id, fault_code, status, technician_id, sla_source, response_due_at,
        resolution_due_at, resolved_at, closed_at, status_changed_at, created_by_type, created_by_id, created_at, updated_at)
     VALUES ('phone', 'breakdown', 'high', 'Old one', $1, $2, $3, 'closed', $4, 'default', $5, $5, $5, $5, $5, 'system', 'test', $5, $5) RETURNING id`,
    [customerId, assetId, faultCode, techs.anna, closedAt],
  );
  const ticketId = rows[0]!.id;
  await world.db.query(
    `INSERT INTO ticket_status_history (ticket_id, from_status, to_status, at, actor_type, actor_id, reason) VALUES ($1, 'in_progress', 'resolved', $2, 'system', 'test', $3)`,
    [ticketId, closedAt, `Resolved: ${notes}`],
  );
  const visit = await world.db.query<{ id: string }>(
    `INSERT INTO visits (ticket_id, technician_id, status, planned_start, planned_end, actual_start, actual_end, outcome, notes, created_at, updated_at)
     VALUES ($1, $2, 'completed', $3::timestamptz - interval '3 hours', $3, $3::timestamptz - interval '3 hours', $3, 'fixed', $4, $3, $3) RETURNING id`,
    [ticketId, techs.anna, closedAt, notes],
  );
  await world.db.query(
    `INSERT INTO visit_parts (visit_id, sku, description, quantity, recorded_at, actor_type, actor_id) VALUES ($1, 'SEAL-MS-45-CSIC', 'Seal', 1, $2, 'system', 'test')`,
    [visit.rows[0]!.id, closedAt],
  );
  return ticketId;
}

beforeAll(async () => {
  world = await startWorld();
  techs.anna = (await world.user('technician', { name: 'Anna', skills: ['mechanical'], territories: ['DE'] })).id;
  techs.dora = (await world.user('technician', { name: 'Dora', skills: ['Mechanical', 'electrical'], territories: ['de'] })).id;
  techs.ben = (await world.user('technician', { name: 'Ben', skills: ['mechanical'], territories: ['FR'] })).id;
  techs.carl = (await world.user('technician', { name: 'Carl', skills: ['electrical'], territories: ['DE'] })).id;
  techs.eve = (await world.user('technician', { name: 'Eve', skills: ['mechanical'], territories: ['DE'], active: false })).id;
  // Dora carries two open tickets; a Lyon site gives territory FR a centre.
  for (let i = 0; i < 2; i++) {
    const { assetId } = await seedAsset(world.db, { place: 'munich' });
    const t = await world.call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'Busy', assetId });
    expect((await world.call('POST', `/api/v1/tickets/${t.body.id}/assignment`, { technicianId: techs.dora })).status).toBe(200);
  }
  await seedAsset(world.db, { place: 'lyon' });
});
afterAll(async () => {
  await world?.close();
});

describe('prefill', () => {
  test('catalogue diagnosis, parts with unknown availability, labour, skill, default SLA for a bronze customer', async () => {
    const { assetId } = await seedAsset(world.db);
    const { ticket } = await world.service.openOrAppend(parseFinding(finding(assetId)));
    const d = await world.service.diagnosis(ticket!.id);
    expect(d.prefill.fault).toMatchObject({ code: SEAL, inCatalogue: true, title: 'Mechanical seal leaking' });
    expect(d.prefill.fault.diagnosis).toMatch(/seal chamber runs hotter/);
    expect(d.prefill.fault.probableCauses).toContain('Worn or heat-checked seal faces');
    expect(d.prefill.fault.actions).toHaveLength(3);
    expect(d.prefill.parts).toEqual([
      {
        sku: 'SEAL-MS-45-CSIC',
        description: 'Mechanical seal 45 mm, carbon/SiC faces, EPDM elastomers',
        quantity: 1,
        availability: 'unknown',
        reserved: false,
      },
      { sku: 'ORK-CP80', description: 'O-ring kit for CP80 casing and cover', quantity: 1, availability: 'unknown', reserved: false },
      { sku: 'GSK-CP80-CASE', description: 'Casing gasket CP80', quantity: 1, availability: 'unknown', reserved: false },
    ]);
    expect(d.prefill.labourHours).toBe(4);
    expect(d.prefill.requiredSkill).toBe('mechanical');
    expect(d.prefill.priority).toEqual({ value: 'high', base: 'high', tier: 'bronze', reasons: ['fault catalogue priority high'] });
    expect(d.prefill.sla).toMatchObject({ contractId: null, source: 'default', responseDueAt: new Date(now() + 8 * HOUR).toISOString() });
    expect(ticket).toMatchObject({
      priority: 'high',
      title: 'Mechanical seal leaking',
      responseDueAt: d.prefill.sla.responseDueAt,
      resolutionDueAt: d.prefill.sla.resolutionDueAt,
    });
    expect(ticket!.description).toMatch(/Probable causes:[\s\S]*SEAL-MS-45-CSIC/);
    expect(d.predictive).toBe(false);
    expect(d.prefill.predictive).toBeNull();
    const audit = await world.db.query<{ actor_type: string; actor_id: string }>(
      `SELECT actor_type, actor_id FROM audit_log WHERE entity = 'ticket' AND entity_id = $1 AND action = 'create'`,
      [ticket!.id],
    );
    expect(audit.rows).toEqual([{ actor_type: SYSTEM_ACTOR.type, actor_id: SYSTEM_ACTOR.id }]);
  });

  test('priority rule: gold bumps one level; a short contract SLA bumps one level and sets the due times as for a manual ticket', async () => {
    const gold = await seedAsset(world.db, { contractValue: 30_000 });
    const g = await world.service.openOrAppend(parseFinding(finding(gold.assetId)));
    const gd = await world.service.diagnosis(g.ticket!.id);
    expect(gd.prefill.priority).toMatchObject({ value: 'critical', base: 'high', tier: 'gold' });
    expect(gd.prefill.priority.reasons[1]).toBe('gold customer: one level up to critical');
    expect(g.ticket!.contractId).toBe(gold.contractId);

    const short = await seedAsset(world.db, { highResponseMinutes: 120 });
    const s = await world.service.openOrAppend(parseFinding(finding(short.assetId)));
    const sd = await world.service.diagnosis(s.ticket!.id);
    expect(sd.prefill.priority).toMatchObject({ value: 'critical', tier: 'silver' });
    expect(sd.prefill.priority.reasons[1]).toBe('contract response 120 min ≤ 240: one level up to critical');
    expect(sd.prefill.sla).toMatchObject({ contractId: short.contractId, source: 'contract', responseDueAt: new Date(now() + 60 * 60_000).toISOString() });
    const manual = await world.call('POST', '/api/v1/tickets', {
      channel: 'phone',
      type: 'breakdown',
      priority: 'critical',
      title: 'Same, by phone',
      assetId: short.assetId,
    });
    expect(manual.status).toBe(201);
    expect({ r: s.ticket!.responseDueAt, s: s.ticket!.resolutionDueAt, c: s.ticket!.contractId }).toEqual({
      r: manual.body.responseDueAt,
      s: manual.body.resolutionDueAt,
      c: manual.body.contractId,
    });

    const long = await seedAsset(world.db, { highResponseMinutes: 600 });
    const l = await world.service.openOrAppend(parseFinding(finding(long.assetId)));
    expect(l.ticket).toMatchObject({ priority: 'high', responseDueAt: new Date(now() + 600 * 60_000).toISOString() });

    const critical = await seedAsset(world.db);
    const c = await world.service.openOrAppend(parseFinding(finding(critical.assetId, { faultCode: 'IMPELLER_WEAR', kind: 'event', severity: 'critical' })));
    expect((await world.service.diagnosis(c.ticket!.id)).prefill.priority).toMatchObject({
      value: 'high',
      base: 'high',
      reasons: ['fault catalogue priority medium', 'critical controller event: at least high'],
    });
  });

  test('knowledge articles (published, same model and fault first) and past resolutions of the same fault on the same model', async () => {
    const same = await article('Replacing the CP80 seal', [PUMP], [SEAL], 'published');
    const other = await article('Seal leaks in general', ['gas-boiler-gb120'], [SEAL], 'published');
    await article('Draft seal notes', [PUMP], [SEAL], 'draft');
    await article('Bearing grease', [PUMP], ['BEARING_WEAR'], 'published');
    const older = await closedTicket(PUMP, SEAL, '2025-01-05T10:00:00.000Z', 'Seal replaced, chamber vented');
    const newer = await closedTicket(PUMP, SEAL, '2025-02-20T10:00:00.000Z', 'Seal faces heat-checked, replaced with SiC/SiC');
    await closedTicket('gas-boiler-gb120', SEAL, '2025-03-01T10:00:00.000Z', 'Other model');
    const { assetId } = await seedAsset(world.db);
    const { ticket } = await world.service.openOrAppend(parseFinding(finding(assetId)));
    const d = await world.service.diagnosis(ticket!.id);
    expect(d.prefill.knowledge.map((k) => [k.id, k.match])).toEqual([
      [same, 'model_and_fault'],
      [other, 'fault'],
    ]);
    expect(d.prefill.pastResolutions.map((p) => p.ticketId)).toEqual([newer, older]);
    expect(d.prefill.pastResolutions[0]).toMatchObject({
      closedAt: '2025-02-20T10:00:00.000Z',
      resolution: 'Resolved: Seal faces heat-checked, replaced with SiC/SiC',
      visits: [{ outcome: 'fixed', notes: 'Seal faces heat-checked, replaced with SiC/SiC', endedAt: '2025-02-20T10:00:00.000Z' }],
      partsUsed: [{ sku: 'SEAL-MS-45-CSIC', description: 'Seal', quantity: 1 }],
    });
  });

  test('predictive finding: projected failure and a latest visit 24 h before it, never before now', async () => {
    const { assetId } = await seedAsset(world.db);
    const projected = new Date(now() + 72 * HOUR).toISOString();
    const trend = finding(assetId, {
      kind: 'trend',
      ruleId: 'seal-trend',
      evidence: { metric: 'seal_temp', projectedFailureAt: projected, stats: { slopePerDay: 1.2 } },
    });
    const { ticket } = await world.service.openOrAppend(parseFinding(trend));
    expect(ticket).toMatchObject({ type: 'predictive', title: 'Predicted: Mechanical seal leaking' });
    const d = await world.service.diagnosis(ticket!.id);
    expect(d.predictive).toBe(true);
    expect(d.prefill.predictive).toEqual({ projectedFailureAt: projected, latestVisitBy: new Date(now() + 48 * HOUR).toISOString(), marginHours: 24 });
    const soon = await seedAsset(world.db);
    const s = await world.service.openOrAppend(
      parseFinding(finding(soon.assetId, { kind: 'trend', evidence: { projectedFailureAt: new Date(now() + 10 * HOUR).toISOString() } })),
    );
    expect((await world.service.diagnosis(s.ticket!.id)).prefill.predictive!.latestVisitBy).toBe(world.clock.now().toISOString());
    expect((await world.call('GET', `/api/v1/tickets/${ticket!.id}`)).body.type).toBe('predictive');
  });

  test('technician ranking: skill required (mismatch and inactive excluded), the dispatch ranking with reasons in words', async () => {
    const { assetId } = await seedAsset(world.db, { place: 'hamburg' });
    const { ticket } = await world.service.openOrAppend(parseFinding(finding(assetId)));
    const { technicians } = (await world.service.diagnosis(ticket!.id)).prefill;
    expect(technicians.requiredSkill).toBe('mechanical');
    expect(technicians.excludedForSkill).toBe(1); // Carl (electrical); Eve is inactive and not a candidate at all
    expect(technicians.candidates.map((c) => c.technicianId)).toEqual([techs.anna, techs.dora, techs.ben]);
    const [anna, dora, ben] = technicians.candidates;
    // The one ranking of dispatch (issue #16): ranks and reasons in words, no bare score.
    expect(anna).toMatchObject({ rank: 1 });
    expect(dora).toMatchObject({ rank: 2 });
    expect(ben).toMatchObject({ rank: 3 });
    for (const c of [anna, dora, ben]) {
      expect(c).not.toHaveProperty('score');
      expect((c as { reasons: string[] }).reasons.length).toBeGreaterThan(0);
    }
    const reasons = (c: unknown) => (c as { reasons: string[] }).reasons;
    expect(reasons(anna)[0]).toMatch(/^Best on balance .*Dora is close behind/);
    expect(reasons(anna)).toContain('Their territories cover the site.');
    expect(reasons(ben)).toContain('The site is outside their territories (FR).');
  });

  test('a fault code missing from the catalogue still opens a ticket, flagged as such', async () => {
    const { assetId } = await seedAsset(world.db);
    const { ticket } = await world.service.openOrAppend(
      parseFinding(finding(assetId, { faultCode: 'NO_DATA', kind: 'no_data', severity: 'warning', title: 'Device silent', evidence: {} })),
    );
    const d = await world.service.diagnosis(ticket!.id);
    expect(ticket).toMatchObject({ title: 'Device silent', priority: 'medium', faultCode: 'NO_DATA' });
    expect(d.prefill.fault).toMatchObject({ inCatalogue: false, diagnosis: null, probableCauses: [] });
    expect(d.prefill.parts).toEqual([]);
    expect(d.prefill.technicians.requiredSkill).toBeNull();
    expect(d.prefill.technicians.excludedForSkill).toBe(0);
    expect(d.prefill.technicians.candidates.map((c) => c.technicianId)).toContain(techs.carl);
  });
});

describe('GET /tickets/{id}/diagnosis', () => {
  test('technicians and dispatchers read it, customers may not, manual tickets have none', async () => {
    const { assetId } = await seedAsset(world.db);
    const { ticket } = await world.service.openOrAppend(parseFinding(finding(assetId)));
    const tech = await world.user('technician');
    const read = await world.call('GET', `/api/v1/tickets/${ticket!.id}/diagnosis`, undefined, tech.auth);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      ticketId: ticket!.id,
      evidenceCount: 1,
      conditionClearedAt: null,
      prefill: { fault: { code: SEAL }, parts: [{ availability: 'unknown' }, {}, {}] },
    });
    const customer = await world.user('customer', { customerId: ticket!.customerId });
    expect((await world.call('GET', `/api/v1/tickets/${ticket!.id}`, undefined, customer.auth)).status).toBe(200);
    expect((await world.call('GET', `/api/v1/tickets/${ticket!.id}/diagnosis`, undefined, customer.auth)).status).toBe(403);
    const manual = await world.call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'By phone', assetId });
    expect((await world.call('GET', `/api/v1/tickets/${manual.body.id}/diagnosis`)).status).toBe(404);
  });
});
