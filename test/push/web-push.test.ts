/**
 * Web Push end to end against a local push service: a browser's subscription (a real P-256 key
 * pair made here), the VAPID public key, assignment / customer note / reschedule reaching the
 * technician through the notification outbox, the aes128gcm body decrypted with the browser's
 * private key, and a 410 from the push service removing the subscription.
 */
import { createECDH, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../src/app/http-app.js';
import { buildModules, closeModules, type Modules } from '../../src/app/modules.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/kernel/config.js';
import { createLogger } from '../../src/kernel/logger.js';
import { settableClock } from '../../src/kernel/clock.js';
import { SecretBox } from '../../src/kernel/secrets/secret-box.js';
import type { BackgroundTask } from '../../src/kernel/jobs/background-task.js';
import { Notifier } from '../../src/service/notifications/notifier.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { DevicesService } from '../../src/telemetry/devices/devices.service.js';
import { issueToken } from '../../src/access/auth/tokens.js';
import type { Database } from '../../src/kernel/db/database.js';
import type { FastifyInstance } from 'fastify';
import { openTestDatabase } from '../harness/database.js';
import { TEST_EGRESS_ALLOW, testEgress } from '../harness/egress.js';
import { waitFor } from '../harness/servers.js';
import { inlineModel } from '../api/api-fixture.js';

const ece = createRequire(import.meta.url)('http_ece') as {
  decrypt(buffer: Buffer, params: { version: string; privateKey: ReturnType<typeof createECDH>; authSecret: Buffer }): Buffer;
};
const ADMIN = 'push-admin-token-0123456789';

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let db: Database;
let app: Awaited<ReturnType<typeof buildApp>>;
let modules: Modules;
let sender: BackgroundTask;
let receiver: Server;
let pushUrl: string;
const received: Received[] = [];
const answers: number[] = [];
const egress = testEgress();

async function call(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown, auth = `Bearer ${ADMIN}`) {
  const response = await app.inject({ method, url, headers: { authorization: auth }, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: response.statusCode, body: response.body ? response.json() : undefined };
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.statusCode = answers.shift() ?? 201;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  pushUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  db = await openTestDatabase();
  const models = ModelRegistry.of([inlineModel('chiller-x')]);
  await models.sync(db);
  const ctx: AppContext = {
    config: loadConfig(
      {},
      {
        TELEMEND_ADMIN_TOKEN: ADMIN,
        HTTP_RATE_LIMIT_MAX: '100000',
        EGRESS_ALLOW: TEST_EGRESS_ALLOW,
        WEB_PUSH_SUBJECT: 'mailto:ops@example.com',
        SMTP_URL: 'smtp://127.0.0.1:9',
      },
    ),
    logger: createLogger('silent'),
    db,
    models,
    devices: new DevicesService(db),
    redis: undefined as never,
    telemetry: undefined as never,
    rejections: undefined as never,
    clock: settableClock('2025-03-10T07:00:00.000Z'),
    notifier: new Notifier(),
    secrets: SecretBox.ephemeral(),
    egress,
  };
  modules = buildModules(ctx);
  app = await buildApp(ctx, { modules });
  await app.ready();
  // The worker role's outbox sender, as the platform wires it.
  sender = modules.features.find((f) => f.name === 'notifications')!.tasks![0]!;
  await sender.start();
});

afterAll(async () => {
  await sender?.stop();
  await app?.close();
  if (modules) await closeModules(modules);
  await egress.close();
  await db?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

async function technician(language?: string) {
  const { rows } = await db.query<{ id: string }>("INSERT INTO users (email, name, role) VALUES ($1, 'Tess Tech', 'technician') RETURNING id", [
    `tech-${randomBytes(4).toString('hex')}@example.test`,
  ]);
  const id = rows[0]!.id;
  // Profiles carry no language column yet; the notifier (and the push) read one when a deployment adds it.
  if (language) await db.query('ALTER TABLE technician_profiles ADD COLUMN IF NOT EXISTS language text');
  const auth = `Bearer ${issueToken(app as unknown as FastifyInstance, id).token}`;
  await call('PUT', `/api/v1/technicians/${id}`, { timezone: 'Europe/Berlin' }, auth);
  if (language) await db.query('UPDATE technician_profiles SET language = $2 WHERE user_id = $1', [id, language]);
  return { id, auth };
}

/** A browser: its P-256 key pair and auth secret, as PushManager.subscribe makes them. */
function browser() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return { ecdh, auth, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } };
}

function decrypt(message: Received, b: ReturnType<typeof browser>) {
  return JSON.parse(ece.decrypt(message.body, { version: 'aes128gcm', privateKey: b.ecdh, authSecret: b.auth }).toString('utf8'));
}

async function nextPush(path: string, count: number): Promise<Received> {
  await waitFor(async () => received.filter((r) => r.url === path).length >= count, `push #${count} at ${path}`);
  return received.filter((r) => r.url === path)[count - 1]!;
}

describe('Web Push', () => {
  test('subscribe, get assigned, read the decrypted message; a customer note; a 410 removes the subscription', async () => {
    const tech = await technician();
    const key = await call('GET', '/api/v1/push/vapid-public-key', undefined, tech.auth);
    expect(key.status).toBe(200);
    expect(Buffer.from(key.body.publicKey, 'base64url')).toHaveLength(65);
    expect((await call('GET', '/api/v1/push/vapid-public-key')).body.publicKey).toBe(key.body.publicKey);
    const stored = await db.query<{ private_key: string }>('SELECT private_key FROM web_push_keys');
    expect(SecretBox.isSealed(stored.rows[0]!.private_key)).toBe(true);

    const phone = browser();
    const endpoint = `${pushUrl}/push/phone-1`;
    const subscribed = await call('POST', '/api/v1/me/push-subscriptions', { endpoint, keys: phone.keys, deviceLabel: 'Pixel' }, tech.auth);
    expect(subscribed.status, JSON.stringify(subscribed.body)).toBe(201);
    const again = await call('POST', '/api/v1/me/push-subscriptions', { endpoint, keys: phone.keys }, tech.auth);
    expect(again).toMatchObject({ status: 200, body: { id: subscribed.body.id, deviceLabel: 'Pixel' } });
    expect((await call('GET', '/api/v1/me/push-subscriptions', undefined, tech.auth)).body.items).toHaveLength(1);
    // Outside the egress allow-list (cloud metadata), and API keys / the admin token own no subscriptions.
    expect((await call('POST', '/api/v1/me/push-subscriptions', { endpoint: 'http://169.254.169.254/latest', keys: phone.keys }, tech.auth)).status).toBe(400);
    const admin = await call('POST', '/api/v1/me/push-subscriptions', { endpoint, keys: phone.keys });
    expect(admin.status, JSON.stringify(admin.body)).toBe(403);

    // Assignment: a planned visit.
    const customer = await call('POST', '/api/v1/customers', { name: 'Brauerei Huber' });
    const site = await call('POST', '/api/v1/sites', { customerId: customer.body.id, name: 'Sudhaus' });
    const ticket = await call('POST', '/api/v1/tickets', {
      channel: 'phone',
      type: 'breakdown',
      title: 'Chiller trips',
      customerId: customer.body.id,
      siteId: site.body.id,
    });
    await call('POST', `/api/v1/tickets/${ticket.body.id}/assignment`, { technicianId: tech.id });
    const visit = await call('POST', `/api/v1/tickets/${ticket.body.id}/visits`, {
      technicianId: tech.id,
      plannedStart: '2025-03-10T09:00:00Z',
      plannedEnd: '2025-03-10T10:00:00Z',
    });
    expect(visit.status).toBe(201);
    const assigned = await nextPush('/push/phone-1', 1);
    expect(assigned.headers['content-encoding']).toBe('aes128gcm');
    expect(assigned.headers.authorization).toMatch(new RegExp(`^vapid t=[\\w-]+\\.[\\w-]+\\.[\\w-]+, k=${key.body.publicKey}$`));
    expect(assigned.headers.ttl).toBe('86400');
    expect(decrypt(assigned, phone)).toEqual({
      title: `New job ${ticket.body.number}: Chiller trips`,
      body: 'Sudhaus · Mar 10, 2025, 10:00 AM',
      url: `/app#/visits/${visit.body.id}`,
      tag: `visit-${visit.body.id}`,
    });

    // A customer's words on the ticket.
    const note = await call('POST', '/api/v1/activities', { kind: 'call', direction: 'inbound', subject: 'Gate code is 4711', ticketId: ticket.body.id });
    expect(note.status, JSON.stringify(note.body)).toBe(201);
    expect(decrypt(await nextPush('/push/phone-1', 2), phone)).toMatchObject({
      title: `Customer note on ${ticket.body.number} Chiller trips`,
      body: 'Gate code is 4711',
    });

    // The browser dropped the subscription: the push service answers 410 and we forget it.
    answers.push(410);
    expect((await call('PATCH', `/api/v1/visits/${visit.body.id}`, { plannedStart: '2025-03-10T11:00:00Z', plannedEnd: '2025-03-10T12:00:00Z' })).status).toBe(
      200,
    );
    const moved = await nextPush('/push/phone-1', 3);
    expect(decrypt(moved, phone).title).toBe(`Job moved: ${ticket.body.number} Chiller trips`);
    await waitFor(async () => (await call('GET', '/api/v1/me/push-subscriptions', undefined, tech.auth)).body.items.length === 0, 'subscription removed');
    const { rows } = await db.query<{ status: string }>("SELECT status FROM notification_outbox WHERE channel = 'webpush' AND event = 'assignment.changed'");
    expect(rows.map((r) => r.status)).toEqual(['failed']);
  });

  test('in German for a German-speaking technician; a subscription is removed by its owner only', async () => {
    const tech = await technician('de');
    const phone = browser();
    const sub = await call('POST', '/api/v1/me/push-subscriptions', { endpoint: `${pushUrl}/push/phone-de`, keys: phone.keys }, tech.auth);
    const customer = await call('POST', '/api/v1/customers', { name: 'Molkerei' });
    const ticket = await call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'Kühlung fällt aus', customerId: customer.body.id });
    await call('POST', `/api/v1/tickets/${ticket.body.id}/assignment`, { technicianId: tech.id });
    const visit = await call('POST', `/api/v1/tickets/${ticket.body.id}/visits`, {
      technicianId: tech.id,
      plannedStart: '2025-03-11T09:00:00Z',
      plannedEnd: '2025-03-11T10:00:00Z',
    });
    expect((await call('PATCH', `/api/v1/visits/${visit.body.id}`, { status: 'cancelled' })).status).toBe(200);
    // Both queued at once: the outbox sends in parallel, the tag lets the phone keep the latest.
    await nextPush('/push/phone-de', 2);
    const titles = received.filter((r) => r.url === '/push/phone-de').map((r) => decrypt(r, phone).title);
    expect(titles.sort()).toEqual([`Auftrag storniert: ${ticket.body.number} Kühlung fällt aus`, `Neuer Auftrag ${ticket.body.number}: Kühlung fällt aus`]);

    const other = await technician();
    expect((await call('DELETE', `/api/v1/me/push-subscriptions/${sub.body.id}`, undefined, other.auth)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/me/push-subscriptions/${sub.body.id}`, undefined, tech.auth)).status).toBe(204);
    expect((await call('GET', '/api/v1/me/push-subscriptions', undefined, tech.auth)).body.items).toEqual([]);
  });
});
