/**
 * Exactly one open ticket per asset and fault code: repeated calls, 20 concurrent calls (on real
 * PostgreSQL with TELEMEND_TEST_POSTGRES=1 they really race), a transaction that dies midway,
 * later evidence appended without duplicates, and the database constraints themselves.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AutoTicketService } from '../../src/service/autotickets/autotickets.service.js';
import type { Database, Queryable } from '../../src/kernel/db/database.js';
import { AppError } from '../../src/kernel/errors.js';
import { parseFinding } from '../../src/telemetry/detection/finding.schema.js';
import { counts, finding, PUMP, SEAL, seedAsset, startWorld, type World } from './autotickets-fixture.js';
import { TicketsService } from '../../src/service/tickets/tickets.service.js';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

/** The database, except that inside transactions the first statement matching `pattern` throws (a worker dying mid-job). */
function crashingOnce(db: Database, pattern: RegExp): Database {
  let armed = true;
  const guard = (tx: Queryable): Queryable => ({
    query: async (sql, params) => {
      if (armed && pattern.test(sql)) {
        armed = false;
        throw new Error('simulated crash');
      }
      return tx.query(sql, params);
    },
    exec: (sql) => tx.exec(sql),
  });
  return { ...db, transaction: (fn) => db.transaction((tx) => fn(guard(tx))) };
}

