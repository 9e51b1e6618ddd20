/**
 * Database round trips of an auto-ticket: the statements run INSIDE its transaction (BEGIN and
 * COMMIT included) stay within budget, the prefill's read-only lookups run before it, and the
 * guarantees hold when the world changes between that early look and the transaction: a ticket
 * closed meanwhile (the draft is built inside the transaction) or opened meanwhile (appended to).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AutoTicketService } from '../../src/service/autotickets/autotickets.service.js';
import type { Database, Queryable } from '../../src/kernel/db/database.js';
import { parseFinding } from '../../src/telemetry/detection/finding.schema.js';
import { counts, finding, SEAL, seedAsset, startWorld, type World } from './autotickets-fixture.js';
import { TicketsService } from '../../src/service/tickets/tickets.service.js';

let world: World;
beforeAll(async () => {
  world = await startWorld();
  await world.user('technician', { name: 'Tess', skills: ['mechanical'], territories: ['DE'] });
});
afterAll(async () => {
  await world?.close();
});

/** BEGIN and COMMIT, run by Database.transaction around the callback. */
const BEGIN_COMMIT = 2;
/** Statements that only the prefill's lookups run. */
const PREFILL_LOOKUP = /knowledge_articles|FROM users u|service_contracts|FROM equipment_models|JOIN equipment_models/;

interface Spied {
  readonly db: Database;
  /** SQL of each statement run inside each transaction, in order. */
  readonly transactions: string[][];
  /** SQL run on the database outside any transaction. */
  readonly outside: string[];
}

/** The database, recording every statement; `beforeTransaction` runs once, just before the first transaction starts. */
function spied(db: Database, beforeTransaction?: () => Promise<unknown>): Spied {
  const transactions: string[][] = [];
  const outside: string[] = [];
  let hook = beforeTransaction;
  const counting = (tx: Queryable, log: string[]): Queryable => ({
    query: (sql, params) => {
      log.push(sql);
      return tx.query(sql, params);
    },
    exec: (sql) => {
      log.push(sql);
      return tx.exec(sql);
    },
  });
  const wrapped: Database = {
    ...db,
    ...counting(db, outside),
    async transaction(fn) {
      if (hook) {
        const run = hook;
        hook = undefined;
        await run();
      }
      const log: string[] = [];
      transactions.push(log);
      return db.transaction((tx) => fn(counting(tx, log)));
    },
  };
  return { db: wrapped, transactions, outside };
}

const statements = (log: string[]) => log.length + BEGIN_COMMIT;

describe('statements inside the auto-ticket transaction', () => {
  test('a new ticket: at most 10 statements (BEGIN and COMMIT included); the prefill lookups run before it', async () => {
    const { assetId } = await seedAsset(world.db, { contractValue: 30_000, highResponseMinutes: 60 });
    const spy = spied(world.db);
    const result = await new AutoTicketService(spy.db, world.clock, { tickets: new TicketsService(spy.db, world.clock) }).openOrAppend(
      parseFinding(finding(assetId)),
    );
    expect(result.outcome).toBe('created');
    expect(spy.transactions).toHaveLength(1);
    const tx = spy.transactions[0]!;
    expect(statements(tx), tx.join('\n---\n')).toBeLessThanOrEqual(10);
    expect(tx.filter((sql) => PREFILL_LOOKUP.test(sql))).toEqual([]);
    // The lookups did run, on the pool, before the transaction.
    expect(spy.outside.some((sql) => sql.includes('knowledge_articles'))).toBe(true);
    expect(spy.outside.some((sql) => sql.includes('FROM users u'))).toBe(true);
    // Everything written as before: the ticket, its alarm, history, prefill, evidence and audit.
    expect(await counts(world.db, assetId)).toEqual({ tickets: 1, alarms: 1, autofill: 1, evidence: 1, history: 1, audits: 1 });
    const stored = await world.call('GET', `/api/v1/tickets/${result.ticket!.id}`);
    expect(stored.body).toEqual(result.ticket);
    expect(result.alarm.ticketId).toBe(result.ticket!.id);
    const diagnosis = await world.service.diagnosis(result.ticket!.id);
    expect(diagnosis).toMatchObject({ evidenceCount: 1, lastEvidenceAt: finding(assetId).at, alarmId: result.alarm.id });
    expect(diagnosis.prefill.sla).toMatchObject({ source: 'contract', responseDueAt: result.ticket!.responseDueAt });
    expect(diagnosis.prefill.technicians.candidates.map((c) => c.name)).toContain('Tess');
  });

  test('appended evidence and a replay: at most 7 statements; no prefill lookup anywhere', async () => {
    const { assetId } = await seedAsset(world.db);
    const opened = await world.service.openOrAppend(parseFinding(finding(assetId, {}, 0)));
    const spy = spied(world.db);
    const service = new AutoTicketService(spy.db, world.clock, { tickets: new TicketsService(spy.db, world.clock) });

    const later = finding(assetId, {}, 10);
    const appended = await service.openOrAppend(parseFinding(later));
    expect(appended.outcome).toBe('appended');
    expect(statements(spy.transactions[0]!), spy.transactions[0]!.join('\n---\n')).toBeLessThanOrEqual(7);

    const replay = await service.openOrAppend(parseFinding(later));
    expect(replay.outcome).toBe('duplicate');
    expect(statements(spy.transactions[1]!), spy.transactions[1]!.join('\n---\n')).toBeLessThanOrEqual(7);

    // Another rule of the same fault: a new alarm (and its audit row) linked to the open ticket.
    const otherRule = await service.openOrAppend(parseFinding(finding(assetId, { ruleId: 'seal-temp-trend' }, 20)));
    expect(otherRule.outcome).toBe('appended');
    expect(otherRule.alarm.ticketId).toBe(opened.ticket!.id);
    expect(statements(spy.transactions[2]!), spy.transactions[2]!.join('\n---\n')).toBeLessThanOrEqual(9);

    expect([...spy.transactions.flat(), ...spy.outside].filter((sql) => /knowledge_articles|FROM users u/.test(sql))).toEqual([]);
    for (const r of [appended, replay, otherRule]) expect(r.ticket).toEqual(opened.ticket);
    expect((await world.service.diagnosis(opened.ticket!.id)).evidenceCount).toBe(3);
  });
});

