/**
 * A database (PGlite, or a fresh database on the run's PostgreSQL with TELEMEND_TEST_POSTGRES=1)
 * with the real equipment models of devices/, the HTTP app on a settable clock, and helpers that
 * seed customers of each tier, sites with coordinates, assets, technicians and findings.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AutoTicketService } from '../../src/service/autotickets/autotickets.service.js';
import { issueToken } from '../../src/access/auth/tokens.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import type { Database } from '../../src/kernel/db/database.js';
import type { ZodApp } from '../../src/app/http-app.js';
import type { Role } from '../../src/kernel/http/http.types.js';
import { settableClock } from '../../src/kernel/clock.js';
import { buildClockedApp } from '../service/service-fixture.js';
import { TicketsService } from '../../src/service/tickets/tickets.service.js';

export const ADMIN_TOKEN = 'autotickets-admin-token-0123456789';
export const START = '2025-03-10T08:00:00.000Z';
export const PUMP = 'centrifugal-pump-cp80';
export const SEAL = 'MECHANICAL_SEAL_LEAK';

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are checked field by field
  body: any;
}

export interface World {
  db: Database;
  app: ZodApp;
  clock: ReturnType<typeof settableClock>;
  service: AutoTicketService;
  call(method: 'GET' | 'POST', url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  user(
    role: Role,
    values?: { name?: string; skills?: string[]; territories?: string[]; active?: boolean; customerId?: string },
  ): Promise<{ id: string; auth: Record<string, string> }>;
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const models = await ModelRegistry.fromDirectory(new URL('../../devices', import.meta.url).pathname);
  const { db, app, clock } = await buildClockedApp(models, START, ADMIN_TOKEN);
  return {
    db,
    app,
    clock,
    service: new AutoTicketService(db, clock, { tickets: new TicketsService(db, clock) }),
    async call(method, url, body, headers = {}) {
      const response = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return { status: response.statusCode, body: response.body ? response.json() : undefined };
    },
    async user(role, values = {}) {
      const { rows } = await db.query<{ id: string }>(
        'INSERT INTO users (email, name, role, skills, territories, active, customer_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id',
        [
          `${role}-${randomUUID().slice(0, 8)}@example.test`,
          values.name ?? `A ${role}`,
          role,
          JSON.stringify(values.skills ?? []),
          values.territories ?? [],
          values.active ?? true,
          values.customerId ?? null,
        ],
      );
      const id = rows[0]!.id;
      return { id, auth: { authorization: `Bearer ${issueToken(app as unknown as FastifyInstance, id).token}` } };
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}

export const PLACES = {
  hamburg: { city: 'Hamburg', country: 'DE', latitude: 53.5437, longitude: 9.9885 },
  munich: { city: 'München', country: 'DE', latitude: 48.142, longitude: 11.52 },
  lyon: { city: 'Lyon', country: 'FR', latitude: 45.73, longitude: 4.832 },
} as const;

export interface SeedOptions {
  place?: keyof typeof PLACES;
  /** Active contract value (gold from 25 000); undefined = no contract (bronze). */
  contractValue?: number;
  /** Contract SLA: response minutes for `high` (others scaled), 24x7. */
  highResponseMinutes?: number;
  modelId?: string;
}

/** A customer with one site and one asset of `modelId` (default the pump). */
export async function seedAsset(
  db: Database,
  options: SeedOptions = {},
): Promise<{ customerId: string; siteId: string; assetId: string; contractId: string | null }> {
  const tag = randomUUID().slice(0, 8);
  const place = PLACES[options.place ?? 'hamburg'];
  const customer = await db.query<{ id: string }>('INSERT INTO customers (name) VALUES ($1) RETURNING id', [`Customer ${tag}`]);
  const customerId = customer.rows[0]!.id;
  const site = await db.query<{ id: string }>(
    'INSERT INTO sites (customer_id, name, city, country, latitude, longitude) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [customerId, `Site ${tag}`, place.city, place.country, place.latitude, place.longitude],
  );
  const siteId = site.rows[0]!.id;
  const asset = await db.query<{ id: string }>('INSERT INTO assets (site_id, model_id, serial_number) VALUES ($1, $2, $3) RETURNING id', [
    siteId,
    options.modelId ?? PUMP,
    `SN-${tag}`,
  ]);
  let contractId: string | null = null;
  if (options.contractValue !== undefined || options.highResponseMinutes !== undefined) {
    const r = options.highResponseMinutes;
    const sla =
      r === undefined
        ? null
        : {
            low: { responseMinutes: r * 4, resolutionMinutes: r * 40 },
            medium: { responseMinutes: r * 2, resolutionMinutes: r * 20 },
            high: { responseMinutes: r, resolutionMinutes: r * 10 },
            critical: { responseMinutes: Math.max(1, Math.floor(r / 2)), resolutionMinutes: r * 5 },
          };
    const contract = await db.query<{ id: string }>(
      `INSERT INTO service_contracts (customer_id, name, status, starts_on, sla, value) VALUES ($1, 'Full service', 'active', '2024-01-01', $2, $3) RETURNING id`,
      [customerId, sla === null ? null : JSON.stringify(sla), options.contractValue ?? null],
    );
    contractId = contract.rows[0]!.id;
  }
  return { customerId, siteId, assetId: asset.rows[0]!.id, contractId };
}

let seq = 0;
/** A finding for the pump's seal leak on `assetId`; `minute` moves the reading time. */
export function finding(assetId: string, overrides: Record<string, unknown> = {}, minute = 0) {
  seq++;
  const at = new Date(Date.parse(START) - 3_600_000 + minute * 60_000);
  return {
    assetId,
    ruleId: 'seal-temp-high',
    faultCode: SEAL,
    kind: 'threshold',
    severity: 'alarm',
    at: at.toISOString(),
    evidence: {
      metric: 'seal_temp',
      values: [{ ts: at.toISOString(), value: 78 + (seq % 5) }],
      window: { from: new Date(at.getTime() - 600_000).toISOString(), to: at.toISOString() },
      threshold: 75,
    },
    ...overrides,
  };
}

/** Counts of the rows an auto-ticket writes, for "nothing half-written" checks. */
export async function counts(db: Database, assetId: string) {
  const one = async (sql: string) => Number((await db.query<{ n: number }>(sql, [assetId])).rows[0]!.n);
  return {
    tickets: await one('SELECT count(*)::int AS n FROM tickets WHERE asset_id = $1'),
    alarms: await one('SELECT count(*)::int AS n FROM alarms WHERE asset_id = $1'),
    autofill: await one('SELECT count(*)::int AS n FROM ticket_autofill f JOIN tickets t ON t.id = f.ticket_id WHERE t.asset_id = $1'),
    evidence: await one('SELECT count(*)::int AS n FROM ticket_evidence e JOIN tickets t ON t.id = e.ticket_id WHERE t.asset_id = $1'),
    history: await one('SELECT count(*)::int AS n FROM ticket_status_history h JOIN tickets t ON t.id = h.ticket_id WHERE t.asset_id = $1'),
    audits: await one(`SELECT count(*)::int AS n FROM audit_log a JOIN tickets t ON t.id::text = a.entity_id WHERE a.entity = 'ticket' AND t.asset_id = $1`),
  };
}
