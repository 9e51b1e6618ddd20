/**
 * A listening API (PGlite + the shared test Redis, own prefix) with ticket events wired to the
 * SSE stream and the webhook queue, a webhook worker with a short backoff, an SSE client and a
 * local receiver (node:http) whose answers a test scripts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { buildApp, type ZodApp } from '../../src/app/http-app.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/kernel/config.js';
import { createLogger } from '../../src/kernel/logger.js';
import type { Database } from '../../src/kernel/db/database.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { DevicesService } from '../../src/telemetry/devices/devices.service.js';
import { issueToken } from '../../src/access/auth/tokens.js';
import type { Role } from '../../src/kernel/http/http.types.js';
import { TicketEvents, type TicketEvent } from '../../src/service/delivery/ticket-events.js';
import { WebhookQueue } from '../../src/service/delivery/webhooks.queue.js';
import { WebhooksWorker } from '../../src/service/delivery/webhooks.worker.js';
import type { NotifierPort } from '../../src/service/notifications/notification.port.js';
import type { Clock } from '../../src/kernel/clock.js';
import { openTestDatabase } from '../harness/database.js';
import { TEST_EGRESS_ALLOW, testEgress } from '../harness/egress.js';

export const ADMIN = 'delivery-admin-token-0123456789';

export interface DeliveryWorld {
  app: ZodApp;
  db: Database;
  base: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are checked field by field
  call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  token(role: Role): Promise<string>;
  /** The app's ticket events port (stream + webhook queue). */
  events: TicketEvents;
  close(): Promise<void>;
}

/** `notifier`: customer and technician notifications written to the outbox (none by default). */
export async function startDeliveryWorld(options: { notifier?: NotifierPort; clock?: Clock } = {}): Promise<DeliveryWorld> {
  const db = await openTestDatabase();
  const prefix = `dlv${randomBytes(4).toString('hex')}`;
  const logger = createLogger('silent');
  const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 3 });
  const queue = new WebhookQueue({ db, connection: redis, prefix, backoffMs: 30 });
  const egress = testEgress();
  const worker = new WebhooksWorker({ db, redisUrl: inject('redisUrl'), prefix, logger, timeoutMs: 2000, egress });
  await worker.start();
  const events = new TicketEvents({ redis, prefix, sinks: [queue], logger });
  const ctx: AppContext = {
    config: loadConfig({}, { TELEMEND_ADMIN_TOKEN: ADMIN, HTTP_RATE_LIMIT_MAX: '100000', REDIS_PREFIX: prefix, EGRESS_ALLOW: TEST_EGRESS_ALLOW }),
    logger,
    db,
    redis,
    models: ModelRegistry.of([]),
    devices: new DevicesService(db),
    telemetry: undefined as never,
    rejections: undefined as never,
    ticketEvents: events,
    ...(options.notifier ? { notifier: options.notifier } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const app = await buildApp(ctx);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    db,
    base,
    events,
    async call(method, url, body, token = ADMIN) {
      const response = await fetch(`${base}${url}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
    },
    async token(role) {
      const { rows } = await db.query<{ id: string }>('INSERT INTO users (email, name, role) VALUES ($1, $2, $3) RETURNING id', [
        `${role}-${randomUUID().slice(0, 8)}@example.test`,
        `A ${role}`,
        role,
      ]);
      return issueToken(app as unknown as FastifyInstance, rows[0]!.id).token;
    },
    async close() {
      await app.close();
      await worker.stop();
      await egress.close();
      await queue.close();
      await redis.quit();
      await db.close();
    },
  };
}

export interface SseClient {
  status: number;
  contentType: string;
  events: Array<{ id: string; event: string; data: TicketEvent }>;
  close(): void;
}

/** Opens the stream (default the ticket stream); resolves after the first bytes (the server subscribed by then). */
export function openStream(base: string, token: string, path = '/api/v1/stream/tickets'): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (response) => {
      const client: SseClient = {
        status: response.statusCode ?? 0,
        contentType: String(response.headers['content-type'] ?? ''),
        events: [],
        close: () => request.destroy(),
      };
      if (client.status !== 200) {
        response.resume();
        resolve(client);
        return;
      }
      let buffer = '';
      response.setEncoding('utf8');
      response.once('data', () => resolve(client));
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            block
              .split('\n')
              .filter((l) => l && !l.startsWith(':'))
              .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
          );
          if (fields.data) client.events.push({ id: fields.id ?? '', event: fields.event ?? '', data: JSON.parse(fields.data) as TicketEvent });
        }
      });
      response.on('error', () => undefined);
    });
    request.on('error', (error) => reject(error));
  });
}

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local webhook receiver answering the scripted statuses in order, then 200. */
export async function startReceiver(statuses: number[] = []): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}