describe('the world changes between the early look and the transaction', () => {
  test('the open ticket is cancelled meanwhile: a new ticket, its draft built inside the transaction', async () => {
    const { assetId } = await seedAsset(world.db, { contractValue: 30_000, highResponseMinutes: 60 });
    const first = await world.service.openOrAppend(parseFinding(finding(assetId, {}, 0)));
    const spy = spied(world.db, () => world.db.query(`UPDATE tickets SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, [first.ticket!.id]));
    const again = await new AutoTicketService(spy.db, world.clock, { tickets: new TicketsService(spy.db, world.clock) }).openOrAppend(
      parseFinding(finding(assetId, {}, 30)),
    );
    expect(again.outcome).toBe('created');
    expect(again.ticket!.id).not.toBe(first.ticket!.id);
    // The early look saw the open ticket, so the lookups ran inside the transaction.
    expect(spy.outside.some((sql) => sql.includes('knowledge_articles'))).toBe(false);
    expect(spy.transactions[0]!.some((sql) => sql.includes('knowledge_articles'))).toBe(true);
    const before = await world.service.diagnosis(first.ticket!.id);
    const after = await world.service.diagnosis(again.ticket!.id);
    expect(after.prefill.generatedAt).toBe(world.clock.now().toISOString());
    expect(after.prefill.sla.source).toBe('contract');
    expect(after.prefill.technicians).toEqual(before.prefill.technicians);
    expect(after.prefill.fault).toEqual(before.prefill.fault);
    expect(after.evidenceCount).toBe(1);
    expect(again.ticket).toMatchObject({ faultCode: SEAL, status: 'new', contractId: first.ticket!.contractId, priority: first.ticket!.priority });
  });

  test('another transaction opens the ticket meanwhile: the finding is appended to it', async () => {
    const { assetId } = await seedAsset(world.db);
    let winner: Awaited<ReturnType<AutoTicketService['openOrAppend']>> | undefined;
    const spy = spied(world.db, async () => {
      winner = await world.service.openOrAppend(parseFinding(finding(assetId, { ruleId: 'seal-temp-trend' }, 0)));
    });
    const loser = await new AutoTicketService(spy.db, world.clock, { tickets: new TicketsService(spy.db, world.clock) }).openOrAppend(
      parseFinding(finding(assetId, {}, 5)),
    );
    expect(winner!.outcome).toBe('created');
    expect(loser.outcome).toBe('appended');
    expect(loser.ticket!.id).toBe(winner!.ticket!.id);
    expect(loser.alarm.ticketId).toBe(winner!.ticket!.id);
    // The early look did prepare a draft; it went unused.
    expect(spy.outside.some((sql) => sql.includes('knowledge_articles'))).toBe(true);
    expect(await counts(world.db, assetId)).toEqual({ tickets: 1, alarms: 2, autofill: 1, evidence: 2, history: 1, audits: 1 });
  });
});
