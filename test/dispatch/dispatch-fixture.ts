/**
 * One in-memory API per test file for technicians and dispatch: PGlite, migrations, buildApp()
 * with a settable clock and a recording NotifierPort on the context, plus helpers to create
 * technicians with profiles, sites with coordinates and tickets.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { issueToken } from '../../src/access/auth/tokens.js';
import { DevicesService } from '../../src/telemetry/devices/devices.service.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import type { NotificationRequest, NotifierPort, TechnicianNotificationRequest } from '../../src/service/notifications/notification.port.js';
import { loadConfig } from '../../src/kernel/config.js';
import type { AppContext } from '../../src/app/context.js';
import type { Database, Queryable } from '../../src/kernel/db/database.js';
import { buildApp, type ZodApp } from '../../src/app/http-app.js';
import type { Role } from '../../src/kernel/http/http.types.js';
import { createLogger } from '../../src/kernel/logger.js';
import { settableClock } from '../../src/kernel/clock.js';
import { inlineModel } from '../api/api-fixture.js';
import { openTestDatabase } from '../harness/database.js';

export const ADMIN_TOKEN = 'dispatch-admin-token-0123456789';

/** A pure in-memory NotifierPort: records what would be queued (the outbox is another module's). */
export class RecordingNotifier implements NotifierPort {
  readonly customer: NotificationRequest[] = [];
  readonly technician: TechnicianNotificationRequest[] = [];
  async enqueue(_q: Queryable, request: NotificationRequest): Promise<number> {
    this.customer.push(request);
    return 1;
  }
  async enqueueForTechnician(_q: Queryable, request: TechnicianNotificationRequest): Promise<number> {
    this.technician.push(request);
    return 1;
  }
  forVisit(visitId: string) {
    return {
      customer: this.customer.filter((r) => r.visitId === visitId).map((r) => r.event),
      technician: this.technician.filter((r) => r.visitId === visitId).map((r) => [r.event, r.technicianId]),
    };
  }
}

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are checked field by field
  body: any;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface DispatchApi {
  app: ZodApp;
  db: Database;
  clock: ReturnType<typeof settableClock>;
  notifier: RecordingNotifier;
  call(method: Method, url: string, body?: unknown, headers?: Record<string, string | undefined>): Promise<Reply>;
  user(role: Role, name?: string): Promise<{ id: string; auth: { authorization: string } }>;
  technician(name: string, profile: Record<string, unknown>): Promise<{ id: string; auth: { authorization: string } }>;
  site(lat: number, lon: number, extra?: Record<string, unknown>, modelId?: string): Promise<{ customerId: string; siteId: string; assetId: string }>;
  ticket(place: { customerId: string; assetId: string }, extra?: Record<string, unknown>): Promise<{ id: string; number: string }>;
  close(): Promise<void>;
}

export async function startDispatchApi(start = '2025-03-10T06:00:00.000Z', extraModels: readonly EquipmentModel[] = []): Promise<DispatchApi> {
  const db = await openTestDatabase();
  const models = ModelRegistry.of([inlineModel('chiller-x'), ...extraModels]);
  await models.sync(db);
  const clock = settableClock(start);
  const notifier = new RecordingNotifier();
  const ctx = {
    config: loadConfig({}, { TELEMEND_ADMIN_TOKEN: ADMIN_TOKEN, HTTP_RATE_LIMIT_MAX: '100000' }),
    logger: createLogger('silent'),
    db,
    models,
    devices: new DevicesService(db),
    redis: undefined as never,
    telemetry: undefined as never,
    rejections: undefined as never,
    clock,
    notifier,
  } satisfies AppContext & { notifier: NotifierPort };
  const app = await buildApp(ctx);
  await app.ready();
  let counter = 0;

  const call: DispatchApi['call'] = async (method, url, body, headers = {}) => {
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries({ authorization: `Bearer ${ADMIN_TOKEN}`, ...headers })) if (v !== undefined) merged[k] = v;
    const response = await app.inject({ method, url, headers: merged, ...(body === undefined ? {} : { payload: body as object }) });
    const type = String(response.headers['content-type'] ?? '');
    return { status: response.statusCode, headers: response.headers, body: type.includes('json') ? response.json() : response.body };
  };
  const user: DispatchApi['user'] = async (role, name) => {
    const { rows } = await db.query<{ id: string }>('INSERT INTO users (email, name, role) VALUES ($1, $2, $3) RETURNING id', [
      `${role}-${randomUUID().slice(0, 8)}@example.test`,
      name ?? `A ${role}`,
      role,
    ]);
    const id = rows[0]!.id;
    return { id, auth: { authorization: `Bearer ${issueToken(app as unknown as FastifyInstance, id).token}` } };
  };
  const expect2xx = (reply: Reply, what: string) => {
    if (reply.status >= 300) throw new Error(`${what} failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  };

  return {
    app,
    db,
    clock,
    notifier,
    call,
    user,
    async technician(name, profile) {
      const tech = await user('technician', name);
      expect2xx(await call('PUT', `/api/v1/technicians/${tech.id}`, { timezone: 'UTC', ...profile }), `profile of ${name}`);
      return tech;
    },
    async site(lat, lon, extra = {}, modelId = 'chiller-x') {
      const tag = `${++counter}-${randomUUID().slice(0, 6)}`;
      const customer = expect2xx(await call('POST', '/api/v1/customers', { name: `Customer ${tag}` }), 'customer');
      const site = expect2xx(
        await call('POST', '/api/v1/sites', { customerId: customer.id, name: `Site ${tag}`, latitude: lat, longitude: lon, ...extra }),
        'site',
      );
      const asset = expect2xx(await call('POST', '/api/v1/assets', { siteId: site.id, modelId, serialNumber: `SN-${tag}` }), 'asset');
      return { customerId: customer.id, siteId: site.id, assetId: asset.id };
    },
    async ticket(place, extra = {}) {
      const body = {
        channel: 'phone',
        type: 'breakdown',
        priority: 'low',
        title: 'Chiller alarm',
        customerId: place.customerId,
        assetId: place.assetId,
        faultCode: 'F1',
        ...extra,
      };
      const t = expect2xx(await call('POST', '/api/v1/tickets', body), 'ticket');
      return { id: t.id, number: t.number };
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** Munich city centre and places at known distances from it. */
export const MUNICH = { lat: 48.137, lon: 11.575 };
export const AUGSBURG = { lat: 48.3705, lon: 10.8978 }; // ~55 km
export const FREISING = { lat: 48.4029, lon: 11.7488 }; // ~32 km
