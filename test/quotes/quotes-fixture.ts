/**
 * The quotes tests' world: the HTTP app on a test database with the real equipment models of
 * devices/, a settable clock, the real notification outbox writer and ticket events published on
 * the run's Redis; auto-tickets for diagnosed tickets; users of each role with login tokens.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { buildApp, type ZodApp } from '../../src/app/http-app.js';
import type { AppContext } from '../../src/app/context.js';
import { issueToken } from '../../src/access/auth/tokens.js';
import { settableClock } from '../../src/kernel/clock.js';
import { loadConfig } from '../../src/kernel/config.js';
import type { Database } from '../../src/kernel/db/database.js';
import type { Role } from '../../src/kernel/http/http.types.js';
import { createLogger } from '../../src/kernel/logger.js';
import { AutoTicketService } from '../../src/service/autotickets/autotickets.service.js';
import { TicketEvents, ticketEventsChannel, type TicketEvent } from '../../src/service/delivery/ticket-events.js';
import { Notifier } from '../../src/service/notifications/notifier.js';
import { TicketsService } from '../../src/service/tickets/tickets.service.js';
import { DevicesService } from '../../src/telemetry/devices/devices.service.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { parseFinding } from '../../src/telemetry/detection/finding.schema.js';
import { openTestDatabase } from '../harness/database.js';
import { TEST_EGRESS_ALLOW } from '../harness/egress.js';

export const ADMIN_TOKEN = 'quotes-admin-token-0123456789';
export const START = '2025-03-10T08:00:00.000Z';
export const PUMP = 'centrifugal-pump-cp80';
export const SEAL = 'MECHANICAL_SEAL_LEAK';

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are checked field by field
  body: any;
}

export interface QuotesWorld {
  db: Database;
  app: ZodApp;
  clock: ReturnType<typeof settableClock>;
  /** Ticket events received on the Redis channel, in order. */
  events: TicketEvent[];
  call(method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  user(role: Role, customerId?: string): Promise<{ id: string; auth: Record<string, string> }>;
  /** A customer with a site and a pump, and a primary contact with an e-mail address in `language`. */
  customer(language?: string): Promise<{ customerId: string; assetId: string }>;
  /** An auto-ticket (diagnosed: seal leak, 4 h mechanical, three parts) on the asset. */
  diagnosedTicket(assetId: string): Promise<{ id: string; number: string }>;
  close(): Promise<void>;
}

export async function startQuotesWorld(env: Record<string, string> = {}): Promise<QuotesWorld> {
  const models = await ModelRegistry.fromDirectory(new URL('../../devices', import.meta.url).pathname);
  const db = await openTestDatabase();
  await models.sync(db);
  const clock = settableClock(START);
  const logger = createLogger('silent');
  const prefix = `quotes-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(inject('redisUrl'));
  const subscriber = new Redis(inject('redisUrl'));
  const events: TicketEvent[] = [];
  await subscriber.subscribe(ticketEventsChannel(prefix));
  subscriber.on('message', (_channel, message: string) => events.push(JSON.parse(message) as TicketEvent));
  const ctx: AppContext = {
    config: loadConfig({}, { TELEMEND_ADMIN_TOKEN: ADMIN_TOKEN, HTTP_RATE_LIMIT_MAX: '100000', EGRESS_ALLOW: TEST_EGRESS_ALLOW, ...env }),
    logger,
    db,
    models,
    devices: new DevicesService(db),
    redis: undefined as never,
    telemetry: undefined as never,
    rejections: undefined as never,
    clock,
    notifier: new Notifier({ clock }),
    ticketEvents: new TicketEvents({ redis, prefix, logger }),
  };
  const app = await buildApp(ctx);
  await app.ready();
  const autotickets = new AutoTicketService(db, clock, { tickets: new TicketsService(db, clock) });
  const call: QuotesWorld['call'] = async (method, url, body, headers = {}) => {
    const response = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    const type = String(response.headers['content-type'] ?? '');
    return { status: response.statusCode, headers: response.headers, body: type.includes('json') ? response.json() : response.body };
  };
  return {
    db,
    app,
    clock,
    events,
    call,
    async user(role, customerId) {
      const { rows } = await db.query<{ id: string }>('INSERT INTO users (email, name, role, customer_id) VALUES ($1, $2, $3, $4) RETURNING id', [
        `${role}-${randomUUID().slice(0, 8)}@example.test`,
        `A ${role}`,
        role,
        customerId ?? null,
      ]);
      const id = rows[0]!.id;
      return { id, auth: { authorization: `Bearer ${issueToken(app as unknown as FastifyInstance, id).token}` } };
    },
    async customer(language = 'en') {
      const tag = randomUUID().slice(0, 8);
      const customer = await call('POST', '/api/v1/customers', { name: `Customer ${tag}` });
      const site = await call('POST', '/api/v1/sites', { customerId: customer.body.id, name: `Site ${tag}` });
      const asset = await call('POST', '/api/v1/assets', { siteId: site.body.id, modelId: PUMP, serialNumber: `SN-${tag}` });
      const contact = await call('POST', '/api/v1/contacts', {
        customerId: customer.body.id,
        name: 'Ms Meyer',
        emails: [{ address: `meyer-${tag}@example.test` }],
        language,
        isPrimary: true,
      });
      if (asset.status !== 201 || contact.status !== 201) throw new Error(`seed failed: ${JSON.stringify([asset.body, contact.body])}`);
      return { customerId: customer.body.id, assetId: asset.body.id };
    },
    async diagnosedTicket(assetId) {
      const at = new Date(clock.now().getTime() - 60_000).toISOString();
      const { ticket } = await autotickets.openOrAppend(
        parseFinding({
          assetId,
          ruleId: 'seal-temp-high',
          faultCode: SEAL,
          kind: 'threshold',
          severity: 'alarm',
          at,
          evidence: { metric: 'seal_temp', values: [{ ts: at, value: 79 }], window: { from: at, to: at }, threshold: 75 },
        }),
      );
      if (!ticket) throw new Error('no auto-ticket opened');
      return { id: ticket.id, number: ticket.number };
    },
    async close() {
      await app.close();
      subscriber.disconnect();
      redis.disconnect();
      await db.close();
    },
  };
}
