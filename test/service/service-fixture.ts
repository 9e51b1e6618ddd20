/**
 * One in-memory API per test file for the service domain: PGlite, migrations, buildApp() with a
 * settable clock on the context, and helpers to create users of each role with login tokens.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp, type ZodApp } from '../../src/app/http-app.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/kernel/config.js';
import { TEST_EGRESS_ALLOW } from '../harness/egress.js';
import { createLogger } from '../../src/kernel/logger.js';
import type { Database } from '../../src/kernel/db/database.js';
import { openTestDatabase } from '../harness/database.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { DevicesService } from '../../src/telemetry/devices/devices.service.js';
import { issueToken } from '../../src/access/auth/tokens.js';
import type { Role } from '../../src/kernel/http/http.types.js';
import { settableClock } from '../../src/kernel/clock.js';
import { inlineModel } from '../api/api-fixture.js';

export const ADMIN_TOKEN = 'service-admin-token-0123456789';

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are checked field by field
  body: any;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface ServiceApi {
  app: ZodApp;
  db: Database;
  clock: ReturnType<typeof settableClock>;
  /** Request as admin (bootstrap token) unless `as` gives another bearer token. */
  call(method: Method, url: string, body?: unknown, headers?: Record<string, string | undefined>): Promise<Reply>;
  /** Creates an active user of `role` and returns its id and a login token. */
  user(role: Role, options?: { customerId?: string }): Promise<{ id: string; token: string; auth: { authorization: string } }>;
  close(): Promise<void>;
}

/** The app on a test database with a settable clock: shared by the service and auto-ticket fixtures. */
export async function buildClockedApp(models: ModelRegistry, start: string, adminToken: string, env: Record<string, string> = {}) {
  const db = await openTestDatabase();
  await models.sync(db);
  const clock = settableClock(start);
  const ctx: AppContext = {
    config: loadConfig({}, { TELEMEND_ADMIN_TOKEN: adminToken, HTTP_RATE_LIMIT_MAX: '100000', EGRESS_ALLOW: TEST_EGRESS_ALLOW, ...env }),
    logger: createLogger('silent'),
    db,
    models,
    devices: new DevicesService(db),
    redis: undefined as never,
    telemetry: undefined as never,
    rejections: undefined as never,
    clock,
  };
  const app = await buildApp(ctx);
  await app.ready();
  return { db, app, clock };
}

/** `env`: configuration overrides (e.g. DATA_DIR for the attachments' disk store). */
export async function startServiceApi(start = '2025-03-10T08:00:00.000Z', env: Record<string, string> = {}): Promise<ServiceApi> {
  const { db, app, clock } = await buildClockedApp(ModelRegistry.of([inlineModel('chiller-x')]), start, ADMIN_TOKEN, env);
  return {
    app,
    db,
    clock,
    async call(method, url, body, headers = {}) {
      const merged: Record<string, string> = {};
      for (const [k, v] of Object.entries({ authorization: `Bearer ${ADMIN_TOKEN}`, ...headers })) if (v !== undefined) merged[k] = v;
      const response = await app.inject({ method, url, headers: merged, ...(body === undefined ? {} : { payload: body as object }) });
      const type = String(response.headers['content-type'] ?? '');
      return { status: response.statusCode, headers: response.headers, body: type.includes('json') ? response.json() : response.body };
    },
    async user(role, options = {}) {
      const { rows } = await db.query<{ id: string }>('INSERT INTO users (email, name, role, customer_id) VALUES ($1, $2, $3, $4) RETURNING id', [
        `${role}-${randomUUID().slice(0, 8)}@example.test`,
        `A ${role}`,
        role,
        options.customerId ?? null,
      ]);
      const id = rows[0]!.id;
      const { token } = issueToken(app as unknown as FastifyInstance, id);
      return { id, token, auth: { authorization: `Bearer ${token}` } };
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}

let counter = 0;
/** A customer with a site and `assets` assets. */
export async function seedCustomer(api: ServiceApi, assets = 1): Promise<{ customerId: string; siteId: string; assetIds: string[] }> {
  const tag = `${++counter}-${randomUUID().slice(0, 6)}`;
  const customer = await api.call('POST', '/api/v1/customers', { name: `Customer ${tag}` });
  const site = await api.call('POST', '/api/v1/sites', { customerId: customer.body.id, name: `Site ${tag}` });
  const assetIds: string[] = [];
  for (let i = 0; i < assets; i++) {
    const asset = await api.call('POST', '/api/v1/assets', { siteId: site.body.id, modelId: 'chiller-x', serialNumber: `SN-${tag}-${i}` });
    if (asset.status !== 201) throw new Error(`seed failed: ${JSON.stringify(asset.body)}`);
    assetIds.push(asset.body.id);
  }
  return { customerId: customer.body.id, siteId: site.body.id, assetIds };
}

/** Mon–Fri 08:00–17:00 in Berlin, with Christmas off. */
export const BERLIN_OFFICE = {
  timeZone: 'Europe/Berlin',
  weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ start: '08:00', end: '17:00' }]])),
  holidays: ['2025-12-25', '2025-12-26'],
};

export const fieldsOf = (body: { fields?: { field: string }[] }) => (body.fields ?? []).map((f) => f.field);
