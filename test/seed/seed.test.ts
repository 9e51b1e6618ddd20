/** The demo seed: everything goes in through the services, consistent, and refused twice without reset. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/kernel/db/database.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { isSimulatable } from '../../src/telemetry/models/models.schema.js';
import { DevicesService } from '../../src/telemetry/devices/devices.service.js';
import { verifyPassword } from '../../src/access/auth/password.js';
import { DemoAlreadySeeded, seedDemo, type SeedResult } from '../../src/app/seed/seed.js';
import { DEMO_CUSTOMERS, DEMO_TECHNICIANS } from '../../src/app/seed/demo-company.data.js';
import { haversineKm } from '../../src/kernel/geo.js';
import { DispatchService } from '../../src/service/dispatch/dispatch.service.js';
import { settableClock } from '../../src/kernel/clock.js';
import { StockPlanningService } from '../../src/service/stock/stock-planning.service.js';
import { TechniciansService } from '../../src/service/technicians/technicians.service.js';
import { openTestDatabase } from '../harness/database.js';
import { TicketsService } from '../../src/service/tickets/tickets.service.js';
import { VisitsService } from '../../src/service/visits/visits.service.js';
import { StockService } from '../../src/service/stock/stock.service.js';

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
const all = async <T>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows;
/** HH:MM of an instant in a time zone. */
const localTime = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));

