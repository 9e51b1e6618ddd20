/**
 * The condition clearing before dispatch (flag + note, or auto-cancel for transient rules) and
 * the alarm lifecycle active → acknowledged → cleared with one not-cleared alarm per asset+rule.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AlarmsService } from '../../src/service/alarms/alarms.service.js';
import { parseFinding } from '../../src/telemetry/detection/finding.schema.js';
import type { AssetFinding } from '../../src/telemetry/detection/detection.types.js';
import { finding, SEAL, seedAsset, startWorld, type World } from './autotickets-fixture.js';

let world: World;
let alarms: AlarmsService;
let zed: string;
beforeAll(async () => {
  world = await startWorld();
  alarms = new AlarmsService(world.db, world.clock);
  zed = (await world.user('technician', { name: 'Zed', skills: ['electrical'], territories: ['PL'] })).id;
});
afterAll(async () => {
  await world?.close();
});

const clearedAt = new Date('2025-03-10T07:30:00.000Z');

async function notes(ticketId: string): Promise<string[]> {
  const { rows } = await world.db.query<{ subject: string; author_type: string }>(
    `SELECT subject, author_type FROM activities WHERE ticket_id = $1 AND kind = 'note' ORDER BY created_at, id`,
    [ticketId],
  );
  for (const r of rows) expect(r.author_type).toBe('system');
  return rows.map((r) => r.subject);
}

describe('condition cleared', () => {
  test('before dispatch: the ticket stays open, says so (note + flag), and its alarms are cleared; a repeat changes nothing', async () => {
    const { assetId } = await seedAsset(world.db);
    const { ticket } = await world.service.openOrAppend(parseFinding(finding(assetId)));
    const result = await world.service.conditionCleared(assetId, SEAL, clearedAt);
    expect(result).toMatchObject({ outcome: 'flagged', clearedAlarms: 1, ticket: { id: ticket!.id, status: 'new' } });
    expect((await world.service.diagnosis(ticket!.id)).conditionClearedAt).toBe(clearedAt.toISOString());
    expect(await notes(ticket!.id)).toEqual(['Condition cleared before dispatch']);
    const alarm = (await alarms.list({ assetId, limit: 10, sort: '-firstSeenAt' })).items;
    expect(alarm.map((a) => [a.state, a.clearedAt])).toEqual([['cleared', clearedAt.toISOString()]]);
    expect((await world.service.conditionCleared(assetId, SEAL, clearedAt)).outcome).toBe('already_flagged');
    expect(await notes(ticket!.id)).toHaveLength(1);
    // The condition comes back: new alarm, same ticket, flag lifted.
    world.clock.advance(60_000);
    const again = await world.service.openOrAppend(parseFinding(finding(assetId, {}, 45)));
    expect(again).toMatchObject({ outcome: 'appended', ticket: { id: ticket!.id } });
    expect(again.alarm.id).not.toBe(alarm[0]!.id);
    expect((await world.service.diagnosis(ticket!.id)).conditionClearedAt).toBeNull();
    expect(await notes(ticket!.id)).toEqual(['Condition cleared before dispatch', 'Condition returned']);
  });

  test('assigned counts as not dispatched; once scheduled the ticket only gets a note', async () => {
    const { assetId } = await seedAsset(world.db);
    const { ticket } = await world.service.openOrAppend(parseFinding(finding(assetId)));
    expect((await world.call('POST', `/api/v1/tickets/${ticket!.id}/assignment`, { technicianId: zed })).body.status).toBe('assigned');
    expect((await world.service.conditionCleared(assetId, SEAL, clearedAt)).outcome).toBe('flagged');

    const other = await seedAsset(world.db);
    const t2 = (await world.service.openOrAppend(parseFinding(finding(other.assetId)))).ticket!;
    expect((await world.call('POST', `/api/v1/tickets/${t2.id}/transitions`, { to: 'assigned', technicianId: zed })).status).toBe(200);
    expect((await world.call('POST', `/api/v1/tickets/${t2.id}/transitions`, { to: 'scheduled' })).status).toBe(200);
    const result = await world.service.conditionCleared(other.assetId, SEAL, clearedAt, { autoCancelTransient: true });
    expect(result).toMatchObject({ outcome: 'already_dispatched', ticket: { status: 'scheduled' } });
    expect((await world.service.diagnosis(t2.id)).conditionClearedAt).toBeNull();
    expect(await notes(t2.id)).toEqual(['Condition cleared (technician already dispatched)']);
  });

  test('autoCancelTransient cancels a not-yet-dispatched ticket with a reason; the next finding opens a new ticket', async () => {
    const { assetId } = await seedAsset(world.db);
    const { ticket } = await world.service.openOrAppend(parseFinding(finding(assetId)));
    const result = await world.service.conditionCleared(assetId, SEAL, clearedAt, { autoCancelTransient: true });
    expect(result).toMatchObject({ outcome: 'cancelled', ticket: { id: ticket!.id, status: 'cancelled' } });
    const history = await world.call('GET', `/api/v1/tickets/${ticket!.id}/history`);
    expect(history.body.entries.at(-1)).toMatchObject({
      from: 'new',
      to: 'cancelled',
      actor: { type: 'system', id: 'telemend' },
      reason: `Transient condition cleared at ${clearedAt.toISOString()} before dispatch`,
    });
    expect(await notes(ticket!.id)).toEqual(['Condition cleared before dispatch: cancelled']);
    const next = await world.service.openOrAppend(parseFinding(finding(assetId, {}, 90)));
    expect(next.outcome).toBe('created');
    expect(next.ticket!.id).not.toBe(ticket!.id);
    expect((await world.service.conditionCleared(assetId, 'BEARING_WEAR', clearedAt)).outcome).toBe('no_ticket');
  });
});

describe('detector findings (src/telemetry/detection shape)', () => {
  test('apply: firing opens, a rule clearing while another rule of the fault fires leaves the ticket, the last one flags it', async () => {
    const { assetId } = await seedAsset(world.db);
    const at = Date.parse('2025-03-10T06:00:00.000Z');
    const detector = (ruleId: string, state: 'firing' | 'cleared', ts: number): AssetFinding => ({
      assetId,
      ruleId,
      faultCode: SEAL,
      kind: 'anomaly',
      state,
      at: ts,
      evidence: {
        metric: 'seal_temp',
        values: [{ ts, value: 81.5 }],
        window: { from: ts - 600_000, to: ts },
        threshold: 4,
        z: 6.2,
        baseline: { median: 44, spread: 0.8 },
      },
    });
    const opened = await world.service.apply(detector('seal-anomaly', 'firing', at));
    expect(opened).toMatchObject({
      outcome: 'created',
      alarm: { kind: 'anomaly', evidence: { latest: { z: 6.2, baseline: { median: 44, spread: 0.8 }, window: { from: '2025-03-10T05:50:00.000Z' } } } },
    });
    const ticketId = (opened as { ticket: { id: string } }).ticket.id;
    expect((await world.service.apply({ ...detector('seal-temp', 'firing', at + 60_000), kind: 'threshold' })).outcome).toBe('appended');
    expect(await world.service.apply(detector('seal-anomaly', 'cleared', at + 120_000))).toMatchObject({ outcome: 'still_active', clearedAlarms: 1 });
    expect((await world.service.diagnosis(ticketId)).conditionClearedAt).toBeNull();
    expect(await world.service.apply({ ...detector('seal-temp', 'cleared', at + 180_000), kind: 'threshold' }, { autoCancelTransient: false })).toMatchObject({
      outcome: 'flagged',
      clearedAlarms: 1,
    });
    expect((await world.service.diagnosis(ticketId)).conditionClearedAt).toBe(new Date(at + 180_000).toISOString());
    const silent = await world.service.apply({
      assetId,
      ruleId: 'silence',
      faultCode: 'NO_DATA',
      kind: 'silence',
      state: 'firing',
      at: at + 3_600_000,
      evidence: { values: [], window: { from: at, to: at + 3_600_000 }, silentForMs: 3_600_000 },
    });
    expect(silent).toMatchObject({ outcome: 'created', ticket: { faultCode: 'NO_DATA' } });
    await expect(world.service.openOrAppend(detector('seal-anomaly', 'cleared', at))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('alarms', () => {
  test('lifecycle active → acknowledged → cleared; findings merge into the not-cleared alarm; after clearing a new one opens', async () => {
    const { assetId } = await seedAsset(world.db);
    const first = await alarms.report(parseFinding(finding(assetId, { faultCode: undefined, ruleId: 'vib' })));
    expect(first).toMatchObject({
      created: true,
      changed: true,
      alarm: { state: 'active', occurrences: 1, ruleId: 'vib', kind: 'threshold', severity: 'alarm' },
    });
    expect(first.alarm.evidence.latest).toMatchObject({ metric: 'seal_temp', threshold: 75, kind: 'threshold' });

    const dispatcher = await world.user('dispatcher');
    const ack = await world.call('POST', `/api/v1/alarms/${first.alarm.id}/acknowledge`, undefined, dispatcher.auth);
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: { type: 'user', id: dispatcher.id } });
    expect(ack.body.acknowledgedAt).toBe(world.clock.now().toISOString());

    const merged = await alarms.report(parseFinding(finding(assetId, { faultCode: undefined, ruleId: 'vib' }, 5)));
    expect(merged).toMatchObject({ created: false, changed: true, alarm: { id: first.alarm.id, state: 'acknowledged', occurrences: 2 } });
    const replay = await alarms.report(parseFinding(finding(assetId, { faultCode: undefined, ruleId: 'vib' }, 5)));
    expect(replay).toMatchObject({ created: false, changed: false, alarm: { occurrences: 2 } });
    const otherRule = await alarms.report(parseFinding(finding(assetId, { faultCode: undefined, ruleId: 'temp' })));
    expect(otherRule.created).toBe(true);

    const cleared = await alarms.clear(assetId, 'vib', new Date('2025-03-10T07:20:00.000Z'));
    expect(cleared).toMatchObject({ id: first.alarm.id, state: 'cleared', clearedAt: '2025-03-10T07:20:00.000Z' });
    expect(await alarms.clear(assetId, 'vib', new Date())).toBeUndefined();
    const conflictAck = await world.call('POST', `/api/v1/alarms/${first.alarm.id}/acknowledge`);
    expect(conflictAck.status).toBe(409);
    const reopened = await alarms.report(parseFinding(finding(assetId, { faultCode: undefined, ruleId: 'vib' }, 30)));
    expect(reopened.created).toBe(true);
    expect(reopened.alarm.id).not.toBe(first.alarm.id);

    // The database holds the rule: one not-cleared alarm per asset and rule.
    await expect(
      world.db.query(
        `INSERT INTO alarms (asset_id, model_id, rule_id, kind, state, first_seen_at, last_seen_at, evidence) SELECT asset_id, model_id, rule_id, kind, 'active', now(), now(), '{}' FROM alarms WHERE id = $1`,
        [reopened.alarm.id],
      ),
    ).rejects.toMatchObject({ code: '23505' });
  });

  test('routes: list with filters, read, roles (technician reads, cannot acknowledge; agent cannot read)', async () => {
    const { assetId } = await seedAsset(world.db);
    const a = (await world.service.openOrAppend(parseFinding(finding(assetId)))).alarm;
    await alarms.report(parseFinding(finding(assetId, { faultCode: undefined, ruleId: 'other' })));
    await world.service.conditionCleared(assetId, SEAL, clearedAt);
    const tech = await world.user('technician');
    const agent = await world.user('agent');
    const byAsset = await world.call('GET', `/api/v1/alarms?assetId=${assetId}`, undefined, tech.auth);
    expect(byAsset.status).toBe(200);
    expect(byAsset.body.items).toHaveLength(2);
    const cleared = await world.call('GET', `/api/v1/alarms?assetId=${assetId}&state=cleared`);
    expect(cleared.body.items.map((x: { id: string }) => x.id)).toEqual([a.id]);
    expect(cleared.body.items[0].ticketId).toBe(a.ticketId);
    const byFault = await world.call('GET', `/api/v1/alarms?assetId=${assetId}&faultCode=${SEAL}`);
    expect(byFault.body.items.map((x: { faultCode: string }) => x.faultCode)).toEqual([SEAL]);
    const open = await world.call('GET', `/api/v1/alarms?assetId=${assetId}&open=true`);
    expect(open.body.items.map((x: { ruleId: string }) => x.ruleId)).toEqual(['other']);
    const page = await world.call('GET', `/api/v1/alarms?assetId=${assetId}&limit=1`);
    expect(page.body.items).toHaveLength(1);
    const page2 = await world.call('GET', `/api/v1/alarms?assetId=${assetId}&limit=1&cursor=${page.body.nextCursor}`);
    expect(page2.body.items[0].id).not.toBe(page.body.items[0].id);
    expect((await world.call('GET', `/api/v1/alarms/${a.id}`, undefined, tech.auth)).body.evidence.history).toHaveLength(1);
    expect((await world.call('GET', '/api/v1/alarms/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await world.call('GET', '/api/v1/alarms?state=bogus')).status).toBe(400);
    expect((await world.call('POST', `/api/v1/alarms/${a.id}/acknowledge`, undefined, tech.auth)).status).toBe(403);
    expect((await world.call('GET', '/api/v1/alarms', undefined, agent.auth)).status).toBe(403);
  });
});
