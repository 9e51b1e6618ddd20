/**
 * The reports test app (PGlite, two equipment models, a settable clock) and SQL helpers that
 * insert crafted rows with exact timestamps, so expected figures can be computed by hand.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { issueToken } from '../../src/access/auth/tokens.js';
import type { Database } from '../../src/kernel/db/database.js';
import type { Role } from '../../src/kernel/http/http.types.js';
import { inlineModel } from '../api/api-fixture.js';
import { buildClockedApp } from '../service/service-fixture.js';

export const ADMIN_TOKEN = 'reports-admin-token-0123456789';

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are checked field by field
  body: any;
  text: string;
}

export async function startReportsApi(now: string) {
  const { db, app, clock } = await buildClockedApp(ModelRegistry.of([inlineModel('chiller-x'), inlineModel('pump-y', { category: 'pump' })]), now, ADMIN_TOKEN);
  return {
    db,
    app,
    clock,
    async get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
      return this.call('GET', url, undefined, headers);
    },
    async call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
      const response = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      const type = String(response.headers['content-type'] ?? '');
      return {
        status: response.statusCode,
        headers: response.headers,
        body: type.includes('json') && response.body ? response.json() : response.body,
        text: response.body,
      };
    },
    /** A signed-in user of `role` (technicians get a name for the utilisation rows). */
    async user(role: Role, name = `A ${role}`, active = true): Promise<{ id: string; auth: { authorization: string } }> {
      const { rows } = await db.query<{ id: string }>('INSERT INTO users (email, name, role, active) VALUES ($1, $2, $3, $4) RETURNING id', [
        `${role}-${randomUUID().slice(0, 8)}@example.test`,
        name,
        role,
        active,
      ]);
      const id = rows[0]!.id;
      return { id, auth: { authorization: `Bearer ${issueToken(app as unknown as FastifyInstance, id).token}` } };
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}
export type ReportsApi = Awaited<ReturnType<typeof startReportsApi>>;

const one = async (db: Database, sql: string, params: unknown[]): Promise<string> => (await db.query<{ id: string }>(sql, params)).rows[0]!.id;

export const insertCustomer = (db: Database, name: string) => one(db, 'INSERT INTO customers (name) VALUES ($1) RETURNING id', [name]);
export const insertSite = (db: Database, customerId: string) => one(db, `INSERT INTO sites (customer_id, name) VALUES ($1, 'Site') RETURNING id`, [customerId]);
export const insertAsset = (db: Database, siteId: string, modelId: string, installDate: string | null, createdAt = '2025-01-01T00:00:00Z') =>
  one(db, 'INSERT INTO assets (site_id, model_id, serial_number, install_date, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id', [
    siteId,
    modelId,
    randomUUID(),
    installDate,
    createdAt,
  ]);

export interface TicketSpec {
  customerId: string;
  assetId?: string | null;
  contractId?: string | null;
  type?: string;
  priority: 'low' | 'medium' | 'high' | 'critical';
  status: string;
  createdAt: string;
  respondedAt?: string | null;
  resolvedAt?: string | null;
  responseDueAt: string;
  resolutionDueAt: string;
  slaPausedAt?: string | null;
  channel?: string;
  faultCode?: string | null;
}

export function insertTicket(db: Database, t: TicketSpec): Promise<string> {
  return one(
    db,
    `INSERT INTO tickets (channel, type, priority, title, customer_id, asset_id, contract_id, fault_code, status, sla_source,
       response_due_at, resolution_due_at, responded_at, resolved_at, closed_at, cancelled_at, sla_paused_at, hold_reason,
       status_changed_at, created_by_type, created_by_id, created_at, updated_at)
     VALUES ($1, $2, $3, 'Crafted', $4, $5, $6, $7, $8, 'default', $9, $10, $11, $12,
       CASE WHEN $8 = 'closed' THEN $12::timestamptz END, CASE WHEN $8 = 'cancelled' THEN $13::timestamptz END, $14,
       CASE WHEN $8 = 'on_hold' THEN 'customer' END, $13, 'system', 'test', $13, $13) RETURNING id`,
    [
      t.channel ?? 'phone',
      t.type ?? 'breakdown',
      t.priority,
      t.customerId,
      t.assetId ?? null,
      t.contractId ?? null,
      t.faultCode ?? null,
      t.status,
      t.responseDueAt,
      t.resolutionDueAt,
      t.respondedAt ?? null,
      t.resolvedAt ?? null,
      t.createdAt,
      t.slaPausedAt ?? null,
    ],
  );
}

