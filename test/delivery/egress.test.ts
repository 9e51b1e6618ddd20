/**
 * The SSRF guard (src/kernel/egress) against a real HTTP receiver on loopback: every numeric
 * spelling of an internal host is refused where the connection is made, names are judged by
 * what they resolve to at send time (DNS rebinding), EGRESS_ALLOW opens exactly what it names,
 * the senders (ticket webhooks, contact notifications, technician pushes, report webhooks) give
 * refused destinations up, and the API refuses internal URLs at registration.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnrecoverableError, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Egress, EgressRefusedError, type Resolver } from '../../src/kernel/egress/egress.js';
import { EgressPolicy } from '../../src/kernel/egress/egress-policy.js';
import { createLogger } from '../../src/kernel/logger.js';
import { WebhooksWorker } from '../../src/service/delivery/webhooks.worker.js';
import { WebhooksService } from '../../src/service/delivery/webhooks.service.js';
import type { WebhookJobData } from '../../src/service/delivery/webhooks.queue.js';
import { NotificationSender } from '../../src/service/notifications/notification-sender.js';
import { Notifier } from '../../src/service/notifications/notifier.js';
import type { OutboxRow } from '../../src/service/notifications/notifications.repository.js';
import { ReportDelivery } from '../../src/service/reports/report-delivery.js';
import { scenario, startNotificationsApi, type NotificationsApi } from '../notifications/notifications-fixture.js';
import { fieldsOf } from '../service/service-fixture.js';

interface Seen {
  host: string | undefined;
  url: string | undefined;
}

const seen: Seen[] = [];
const receiver = http.createServer((req, res) => {
  seen.push({ host: req.headers.host, url: req.url });
  req.resume();
  req.on('end', () => res.writeHead(200).end('ok'));
});
let port: number;
let api: NotificationsApi;
const strict = new Egress(new EgressPolicy());

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  port = (receiver.address() as AddressInfo).port;
  api = await startNotificationsApi();
});

afterAll(async () => {
  await strict.close();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await api?.close();
});

const post = (egress: Egress, url: string) => egress.post({ url, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 3000 });

async function refusal(egress: Egress, url: string): Promise<EgressRefusedError> {
  const error = await post(egress, url).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, url).toBeInstanceOf(EgressRefusedError);
  return error as EgressRefusedError;
}

describe('Egress', () => {
  it('refuses loopback in every spelling, link-local, private, CGNAT and unspecified hosts without connecting', async () => {
    const before = seen.length;
    for (const host of ['127.0.0.1', '2130706433', '127.1', '0x7f.1', '0177.0.0.1', '[::1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', 'localhost', '0.0.0.0']) {
      const error = await refusal(strict, `http://${host}:${port}/hook`);
      expect(error.message, host).toMatch(/loopback|unspecified/);
    }
    expect((await refusal(strict, 'http://169.254.169.254/latest/meta-data/')).reason).toMatch(/link-local/);
    expect((await refusal(strict, 'http://[fe80::1]/')).reason).toMatch(/link-local/);
    expect((await refusal(strict, 'http://10.1.2.3:8080/')).reason).toMatch(/private/);
    expect((await refusal(strict, 'http://192.168.1.1/')).reason).toMatch(/private/);
    expect((await refusal(strict, 'http://172.16.0.1/')).reason).toMatch(/private/);
    expect((await refusal(strict, 'http://[fd00::1]/')).reason).toMatch(/private/);
    expect((await refusal(strict, 'http://100.64.0.1/')).reason).toMatch(/carrier-grade NAT/);
    expect((await refusal(strict, 'http://224.0.0.1/')).reason).toMatch(/multicast/);
    expect((await refusal(strict, 'http://[64:ff9b::a9fe:a9fe]/')).reason).toMatch(/link-local/); // NAT64 of 169.254.169.254
    expect(seen.length).toBe(before);
  });

  it('EGRESS_ALLOW opens exactly the ranges, addresses and ports it names', async () => {
    const open = new Egress(EgressPolicy.fromAllowList(`127.0.0.1:${port}`));
    const wide = new Egress(EgressPolicy.fromAllowList('127.0.0.0/8'));
    try {
      expect(await post(open, `http://127.0.0.1:${port}/a`)).toEqual({ status: 200 });
      expect(await post(open, `http://2130706433:${port}/b`)).toEqual({ status: 200 }); // the same address
      await refusal(open, `http://127.0.0.1:${port + 1}/`); // another port
      await refusal(open, `http://[::1]:${port}/`); // another address
      expect(await post(wide, `http://127.0.0.1:${port}/c`)).toEqual({ status: 200 });
      await refusal(wide, 'http://10.0.0.1/');
    } finally {
      await Promise.all([open.close(), wide.close()]);
    }
    expect(seen.slice(-3).map((s) => s.url)).toEqual(['/a', '/b', '/c']);
  });

  it('judges a name by the address it resolves to at send time, and connects to that address (DNS rebinding)', async () => {
    const name = 'hooks.rebind.test';
    let answer = '93.184.215.14';
    const resolve: Resolver = async () => [{ address: answer }];
    // Registration sees only the name: it passes, and may have resolved to a public address then.
    expect(new EgressPolicy().checkUrl(`http://${name}:${port}/hook`)).toEqual({ allowed: true });
    answer = '127.0.0.1'; // ...and the name now points inside
    const rebound = new Egress(new EgressPolicy(), { resolve });
    const allowed = new Egress(EgressPolicy.fromAllowList('127.0.0.1'), { resolve });
    const mixed = new Egress(EgressPolicy.fromAllowList('127.0.0.1'), { resolve: async () => [{ address: '10.9.9.9' }, { address: '127.0.0.1' }] });
    try {
      expect((await refusal(rebound, `http://${name}:${port}/hook`)).message).toMatch(/resolves only to refused addresses \(a loopback address/);
      // The name exists only in this resolver: the request can arrive only by connecting to the checked address.
      expect(await post(allowed, `http://${name}:${port}/named`)).toEqual({ status: 200 });
      expect(seen.at(-1)).toEqual({ host: `${name}:${port}`, url: '/named' });
      // Of several addresses only a permitted one is connected to.
      expect(await post(mixed, `http://${name}:${port}/mixed`)).toEqual({ status: 200 });
      expect(seen.at(-1)!.url).toBe('/mixed');
    } finally {
      await Promise.all([rebound.close(), allowed.close(), mixed.close()]);
    }
  });
});

describe('senders', () => {
  it('a ticket webhook to a refused destination is given up at the first attempt, with the reason in the delivery log', async () => {
    const subscription = await new WebhooksService(api.db).create({ url: `http://127.0.0.1:${port}/ticket-hook`, events: [] });
    const worker = new WebhooksWorker({ db: api.db, redisUrl: 'redis://unused', prefix: 'unused', logger: createLogger('silent'), egress: strict });
    const deliveryId = randomUUID();
    const job = {
      data: { deliveryId, subscriptionId: subscription.id, event: { id: randomUUID(), type: 'ticket.created' } },
      attemptsMade: 0,
      opts: { attempts: 8 },
    };
    await expect(worker.process(job as unknown as Job<WebhookJobData>)).rejects.toBeInstanceOf(UnrecoverableError);
    const { rows } = await api.db.query<{ status: string; error: string }>('SELECT status, error FROM webhook_deliveries WHERE delivery_id = $1', [deliveryId]);
    expect(rows).toEqual([{ status: 'gave_up', error: `egress refused: 127.0.0.1:${port}: a loopback address, not named by EGRESS_ALLOW` }]);
    expect(seen.some((s) => s.url === '/ticket-hook')).toBe(false);
  });

  it('contact webhooks cannot scan internal ports: an open and a closed port fail alike, at once, without a connection', async () => {
    const world = await scenario(api);
    const closedPort = port === 65535 ? port - 1 : port + 1;
    const contacts: string[] = [];
    for (const target of [port, closedPort]) {
      const contact = await world.contact({ name: `Scanner ${target}` });
      // Registered while the operator allowed loopback (the fixture's EGRESS_ALLOW); the sender's policy does not.
      const put = await api.call('PUT', `/api/v1/contacts/${contact}/notification-preferences`, {
        channels: ['webhook'],
        webhookUrl: `http://127.0.0.1:${target}/scan`,
        webhookSecret: 'scan-secret-0123456789',
      });
      expect(put.status).toBe(200);
      contacts.push(contact);
    }
    await api.db.transaction((tx) => new Notifier().enqueue(tx, { event: 'ticket.received', ticketId: world.ticketId }));
    const sender = new NotificationSender({ db: api.db, logger: createLogger('silent'), smtpUrl: 'smtp://127.0.0.1:9' });
    try {
      await sender.runOnce();
    } finally {
      await sender.stop();
    }
    const { rows } = await api.db.query<OutboxRow>("SELECT * FROM notification_outbox WHERE ticket_id = $1 AND channel = 'webhook' ORDER BY address", [
      world.ticketId,
    ]);
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ['failed', 1],
      ['failed', 1],
    ]);
    const errors = rows.map((r) => r.last_error!.replace(/:\d+:/, ':<port>:'));
    expect(errors[0]).toBe('webhook: egress refused: 127.0.0.1:<port>: a loopback address, not named by EGRESS_ALLOW');
    expect(errors[1]).toBe(errors[0]);
    expect(seen.some((s) => s.url === '/scan')).toBe(false);
  });

  it('a technician push URL and a report webhook to an internal address are refused too', async () => {
    const world = await scenario(api);
    const visitId = await world.visit('2025-03-11T07:00:00.000Z', '2025-03-11T09:00:00.000Z');
    await api.db.query(
      `INSERT INTO technician_profiles (user_id, working_hours, timezone, push_url, created_at, updated_at) VALUES ($1, '{}', 'Europe/Berlin', $2, now(), now())`,
      [world.technicianId, `http://[::ffff:127.0.0.1]:${port}/push`],
    );
    await api.db.transaction((tx) =>
      new Notifier().enqueueForTechnician(tx, { event: 'assignment.created', technicianId: world.technicianId, ticketId: world.ticketId, visitId, data: {} }),
    );
    const sender = new NotificationSender({ db: api.db, logger: createLogger('silent'), smtpUrl: 'smtp://127.0.0.1:9' });
    try {
      await sender.runOnce();
    } finally {
      await sender.stop();
    }
    const { rows } = await api.db.query<OutboxRow>('SELECT * FROM notification_outbox WHERE technician_id = $1', [world.technicianId]);
    expect(rows[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(rows[0]!.last_error).toMatch(/^webhook: egress refused: \[::ffff:7f00:1\]:\d+: a loopback address/);

    const delivery = new ReportDelivery();
    try {
      await expect(
        delivery.postWebhook({ url: `http://127.1:${port}/report`, secret: 'report-secret-0123456789', body: '{}', deliveryId: 'r-1', attempt: 1 }),
      ).rejects.toBeInstanceOf(EgressRefusedError);
    } finally {
      await delivery.close();
    }
    expect(seen.some((s) => s.url === '/push' || s.url === '/report')).toBe(false);
  });
});

describe('registration', () => {
  const internal = [
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.7/hook',
    'http://[::ffff:169.254.169.254]/',
    'http://0.0.0.0:8080/',
    'http://100.64.1.1/',
    'http://[fd12::1]/',
    'http://3232235777/',
  ];

  it('refuses internal destinations with a 400 naming the field (webhooks, contact and technician push URLs, report schedules)', async () => {
    const world = await scenario(api);
    const contact = await world.contact({ name: 'Internal Bot' });
    for (const url of internal) {
      const hook = await api.call('POST', '/api/v1/webhooks', { url });
      expect(hook.status, url).toBe(400);
      expect(hook.body.code).toBe('VALIDATION_FAILED');
      expect(fieldsOf(hook.body)).toEqual(['body.url']);
      expect(hook.body.detail).toMatch(/egress policy/);
      const prefs = await api.call('PUT', `/api/v1/contacts/${contact}/notification-preferences`, {
        channels: ['webhook'],
        webhookUrl: url,
        webhookSecret: 'scan-secret-0123456789',
      });
      expect(fieldsOf(prefs.body), url).toEqual(['body.webhookUrl']);
      const push = await api.call('PUT', `/api/v1/technicians/${world.technicianId}`, { pushUrl: url });
      expect(fieldsOf(push.body), url).toEqual(['body.pushUrl']);
      const schedule = await api.call('POST', '/api/v1/reports/schedules', {
        name: 'x',
        report: 'mttr',
        cadence: { kind: 'every_hours', hours: 24 },
        emailTo: [],
        webhookUrl: url,
      });
      expect(fieldsOf(schedule.body), url).toEqual(['body.webhookUrl']);
    }
    // The fixture's EGRESS_ALLOW names loopback: allowed there, as an operator may.
    expect((await api.call('POST', '/api/v1/webhooks', { url: `http://127.0.0.1:${port}/ok` })).status).toBe(201);
  });
});