describe('seedDemo', () => {
  it('installs assets of every model the simulator can run (not of real-equipment models), each with a device whose token authenticates', async () => {
    expect(result.fleet).toHaveLength(8);
    expect(new Set(result.fleet.map((d) => d.modelId))).toEqual(
      new Set(
        models
          .list()
          .filter(isSimulatable)
          .map((m) => m.id),
      ),
    );
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
    const people = await one<{ contacts: number; articles: number }>(
      'SELECT (SELECT count(*)::int FROM contacts) AS contacts, (SELECT count(*)::int FROM knowledge_articles) AS articles',
    );
    expect(people.contacts).toBe(result.counts.contacts);
    expect(people.contacts).toBeGreaterThanOrEqual(3);
    expect(people.articles).toBe(models.list().reduce((n, m) => n + m.faults.length, 0));
    const contracts = await one<{ n: number; with_sla: number }>('SELECT count(*)::int AS n, count(sla)::int AS with_sla FROM service_contracts');
    expect(contracts).toEqual({ n: result.counts.contracts, with_sla: result.counts.contracts });
  });

  it('gives every technician a profile (skill levels, home base near the sites, Mon–Fri 07:00–17:00 in their zone, cost) and a van', async () => {
    const profiles = await new TechniciansService(db, { tickets: new TicketsService(db) }).list();
    expect(profiles).toHaveLength(DEMO_TECHNICIANS.length);
    expect(result.counts.technicianProfiles).toBe(DEMO_TECHNICIANS.length);
    const sites = DEMO_CUSTOMERS.flatMap((c) => c.sites);
    for (const p of profiles) {
      const data = DEMO_TECHNICIANS.find((t) => t.name === p.name)!;
      expect(p.hasProfile).toBe(true);
      expect(Object.fromEntries(p.skills.map((s) => [s.name, s.level]))).toEqual(data.skills);
      expect(p.timezone).toBe(data.timeZone);
      expect(p.hourlyCost).toBeGreaterThan(0);
      expect(p.workingHours).toEqual(Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['07:00', '17:00']]])));
      const nearest = Math.min(...sites.map((s) => haversineKm(p.homeBase!.lat, p.homeBase!.lon, s.latitude, s.longitude)));
      expect(nearest).toBeLessThan(50);
    }
    const vans = await all<{ technician_id: string; latitude: number | null }>(
      "SELECT technician_id, latitude FROM stock_locations WHERE kind = 'van' AND active",
    );
    expect(new Set(vans.map((v) => v.technician_id))).toEqual(new Set(profiles.map((p) => p.technicianId)));
    expect(vans.every((v) => v.latitude !== null)).toBe(true);
  });

  it('catalogues every fault-catalogue SKU, stocks warehouses and vans, and the history consumed that stock', async () => {
    const listed = new Map<string, Set<string>>();
    for (const m of models.list()) for (const f of m.faults) for (const p of f.parts) listed.set(p.sku, (listed.get(p.sku) ?? new Set()).add(m.id));
    const parts = await all<{
      sku: string;
      unit_price: number;
      unit_cost: number;
      compatible_models: string[];
      reorder_point: number | null;
      supplier: string | null;
    }>(
      'SELECT sku, unit_price::float8 AS unit_price, unit_cost::float8 AS unit_cost, compatible_models, reorder_point::float8 AS reorder_point, supplier FROM parts',
    );
    expect(new Set(parts.map((p) => p.sku))).toEqual(new Set(listed.keys()));
    expect(result.counts.parts).toBe(listed.size);
    for (const p of parts) {
      expect(p.unit_cost).toBeGreaterThan(0);
      expect(p.unit_price).toBeGreaterThan(p.unit_cost);
      expect(new Set(p.compatible_models)).toEqual(listed.get(p.sku));
      expect(p.reorder_point).not.toBeNull();
      expect(p.supplier).toBeTruthy();
    }
    const kinds = await all<{ kind: string; n: number; located: number }>(
      'SELECT kind, count(*)::int AS n, count(latitude)::int AS located FROM stock_locations GROUP BY kind',
    );
    expect(kinds.find((k) => k.kind === 'central')).toEqual({ kind: 'central', n: 1, located: 1 });
    expect(kinds.find((k) => k.kind === 'local')?.located).toBeGreaterThanOrEqual(1);

    const stock = await one<{ available: number; on_vans: number }>(
      `SELECT (SELECT count(*)::int FROM parts p WHERE EXISTS (SELECT 1 FROM stock_levels sl WHERE sl.part_id = p.id AND sl.on_hand > sl.reserved)) AS available,
              (SELECT count(DISTINCT sl.location_id)::int FROM stock_levels sl JOIN stock_locations l ON l.id = sl.location_id WHERE l.kind = 'van' AND sl.on_hand > 0) AS on_vans`,
    );
    expect(stock.available).toBeGreaterThanOrEqual(Math.ceil(0.7 * listed.size));
    expect(stock.available).toBeLessThan(listed.size);
    expect(stock.on_vans).toBeGreaterThanOrEqual(Math.ceil(DEMO_TECHNICIANS.length / 2));
    const reorder = await new StockPlanningService(db, settableClock(now)).reorderSuggestions();
    expect(reorder.suppliers.flatMap((s) => s.lines).length).toBeGreaterThan(0);

    // Every part a history visit recorded left stock or was backordered, after the opening stock arrived.
    const ledger = await one<{ used: number; consumed: number; backordered: number; receipts_before: boolean }>(
      `SELECT (SELECT COALESCE(sum(quantity), 0)::float8 FROM visit_parts) AS used,
              (SELECT COALESCE(-sum(quantity), 0)::float8 FROM stock_movements WHERE kind = 'consumption') AS consumed,
              (SELECT COALESCE(sum(quantity), 0)::float8 FROM stock_backorders) AS backordered,
              (SELECT max(at) FROM stock_movements WHERE kind = 'receipt') < (SELECT min(created_at) FROM tickets) AS receipts_before`,
    );
    expect(ledger.used).toBeGreaterThan(0);
    expect(ledger.consumed).toBeGreaterThan(0);
    expect(ledger.consumed + ledger.backordered).toBeCloseTo(ledger.used, 3);
    expect(ledger.receipts_before).toBe(true);
    const prices = await one<{ mismatched: number }>(
      'SELECT count(*)::int AS mismatched FROM visit_parts vp JOIN parts p ON p.sku = vp.sku WHERE vp.unit_price <> p.unit_price',
    );
    expect(prices.mismatched).toBe(0);
  });

  it('sets labour rates per skill, preventive plans on contracts and e-mail preferences of primary contacts', async () => {
    const skills = new Set(models.list().flatMap((m) => m.faults.map((f) => f.skill)));
    const rates = await all<{ skill: string; hourly_rate: number }>('SELECT skill, hourly_rate::float8 AS hourly_rate FROM labour_rates');
    expect(new Set(rates.map((r) => r.skill))).toEqual(new Set(['*', ...skills]));
    expect(rates.every((r) => r.hourly_rate > 0)).toBe(true);

    const plans = await all<{ contract_status: string; interval_months: number | null; unknown_parts: number }>(
      `SELECT c.status AS contract_status, mp.interval_months,
              (SELECT count(*)::int FROM jsonb_array_elements(mp.parts) e WHERE NOT EXISTS (SELECT 1 FROM parts p WHERE p.sku = e->>'sku')) AS unknown_parts
         FROM maintenance_plans mp JOIN service_contracts c ON c.id = mp.contract_id WHERE mp.active`,
    );
    expect(plans.length).toBe(result.counts.maintenancePlans);
    expect(plans.length).toBeGreaterThan(0);
    expect(plans.every((p) => p.contract_status === 'active' && p.interval_months !== null && p.unknown_parts === 0)).toBe(true);

    const prefs = await all<{ is_primary: boolean; channels: string[]; language: string; code: string }>(
      `SELECT ct.is_primary, p.channels, ct.language, cu.code FROM contact_notification_preferences p
         JOIN contacts ct ON ct.id = p.contact_id JOIN customers cu ON cu.id = ct.customer_id ORDER BY cu.code`,
    );
    expect(prefs.length).toBe(result.counts.notificationPreferences);
    expect(prefs.length).toBeGreaterThan(0);
    expect(prefs.every((p) => p.is_primary && p.channels.join() === 'email')).toBe(true);
    expect(prefs[0]).toMatchObject({ code: 'DEMO-001', language: 'de' });
  });

  it('ranks technicians with the skill for the open telemetry ticket, with a slot inside working hours', async () => {
    const ticket = await one<{ id: string }>("SELECT id FROM tickets WHERE status = 'new' AND channel = 'iot' ORDER BY created_at LIMIT 1");
    const s = await new DispatchService(db, {
      clock: settableClock(now),
      tickets: new TicketsService(db),
      visits: new VisitsService(db, undefined, { tickets: new TicketsService(db), stock: new StockService(db) }),
    }).suggest(ticket.id, { date: '2025-06-17', limit: 10 });
    expect(s.requiredSkill).toBeTruthy();
    expect(s.candidates.length).toBeGreaterThan(0);
    expect(s.candidates.map((c) => c.rank)).toEqual(s.candidates.map((_, i) => i + 1));
    for (const c of s.candidates) expect(c.reasons.length, c.name).toBeGreaterThan(0);
    for (const c of s.candidates) {
      const data = DEMO_TECHNICIANS.find((t) => t.name === c.name)!;
      expect(c.skillLevel).toBe(data.skills[s.requiredSkill as keyof typeof data.skills]);
    }
    const unskilled = DEMO_TECHNICIANS.filter((t) => !(s.requiredSkill! in t.skills)).map((t) => t.name);
    expect(s.excluded.map((e) => e.name).sort()).toEqual(unskilled.sort());
    const best = s.candidates[0]!;
    expect(best.slot).not.toBeNull();
    const zone = DEMO_TECHNICIANS.find((t) => t.name === best.name)!.timeZone;
    expect(localTime(best.slot!.start, zone) >= '07:00').toBe(true);
    expect(localTime(best.slot!.end, zone) <= '17:00').toBe(true);
  });

  it('refuses to seed the same database twice, and starts over with reset', async () => {
    await expect(seedDemo({ db, models, customers: 1, assets: 1, historyPerCustomer: 0, now })).rejects.toBeInstanceOf(DemoAlreadySeeded);
    const again = await seedDemo({ db, models, customers: 1, assets: 2, historyPerCustomer: 0, now, reset: true, password: 'one-password-for-all' });
    expect(again.fleet).toHaveLength(2);
    expect(new Set(again.users.map((u) => u.password))).toEqual(new Set(['one-password-for-all']));
    expect((await one<{ n: number }>('SELECT count(*)::int AS n FROM customers')).n).toBe(1);
    expect((await one<{ n: number }>("SELECT count(*)::int AS n FROM tickets WHERE status = 'closed'")).n).toBe(0);
    // The rows the migrations insert are back; the field data is seeded again.
    expect((await one<{ n: number }>('SELECT count(*)::int AS n FROM dispatch_settings')).n).toBe(1);
    expect(again.counts.technicianProfiles).toBe(DEMO_TECHNICIANS.length);
    expect((await one<{ n: number }>("SELECT count(*)::int AS n FROM stock_locations WHERE kind = 'van'")).n).toBe(DEMO_TECHNICIANS.length);
  });

  it('rejects out-of-range counts before writing anything', async () => {
    await expect(seedDemo({ db, models, customers: 0, reset: true })).rejects.toThrow(/customers must be an integer from 1/);
    expect((await one<{ n: number }>('SELECT count(*)::int AS n FROM customers')).n).toBe(1);
  });
});
