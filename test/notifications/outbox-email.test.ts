/**
 * The outbox end to end over a real SMTP server: language, preferences, dedupe, rollback, SMTP
 * outage and recovery, concurrent senders, lease expiry, giving up and the admin retry.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/kernel/logger.js';
import { Notifier } from '../../src/service/notifications/notifier.js';
import { NotificationSender, type NotificationSenderOptions } from '../../src/service/notifications/notification-sender.js';
import { NotificationsRepository, type OutboxRow } from '../../src/service/notifications/notifications.repository.js';
import { waitFor } from '../harness/servers.js';
import { TestSmtp, scenario, startNotificationsApi, type NotificationsApi } from './notifications-fixture.js';

let api: NotificationsApi;
let smtp: TestSmtp;
const notifier = new Notifier();
const repo = new NotificationsRepository();
const senders: NotificationSender[] = [];

function sender(options: Partial<NotificationSenderOptions> = {}): NotificationSender {
  const created = new NotificationSender({
    db: api.db,
    logger: createLogger('silent'),
    smtpUrl: smtp.url,
    from: 'Telemend Service <service@telemend.test>',
    backoffBaseMs: 20,
    backoffMaxMs: 100,
    pollIntervalMs: 20,
    timeoutMs: 2000,
    ...options,
  });
  senders.push(created);
  return created;
}

async function rowsOf(ticketId: string): Promise<OutboxRow[]> {
  return (await api.db.query<OutboxRow>('SELECT * FROM notification_outbox WHERE ticket_id = $1 ORDER BY created_at, id', [ticketId])).rows;
}

async function row(id: string): Promise<OutboxRow> {
  return (await repo.find(api.db, id))!;
}

beforeAll(async () => {
  api = await startNotificationsApi();
  smtp = await TestSmtp.create();
  await smtp.start();
});

afterAll(async () => {
  for (const s of senders) await s.stop();
  await smtp?.stop();
  await api?.close();
});

describe('notification outbox over SMTP', () => {
  it("delivers ticket.received to the primary contact, in the contact's language, with a stable Message-ID", async () => {
    const world = await scenario(api);
    await world.contact({ name: 'Anna Kunde', email: 'anna@kunde.test', language: 'de-DE', isPrimary: true });
    await world.contact({ name: 'Bob Other', email: 'bob@kunde.test', language: 'en' }); // no preferences, not primary → nothing
    const queued = await api.db.transaction((tx) => notifier.enqueue(tx, { event: 'ticket.received', ticketId: world.ticketId }));
    expect(queued).toBe(1);

    expect(await sender().runOnce()).toEqual(['sent']);
    const [stored] = await rowsOf(world.ticketId);
    expect(stored).toMatchObject({ status: 'sent', attempts: 1, channel: 'email', address: 'anna@kunde.test', language: 'de' });
    expect(stored!.sent_at).toBeInstanceOf(Date);

    const mails = smtp.withId(stored!.id);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.to).toEqual(['anna@kunde.test']);
    expect(mail.subject).toBe(`Ihre Serviceanfrage ${world.ticketNumber} ist eingegangen`);
    expect(mail.text).toContain('Guten Tag Anna Kunde,');
    expect(mail.text).toContain(`${world.ticketNumber} „Chiller too warm“`);
    expect(mail.html).toContain('<p>Guten Tag Anna Kunde,</p>');
    expect(mail.headers['message-id']).toBe(`<${stored!.id}@telemend.test>`);
    expect(mail.headers.from).toContain('service@telemend.test');
  });

  it('follows preferences: subscribed events, English fallback, the time zone of the contact, e-mail opt-out', async () => {
    const world = await scenario(api);
    await world.contact({ name: 'Primary Optout', email: 'optout@kunde.test', isPrimary: true, optOuts: ['email'] });
    const claire = await world.contact({ name: 'Claire Client', email: 'claire@kunde.test', language: 'fr' });
    const put = await api.call('PUT', `/api/v1/contacts/${claire}/notification-preferences`, { events: ['visit.scheduled'], timeZone: 'Europe/Berlin' });
    expect(put.status).toBe(200);
    const visitId = await world.visit('2025-03-10T09:00:00.000Z', '2025-03-10T11:00:00.000Z');

    expect(await api.db.transaction((tx) => notifier.enqueue(tx, { event: 'ticket.received', ticketId: world.ticketId }))).toBe(0);
    expect(await api.db.transaction((tx) => notifier.enqueue(tx, { event: 'visit.scheduled', ticketId: world.ticketId, visitId }))).toBe(1);

    expect(await sender().runOnce()).toEqual(['sent']);
    const [stored] = await rowsOf(world.ticketId);
    const [mail] = smtp.withId(stored!.id);
    expect(mail!.to).toEqual(['claire@kunde.test']);
    expect(mail!.subject).toBe(`Service visit scheduled for ${world.ticketNumber}`);
    // 09:00Z and 11:00Z are 10:00 and 12:00 in Berlin (CET) on 10 March 2025; the technician is named.
    expect(mail!.text).toMatch(/Tina Tech will visit .* between .*10:00.* and .*12:00/);
    expect(stored!.data).toMatchObject({ windowStart: '2025-03-10T09:00:00.000Z', windowEnd: '2025-03-10T11:00:00.000Z', technicianName: 'Tina Tech' });
  });

  it('queues the same event once, and nothing when the transaction rolls back', async () => {
    const world = await scenario(api);
    await world.contact({ name: 'Dora', email: 'dora@kunde.test', isPrimary: true });
    const request = { event: 'ticket.received', ticketId: world.ticketId } as const;
    await expect(
      api.db.transaction(async (tx) => {
        expect(await notifier.enqueue(tx, request)).toBe(1);
        throw new Error('the business change failed');
      }),
    ).rejects.toThrow('the business change failed');
    expect(await rowsOf(world.ticketId)).toHaveLength(0);

    expect(await api.db.transaction((tx) => notifier.enqueue(tx, request))).toBe(1);
    expect(await api.db.transaction((tx) => notifier.enqueue(tx, request))).toBe(0);
    expect(await rowsOf(world.ticketId)).toHaveLength(1);
    await sender().runOnce();
  });

  it('keeps messages pending while SMTP is down, counting attempts, and delivers each once when it is back', async () => {
    const world = await scenario(api);
    await world.contact({ name: 'Emil', email: 'emil@kunde.test', language: 'de', isPrimary: true });
    await api.db.transaction((tx) => notifier.enqueue(tx, { event: 'ticket.received', ticketId: world.ticketId }));
    const [queued] = await rowsOf(world.ticketId);
    const worker = sender({ maxAttempts: 100 });
    await smtp.stop();
    try {
      expect(await worker.runOnce()).toEqual(['retry']);
      expect(await row(queued!.id)).toMatchObject({ status: 'pending', attempts: 1 });
      expect((await row(queued!.id)).last_error).toMatch(/SMTP/);
      await waitFor(async () => (await worker.runOnce()).includes('retry') && (await row(queued!.id)).attempts >= 2, 'a second attempt');
      await worker.start();
      await waitFor(async () => (await row(queued!.id)).attempts >= 3, 'the running sender retrying');
      expect(smtp.withId(queued!.id)).toHaveLength(0);
    } finally {
      await smtp.start();
    }
    await waitFor(async () => (await row(queued!.id)).status === 'sent', 'delivery after SMTP is back');
    await worker.stop();
    expect(smtp.withId(queued!.id)).toHaveLength(1);
    expect((await row(queued!.id)).last_error).toBeNull();
  });

  it('two senders running at once send every message exactly once', async () => {
    const world = await scenario(api);
    await world.contact({ name: 'Fritz', email: 'fritz@kunde.test', isPrimary: true });
    await api.db.transaction(async (tx) => {
      for (let i = 0; i < 12; i++) await notifier.enqueue(tx, { event: 'ticket.received', ticketId: world.ticketId, dedupeKey: `bulk:${world.ticketId}:${i}` });
    });
    const ids = (await rowsOf(world.ticketId)).map((r) => r.id);
    expect(ids).toHaveLength(12);
    const a = sender({ batchSize: 3, concurrency: 2, pollIntervalMs: 5 });
    const b = sender({ batchSize: 3, concurrency: 2, pollIntervalMs: 5 });
    await Promise.all([a.start(), b.start()]);
    await waitFor(async () => (await rowsOf(world.ticketId)).every((r) => r.status === 'sent'), 'all 12 sent');
    await Promise.all([a.stop(), b.stop()]);
    for (const id of ids) expect(smtp.withId(id), id).toHaveLength(1);
    expect((await rowsOf(world.ticketId)).every((r) => r.attempts === 1)).toBe(true);
  });

  it("retries a crashed sender's message once its lease expired", async () => {
    const world = await scenario(api);
    await world.contact({ name: 'Gina', email: 'gina@kunde.test', isPrimary: true });
    await api.db.transaction((tx) => notifier.enqueue(tx, { event: 'ticket.received', ticketId: world.ticketId }));
    // A sender claims the row and dies before sending (its lease: 300 ms).
    const now = new Date();
    const [claimed] = await repo.claim(api.db, { now, leaseUntil: new Date(now.getTime() + 300), token: randomUUID(), limit: 100 });
    expect(claimed!.ticket_id).toBe(world.ticketId);
    const survivor = sender();
    expect(await survivor.runOnce()).toEqual([]); // still leased
    await waitFor(async () => (await survivor.runOnce()).includes('sent'), 'the expired lease taken over');
    expect(await row(claimed!.id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(smtp.withId(claimed!.id)).toHaveLength(1);
  });

  it('gives up after maxAttempts; an admin re-queues it and it is delivered', async () => {
    const world = await scenario(api);
    await world.contact({ name: 'Hugo', email: 'hugo@kunde.test', isPrimary: true });
    await api.db.transaction((tx) => notifier.enqueue(tx, { event: 'ticket.received', ticketId: world.ticketId }));
    const [queued] = await rowsOf(world.ticketId);
    const worker = sender({ maxAttempts: 2, backoffBaseMs: 1, backoffMaxMs: 1 });
    await smtp.stop();
    try {
      expect(await worker.runOnce()).toEqual(['retry']);
      await waitFor(async () => (await worker.runOnce()).includes('gave_up'), 'giving up');
    } finally {
      await smtp.start();
    }
    expect(await row(queued!.id)).toMatchObject({ status: 'gave_up', attempts: 2 });
    expect(await worker.runOnce()).toEqual([]); // not retried by itself

    const dispatcher = await api.user('dispatcher');
    expect((await api.call('POST', `/api/v1/notifications/${queued!.id}/retry`, undefined, dispatcher.auth)).status).toBe(403);
    const retried = await api.call('POST', `/api/v1/notifications/${queued!.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: queued!.id, status: 'pending', attempts: 0 });
    expect(await worker.runOnce()).toEqual(['sent']);
    expect(smtp.withId(queued!.id)).toHaveLength(1);
    const again = await api.call('POST', `/api/v1/notifications/${queued!.id}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CONFLICT');
  });
});