describe('exactly one ticket', () => {
  test('repeated calls with the same finding: one ticket, one evidence row, the replays write nothing', async () => {
    const { assetId } = await seedAsset(world.db);
    const f = finding(assetId);
    const first = await world.service.openOrAppend(parseFinding(f));
    expect(first.outcome).toBe('created');
    const replays = [];
    for (let i = 0; i < 5; i++) replays.push(await world.service.openOrAppend(parseFinding(f)));
    expect(replays.map((r) => r.outcome)).toEqual(Array(5).fill('duplicate'));
    expect(new Set(replays.map((r) => r.ticket!.id))).toEqual(new Set([first.ticket!.id]));
    expect(await counts(world.db, assetId)).toEqual({ tickets: 1, alarms: 1, autofill: 1, evidence: 1, history: 1, audits: 1 });
    const alarm = replays.at(-1)!.alarm;
    expect(alarm.occurrences).toBe(1);
    expect(alarm.ticketId).toBe(first.ticket!.id);
    expect(first.ticket).toMatchObject({ channel: 'iot', type: 'breakdown', faultCode: SEAL, status: 'new', createdBy: { type: 'system', id: 'telemend' } });
  });

  test('20 concurrent calls, each twice (five rules race on the ticket index): one ticket, every finding appended once', async () => {
    const { assetId } = await seedAsset(world.db);
    // Different rules do not serialise on one alarm row, so on PostgreSQL their ticket inserts really collide.
    const distinct = Array.from({ length: 20 }, (_, i) => finding(assetId, { ruleId: `seal-rule-${i % 5}` }, i));
    const results = await Promise.all([...distinct, ...distinct].map((f) => world.service.openOrAppend(parseFinding(f))));
    expect(new Set(results.map((r) => r.ticket!.id)).size).toBe(1);
    expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'appended')).toHaveLength(19);
    expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(20);
    const c = await counts(world.db, assetId);
    expect(c).toEqual({ tickets: 1, alarms: 5, autofill: 1, evidence: 20, history: 1, audits: 1 });
    const alarms = await world.db.query<{ rule_id: string; occurrences: number; ticket_id: string }>(
      'SELECT rule_id, occurrences, ticket_id FROM alarms WHERE asset_id = $1 ORDER BY rule_id',
      [assetId],
    );
    expect(alarms.rows).toEqual([0, 1, 2, 3, 4].map((i) => ({ rule_id: `seal-rule-${i}`, occurrences: 4, ticket_id: results[0]!.ticket!.id })));
    const diagnosis = await world.service.diagnosis(results[0]!.ticket!.id);
    expect(diagnosis.evidenceCount).toBe(20);
  });

  test('a transaction that dies midway leaves nothing behind; the retry opens the one ticket', async () => {
    const { assetId } = await seedAsset(world.db);
    const f = finding(assetId);
    for (const step of [/INSERT INTO ticket_autofill/, /INSERT INTO ticket_evidence/, /INSERT INTO audit_log/, /UPDATE alarms SET ticket_id/]) {
      const crashing = new AutoTicketService(crashingOnce(world.db, step), world.clock, {
        tickets: new TicketsService(crashingOnce(world.db, step), world.clock),
      });
      await expect(crashing.openOrAppend(parseFinding(f)), String(step)).rejects.toThrow('simulated crash');
      expect(await counts(world.db, assetId), String(step)).toEqual({ tickets: 0, alarms: 0, autofill: 0, evidence: 0, history: 0, audits: 0 });
    }
    const retried = await world.service.openOrAppend(parseFinding(f));
    expect(retried.outcome).toBe('created');
    expect(await counts(world.db, assetId)).toEqual({ tickets: 1, alarms: 1, autofill: 1, evidence: 1, history: 1, audits: 1 });
    // A crash while appending later evidence keeps the ticket as it was.
    const later = finding(assetId, {}, 30);
    await expect(
      new AutoTicketService(crashingOnce(world.db, /UPDATE ticket_autofill SET evidence_count/), world.clock, {
        tickets: new TicketsService(world.db, world.clock),
      }).openOrAppend(parseFinding(later)),
    ).rejects.toThrow('simulated crash');
    expect((await world.service.diagnosis(retried.ticket!.id)).evidenceCount).toBe(1);
    expect((await world.service.openOrAppend(parseFinding(later))).outcome).toBe('appended');
  });

  test('later evidence is appended to the open ticket and merged into the alarm (bounded history)', async () => {
    const { assetId } = await seedAsset(world.db);
    const service = new AutoTicketService(world.db, world.clock, { alarmHistoryLimit: 3, tickets: new TicketsService(world.db, world.clock) });
    const first = await service.openOrAppend(parseFinding(finding(assetId, {}, 0)));
    for (let m = 1; m <= 4; m++)
      expect(
        (await service.openOrAppend(parseFinding(finding(assetId, { evidence: { metric: 'seal_temp', threshold: 75, message: `reading ${m}` } }, m * 10))))
          .outcome,
      ).toBe('appended');
    const last = await service.openOrAppend(parseFinding(finding(assetId, { evidence: { metric: 'seal_temp', message: 'reading 4' } }, 40)));
    expect(last.outcome).toBe('duplicate'); // same asset, rule, fault, kind and time as the 4th: the same finding
    const diagnosis = await service.diagnosis(first.ticket!.id);
    expect(diagnosis.evidenceCount).toBe(5);
    expect(diagnosis.evidence.map((e) => e.evidence.message ?? null)).toEqual(['reading 4', 'reading 3', 'reading 2', 'reading 1', null]);
    expect(diagnosis.lastEvidenceAt).toBe(finding(assetId, {}, 40).at);
    const alarm = last.alarm;
    expect(alarm.occurrences).toBe(5);
    expect(alarm.evidence.history.map((h) => h.message)).toEqual(['reading 2', 'reading 3', 'reading 4']);
    expect(alarm.evidence.latest.message).toBe('reading 4');
    expect(alarm.firstSeenAt).toBe(finding(assetId, {}, 0).at);
    expect(alarm.lastSeenAt).toBe(finding(assetId, {}, 40).at);
    expect((await counts(world.db, assetId)).tickets).toBe(1);
  });

  test('the database refuses a second open IoT ticket for the asset and fault; the API answers 409', async () => {
    const { assetId } = await seedAsset(world.db);
    const opened = await world.service.openOrAppend(parseFinding(finding(assetId)));
    await expect(
      world.db.query(
        `INSERT INTO tickets (channel, type, priority, title, customer_id, asset_id, fault_code, status, sla_source, response_due_at, resolution_due_at, status_changed_at, created_by_type, created_by_id, created_at, updated_at)
         SELECT 'iot', 'breakdown', 'high', 'dup', customer_id, asset_id, fault_code, 'new', 'default', now(), now(), now(), 'system', 'x', now(), now() FROM tickets WHERE id = $1`,
        [opened.ticket!.id],
      ),
    ).rejects.toMatchObject({ code: '23505' });
    const manual = await world.call('POST', '/api/v1/tickets', { channel: 'iot', type: 'breakdown', title: 'Seal again', assetId, faultCode: SEAL });
    expect(manual.status).toBe(409);
    expect(manual.body.code).toBe('CONFLICT');
    // A phone ticket for the same fault is not an IoT ticket: allowed.
    expect(
      (await world.call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'Customer calls', assetId, faultCode: SEAL })).status,
    ).toBe(201);
  });

  test('a finding without a fault code raises an alarm only; invalid findings write nothing', async () => {
    const { assetId } = await seedAsset(world.db);
    const alarmOnly = await world.service.openOrAppend(
      parseFinding(finding(assetId, { faultCode: undefined, ruleId: 'vib-high', kind: 'event', evidence: { eventCode: 'VIB-HI' } })),
    );
    expect(alarmOnly.outcome).toBe('alarm_only');
    expect(alarmOnly.ticket).toBeNull();
    expect(alarmOnly.alarm).toMatchObject({ ruleId: 'vib-high', state: 'active', faultCode: null, modelId: PUMP });
    for (const bad of [
      { ...finding(assetId), kind: 'guess' },
      { ...finding(assetId), at: 'yesterday' },
      { ...finding(assetId), assetId: 'not-a-uuid' },
      { ...finding(assetId), modelId: 'gas-boiler-gb120' },
      { ...finding(assetId), extra: 1 },
    ]) {
      const error = await Promise.resolve(bad)
        .then((raw) => world.service.openOrAppend(parseFinding(raw)))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('VALIDATION_FAILED');
    }
    const unknownAsset = await world.service.openOrAppend(parseFinding(finding('00000000-0000-4000-8000-000000000000'))).catch((e: unknown) => e);
    expect((unknownAsset as AppError).code).toBe('VALIDATION_FAILED');
    expect(await counts(world.db, assetId)).toEqual({ tickets: 0, alarms: 1, autofill: 0, evidence: 0, history: 0, audits: 0 });
  });
});