export interface VisitSpec {
  ticketId: string;
  technicianId: string;
  status?: 'planned' | 'in_progress' | 'completed' | 'cancelled';
  plannedStart: string;
  plannedEnd: string;
  actualStart?: string | null;
  actualEnd?: string | null;
  outcome?: 'fixed' | 'another_visit_needed' | 'not_fixed' | null;
}

export function insertVisit(db: Database, v: VisitSpec): Promise<string> {
  return one(
    db,
    `INSERT INTO visits (ticket_id, technician_id, status, planned_start, planned_end, actual_start, actual_end, outcome, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $4, $4) RETURNING id`,
    [v.ticketId, v.technicianId, v.status ?? 'completed', v.plannedStart, v.plannedEnd, v.actualStart ?? null, v.actualEnd ?? null, v.outcome ?? null],
  );
}

export const insertLabour = (db: Database, visitId: string, minutes: number, recordedAt: string) =>
  one(db, `INSERT INTO visit_labour (visit_id, minutes, recorded_at, actor_type, actor_id) VALUES ($1, $2, $3, 'system', 'test') RETURNING id`, [
    visitId,
    minutes,
    recordedAt,
  ]);

export const insertPart = (db: Database, visitId: string, sku: string, quantity: number, recordedAt: string) =>
  one(
    db,
    `INSERT INTO visit_parts (visit_id, sku, quantity, unit_price, recorded_at, actor_type, actor_id) VALUES ($1, $2, $3, 10, $4, 'system', 'test') RETURNING id`,
    [visitId, sku, quantity, recordedAt],
  );

export const insertHistory = (db: Database, ticketId: string, to: string, at: string, reason: string | null = null) =>
  db.query(`INSERT INTO ticket_status_history (ticket_id, to_status, at, actor_type, actor_id, reason) VALUES ($1, $2, $3, 'system', 'test', $4)`, [
    ticketId,
    to,
    at,
    reason,
  ]);

export interface AlarmSpec {
  assetId: string;
  modelId: string;
  ruleId: string;
  faultCode: string;
  firstSeenAt: string;
  clearedAt?: string | null;
  ticketId?: string | null;
}

export const insertAlarm = (db: Database, a: AlarmSpec) =>
  one(
    db,
    `INSERT INTO alarms (asset_id, model_id, rule_id, fault_code, kind, state, first_seen_at, last_seen_at, evidence, ticket_id, cleared_at)
     VALUES ($1, $2, $3, $4, 'threshold', $5, $6, $6, '{"latest": {}, "history": []}', $7, $8) RETURNING id`,
    [a.assetId, a.modelId, a.ruleId, a.faultCode, a.clearedAt ? 'cleared' : 'active', a.firstSeenAt, a.ticketId ?? null, a.clearedAt ?? null],
  );

export const insertContract = (db: Database, c: { customerId: string; status: string; startsOn: string; endsOn: string | null; value: number }) =>
  one(db, `INSERT INTO service_contracts (customer_id, name, status, starts_on, ends_on, value) VALUES ($1, 'Contract', $2, $3, $4, $5) RETURNING id`, [
    c.customerId,
    c.status,
    c.startsOn,
    c.endsOn,
    c.value,
  ]);

export { parseCsv } from '../harness/csv.js';
