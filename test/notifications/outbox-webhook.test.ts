/**
 * Webhook channel against a local HTTP receiver (retry after 500, signature, permanent 4xx) and
 * technician assignment notifications (push webhook from technician_profiles.push_url, or e-mail).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/kernel/logger.js';
import { verifySignature } from '../../src/service/delivery/webhook-signature.js';
import { Notifier } from '../../src/service/notifications/notifier.js';
import { NotificationSender } from '../../src/service/notifications/notification-sender.js';
import type { OutboxRow } from '../../src/service/notifications/notifications.repository.js';
import { waitFor } from '../harness/servers.js';
import { testEgress } from '../harness/egress.js';
import { TestReceiver, scenario, startNotificationsApi, type NotificationsApi } from './notifications-fixture.js';

const SECRET = 'contact-hook-secret-0123456789';
const PUSH_SECRET = 'push-secret-0123456789abcdef';

let api: NotificationsApi;
let receiver: TestReceiver;
let hookUrl: string;
let sender: NotificationSender;
const notifier = new Notifier({ defaultTimeZone: 'Europe/Berlin' });

async function rowsOf(ticketId: string): Promise<OutboxRow[]> {
  return (await api.db.query<OutboxRow>('SELECT * FROM notification_outbox WHERE ticket_id = $1 ORDER BY created_at, id', [ticketId])).rows;
}

beforeAll(async () => {
  api = await startNotificationsApi();
  receiver = new TestReceiver();
  hookUrl = await receiver.start();
  sender = new NotificationSender({
    db: api.db,
    logger: createLogger('silent'),
    smtpUrl: 'smtp://127.0.0.1:9', // nothing listens: e-mail rows stay pending in this file
    pushSecret: PUSH_SECRET,
    egress: testEgress(),
    backoffBaseMs: 20,
    backoffMaxMs: 50,
    pollIntervalMs: 20,
    timeoutMs: 2000,
  });
});

afterAll(async () => {
  await sender?.stop();
  await receiver?.stop();
  await api?.close();
});

describe('webhook notifications', () => {
  it('retries after a 500, delivers once, and the signature verifies over the exact body', async () => {
    const world = await scenario(api);
    const contact = await world.contact({ name: 'Integration Bot', language: 'de' });
    const put = await api.call('PUT', `/api/v1/contacts/${contact}/notification-preferences`, {
      channels: ['webhook'],
      webhookUrl: hookUrl,
      webhookSecret: SECRET,
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ explicit: true, channels: ['webhook'], webhookSecretSet: true });
    expect(JSON.stringify(put.body)).not.toContain(SECRET);

    const visitId = await world.visit('2025-03-10T09:00:00.000Z', '2025-03-10T11:00:00.000Z');
    const queued = await api.db.transaction((tx) =>
      notifier.enqueue(tx, { event: 'visit.delayed', ticketId: world.ticketId, visitId, data: { eta: '2025-03-10T09:25:00.000Z', delayMinutes: 25 } }),
    );
    expect(queued).toBe(1);
    const [stored] = await rowsOf(world.ticketId);

    receiver.answers.push(500);
    await sender.start();
    await waitFor(async () => (await rowsOf(world.ticketId))[0]!.status === 'sent', 'webhook delivered');
    const mine = receiver.requests.filter((r) => r.headers['x-telemend-notification-id'] === stored!.id);
    expect(mine.map((r) => r.status)).toEqual([500, 200]);
    expect(mine.map((r) => r.headers['x-telemend-attempt'])).toEqual(['1', '2']);
    expect(mine[1]!.body).toBe(mine[0]!.body);
    for (const request of mine) expect(verifySignature(SECRET, request.body, request.headers['x-telemend-signature'] as string)).toBe(true);
    expect(verifySignature('another-secret-0123456789', mine[1]!.body, mine[1]!.headers['x-telemend-signature'] as string)).toBe(false);

    const body = JSON.parse(mine[1]!.body);
    expect(body).toMatchObject({ id: stored!.id, event: 'visit.delayed', ticketId: world.ticketId, visitId, language: 'de' });
    expect(body.data).toMatchObject({ eta: '2025-03-10T09:25:00.000Z', delayMinutes: 25, ticketNumber: world.ticketNumber });
    expect(body.subject).toBe(`Ihr Servicetermin verzögert sich (${world.ticketNumber})`);
    expect(body.text).toContain('um etwa 25 Minuten');
    expect(body.text).toContain('10:25'); // the ETA in Berlin time
    expect((await rowsOf(world.ticketId))[0]).toMatchObject({ status: 'sent', attempts: 2 });

    // A second, later delay is news: a new row. The same delay again is not.
    const again = (eta: string) =>
      api.db.transaction((tx) => notifier.enqueue(tx, { event: 'visit.delayed', ticketId: world.ticketId, visitId, data: { eta, delayMinutes: 40 } }));
    expect(await again('2025-03-10T09:25:00.000Z')).toBe(0);
    expect(await again('2025-03-10T09:40:00.000Z')).toBe(1);
    await waitFor(async () => (await rowsOf(world.ticketId)).every((r) => r.status === 'sent'), 'second delay delivered');
  });

  it('does not retry a permanent refusal (HTTP 410): the message is failed after one attempt', async () => {
    const world = await scenario(api);
    const contact = await world.contact({ name: 'Gone Bot' });
    await api.call('PUT', `/api/v1/contacts/${contact}/notification-preferences`, { channels: ['webhook'], webhookUrl: hookUrl, webhookSecret: SECRET });
    receiver.answers.push(410);
    await api.db.transaction((tx) => notifier.enqueue(tx, { event: 'ticket.received', ticketId: world.ticketId }));
    await waitFor(async () => (await rowsOf(world.ticketId))[0]!.status === 'failed', 'failed');
    expect((await rowsOf(world.ticketId))[0]).toMatchObject({ attempts: 1, last_error: 'webhook: HTTP 410' });
  });
});

describe('technician assignment notifications', () => {
  it("pushes assignment.created to the technician's push URL, signed, once per assignment and window", async () => {
    const world = await scenario(api);
    const visitId = await world.visit('2025-03-11T07:00:00.000Z', '2025-03-11T09:00:00.000Z');
    // The profile (dispatch's table) after the visit, so its working-hours rules do not apply here.
    await api.db.query(
      `INSERT INTO technician_profiles (user_id, working_hours, timezone, push_url, created_at, updated_at) VALUES ($1, '{}', 'Europe/Berlin', $2, now(), now())`,
      [world.technicianId, hookUrl],
    );
    const assign = (event: 'assignment.created' | 'assignment.changed', start: string) =>
      api.db.transaction((tx) =>
        notifier.enqueueForTechnician(tx, { event, technicianId: world.technicianId, ticketId: world.ticketId, visitId, data: { start } }),
      );
    expect(await assign('assignment.created', '2025-03-11T07:00:00.000Z')).toBe(1);
    expect(await assign('assignment.created', '2025-03-11T07:00:00.000Z')).toBe(0);

    await waitFor(async () => (await rowsOf(world.ticketId))[0]!.status === 'sent', 'push delivered');
    const [stored] = await rowsOf(world.ticketId);
    expect(stored).toMatchObject({ channel: 'webhook', address: hookUrl, recipient: `technician:${world.technicianId}`, contact_id: null });
    const [push] = receiver.requests.filter((r) => r.headers['x-telemend-notification-id'] === stored!.id);
    expect(verifySignature(PUSH_SECRET, push!.body, push!.headers['x-telemend-signature'] as string)).toBe(true);
    const body = JSON.parse(push!.body);
    expect(body.event).toBe('assignment.created');
    expect(body.subject).toBe(`New assignment: ${world.ticketNumber} Chiller too warm`);
    expect(body.text).toContain('Hello Tina Tech');
    expect(body.text).toMatch(/08:00.* to .*10:00/); // the technician's own zone (Berlin)

    expect(await assign('assignment.changed', '2025-03-11T12:00:00.000Z')).toBe(1);
  });

  it('e-mails a technician without a push URL, and nobody when the user is inactive', async () => {
    const world = await scenario(api);
    const visitId = await world.visit('2025-03-12T07:00:00.000Z', '2025-03-12T09:00:00.000Z');
    const request = { event: 'assignment.cancelled', technicianId: world.technicianId, ticketId: world.ticketId, visitId } as const;
    expect(await api.db.transaction((tx) => notifier.enqueueForTechnician(tx, request))).toBe(1);
    const [stored] = await rowsOf(world.ticketId);
    const { rows } = await api.db.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [world.technicianId]);
    expect(stored).toMatchObject({ channel: 'email', address: rows[0]!.email, language: 'en', event: 'assignment.cancelled' });
    expect(stored!.subject).toBe(`Assignment cancelled: ${world.ticketNumber}`);

    await api.db.query('UPDATE users SET active = false WHERE id = $1', [world.technicianId]);
    const other = { ...request, event: 'assignment.created' } as const;
    expect(await api.db.transaction((tx) => notifier.enqueueForTechnician(tx, other))).toBe(0);
  });

  it('refuses a request it cannot render or address, with a clear error', async () => {
    const world = await scenario(api);
    await world.contact({ name: 'Ida', email: 'ida@kunde.test', isPrimary: true });
    const visitId = await world.visit('2025-03-13T07:00:00.000Z', '2025-03-13T09:00:00.000Z');
    // No ETA given and none on the visit: the template cannot say when the technician arrives.
    await expect(api.db.transaction((tx) => notifier.enqueue(tx, { event: 'technician.en_route', ticketId: world.ticketId, visitId }))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { missing: ['eta'] },
    });
    await expect(api.db.transaction((tx) => notifier.enqueue(tx, { event: 'ticket.exploded' as never, ticketId: world.ticketId }))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(
      api.db.transaction((tx) => notifier.enqueue(tx, { event: 'ticket.received', ticketId: '00000000-0000-4000-8000-000000000000' })),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // The visit's outcome is read from the visit when the request does not carry it.
    await api.db.query(
      `UPDATE visits SET status = 'completed', outcome = 'another_visit_needed', actual_start = planned_start, actual_end = planned_end WHERE id = $1`,
      [visitId],
    );
    expect(await api.db.transaction((tx) => notifier.enqueue(tx, { event: 'visit.completed', ticketId: world.ticketId, visitId }))).toBe(1);
    const [stored] = await rowsOf(world.ticketId);
    expect(stored!.body).toContain('Result: another visit is needed.');
  });
});
