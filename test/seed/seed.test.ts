/** The demo seed: everything goes in through the services, consistent, and refused twice without reset. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/platform/db/database.js';
import { ModelRegistry } from '../../src/models/models.registry.js';
import { DevicesService } from '../../src/devices/devices.service.js';
import { verifyPassword } from '../../src/auth/password.js';
import { DemoAlreadySeeded, seedDemo, type SeedResult } from '../../src/seed/seed.js';
import { openTestDatabase } from '../harness/database.js';

let db: Database;
let models: ModelRegistry;
let result: SeedResult;
const now = new Date('2025-06-16T10:00:00.000Z');

beforeAll(async () => {
  db = await openTestDatabase();
  models = await ModelRegistry.fromDirectory(path.resolve(import.meta.dirname, '../../devices'));
  result = await seedDemo({ db, models, customers: 3, assets: 8, historyPerCustomer: 2, now });
});
afterAll(async () => {
  await db?.close();
});

const one = async <T>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows[0]!;

describe('seedDemo', () => {
  it('installs assets of every model, each with a device whose token authenticates', async () => {
    expect(result.fleet).toHaveLength(8);
    expect(new Set(result.fleet.map((d) => d.modelId))).toEqual(new Set(models.list().map((m) => m.id)));
    const devices = new DevicesService(db);
    for (const d of result.fleet) {
      const identity = await devices.authenticate(d.deviceId, d.token);
      expect(identity?.assetId).toBe(d.assetId);
      expect(identity?.modelId).toBe(d.modelId);
    }
    expect(await devices.authenticate(result.fleet[0]!.deviceId, 'wrong-token')).toBeNull();
  });

  it('creates customers with located sites, technicians with skills, one user per role with a working password', async () => {
    const counts = await one<{ customers: number; sites: number; located: number }>(
      'SELECT (SELECT count(*)::int FROM customers) AS customers, count(*)::int AS sites, count(latitude)::int AS located FROM sites',
    );
    expect(counts).toEqual({ customers: 3, sites: result.counts.sites, located: result.counts.sites });
    expect(new Set(result.users.map((u) => u.role))).toEqual(new Set(['admin', 'dispatcher', 'technician', 'agent', 'customer']));
    const techs = (await db.query<{ skills: string[]; territories: string[] }>("SELECT skills, territories FROM users WHERE role = 'technician'")).rows;
    expect(techs.length).toBeGreaterThanOrEqual(5);
    for (const t of techs) {
      expect(t.skills.length).toBeGreaterThan(0);
      expect(t.territories.length).toBeGreaterThan(0);
    }
    const admin = result.users.find((u) => u.role === 'admin')!;
    const { password_hash } = await one<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = $1', [admin.email]);
    expect(await verifyPassword(admin.password, password_hash)).toBe(true);
  });

  it('leaves closed history with visits, labour and acceptance, open work, and prepaid draw-downs', async () => {
    expect(result.counts.closedTickets).toBe(6);
    const closed = await one<{ n: number; before: number; unaccepted: number; without_visit: number }>(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE t.closed_at < $1)::int AS before,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM visits v WHERE v.ticket_id = t.id AND v.accepted_at IS NULL))::int AS unaccepted,
              count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM visits v JOIN visit_labour l ON l.visit_id = v.id WHERE v.ticket_id = t.id AND v.outcome = 'fixed'))::int AS without_visit
         FROM tickets t WHERE t.status = 'closed'`,
      [now],
    );
    expect(closed).toEqual({ n: 6, before: 6, unaccepted: 0, without_visit: 0 });
    const open = await one<{ n: number }>("SELECT count(*)::int AS n FROM tickets WHERE status NOT IN ('closed', 'resolved', 'cancelled')");
    expect(open.n).toBe(result.counts.openTickets);
    const history = await one<{ n: number }>('SELECT count(*)::int AS n FROM ticket_status_history');
    expect(history.n).toBeGreaterThan(6 * 7);
    const people = await one<{ contacts: number; articles: number }>('SELECT (SELECT count(*)::int FROM contacts) AS contacts, (SELECT count(*)::int FROM knowledge_articles) AS articles');
    expect(people.contacts).toBe(result.counts.contacts);
    expect(people.contacts).toBeGreaterThanOrEqual(3);
    expect(people.articles).toBe(models.list().reduce((n, m) => n + m.faults.length, 0));
    const contracts = await one<{ n: number; with_sla: number }>('SELECT count(*)::int AS n, count(sla)::int AS with_sla FROM service_contracts');
    expect(contracts).toEqual({ n: result.counts.contracts, with_sla: result.counts.contracts });
  });

  it('refuses to seed the same database twice, and starts over with reset', async () => {
    await expect(seedDemo({ db, models, customers: 1, assets: 1, historyPerCustomer: 0, now })).rejects.toBeInstanceOf(DemoAlreadySeeded);
    const again = await seedDemo({ db, models, customers: 1, assets: 2, historyPerCustomer: 0, now, reset: true, password: 'one-password-for-all' });
    expect(again.fleet).toHaveLength(2);
    expect(new Set(again.users.map((u) => u.password))).toEqual(new Set(['one-password-for-all']));
    expect((await one<{ n: number }>('SELECT count(*)::int AS n FROM customers')).n).toBe(1);
    expect((await one<{ n: number }>("SELECT count(*)::int AS n FROM tickets WHERE status = 'closed'")).n).toBe(0);
  });

  it('rejects out-of-range counts before writing anything', async () => {
    await expect(seedDemo({ db, models, customers: 0, reset: true })).rejects.toThrow(/customers must be an integer from 1/);
    expect((await one<{ n: number }>('SELECT count(*)::int AS n FROM customers')).n).toBe(1);
  });
});
