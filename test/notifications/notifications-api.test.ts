/** The notifications API: reading the outbox (filters, paging, roles) and contact notification preferences. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notifier } from '../../src/service/notifications/notifier.js';
import { scenario, startNotificationsApi, type Scenario, type NotificationsApi } from './notifications-fixture.js';

let api: NotificationsApi;
let world: Scenario;
let primary: string;
const notifier = new Notifier();

beforeAll(async () => {
  api = await startNotificationsApi();
  world = await scenario(api);
  primary = await world.contact({ name: 'Paula Primary', email: 'paula@kunde.test', isPrimary: true });
  await api.db.transaction(async (tx) => {
    await notifier.enqueue(tx, { event: 'ticket.received', ticketId: world.ticketId });
    for (let i = 0; i < 3; i++) await notifier.enqueue(tx, { event: 'ticket.received', ticketId: world.ticketId, dedupeKey: `page:${i}` });
  });
});

afterAll(async () => {
  await api?.close();
});

describe('GET /notifications', () => {
  it('lists by ticket and status with cursor paging, newest first', async () => {
    const other = await scenario(api);
    await other.contact({ name: 'Other', email: 'other@kunde.test', isPrimary: true });
    await api.db.transaction((tx) => notifier.enqueue(tx, { event: 'ticket.received', ticketId: other.ticketId }));

    const first = await api.call('GET', `/api/v1/notifications?ticketId=${world.ticketId}&status=pending&limit=3`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(3);
    expect(first.body.items.every((n: { ticketId: string; status: string }) => n.ticketId === world.ticketId && n.status === 'pending')).toBe(true);
    const second = await api.call('GET', `/api/v1/notifications?ticketId=${world.ticketId}&status=pending&limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const all = [...first.body.items, ...second.body.items];
    expect(new Set(all.map((n: { id: string }) => n.id)).size).toBe(4);
    const times = all.map((n: { createdAt: string }) => Date.parse(n.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect((await api.call('GET', `/api/v1/notifications?ticketId=${world.ticketId}&status=sent`)).body.items).toHaveLength(0);
  });

  it('reads one notification; 404 for an unknown id; 400 for a bad filter', async () => {
    const list = await api.call('GET', `/api/v1/notifications?ticketId=${world.ticketId}&limit=1`);
    const id = list.body.items[0].id;
    const one = await api.call('GET', `/api/v1/notifications/${id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id, contactId: primary, channel: 'email', address: 'paula@kunde.test', attempts: 0 });
    expect((await api.call('GET', '/api/v1/notifications/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const bad = await api.call('GET', '/api/v1/notifications?status=lost');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });

  it('is for admins, dispatchers and agents; retry is for admins', async () => {
    for (const role of ['dispatcher', 'agent'] as const) {
      const user = await api.user(role);
      expect((await api.call('GET', '/api/v1/notifications', undefined, user.auth)).status, role).toBe(200);
    }
    for (const role of ['technician', 'customer'] as const) {
      const user = await api.user(role, role === 'customer' ? { customerId: world.customerId } : {});
      expect((await api.call('GET', '/api/v1/notifications', undefined, user.auth)).status, role).toBe(403);
    }
    const pending = (await api.call('GET', `/api/v1/notifications?ticketId=${world.ticketId}&limit=1`)).body.items[0];
    const conflict = await api.call('POST', `/api/v1/notifications/${pending.id}/retry`);
    expect(conflict.status).toBe(409);
  });
});

describe('contact notification preferences', () => {
  it('shows the defaults before anything is stored: the primary contact gets e-mail, others nothing', async () => {
    const other = await world.contact({ name: 'Quiet', email: 'quiet@kunde.test' });
    const a = await api.call('GET', `/api/v1/contacts/${primary}/notification-preferences`);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ explicit: false, enabled: true, channels: ['email'], events: [], version: 0 });
    expect((await api.call('GET', `/api/v1/contacts/${other}/notification-preferences`)).body).toMatchObject({ explicit: false, enabled: false });
  });

  it('validates: webhook needs URL and secret, the address must be the contact’s, the time zone must exist, a stale ETag fails', async () => {
    const url = `/api/v1/contacts/${primary}/notification-preferences`;
    const fields = async (body: unknown) => {
      const reply = await api.call('PUT', url, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      return (reply.body.fields ?? []).map((f: { field: string }) => f.field);
    };
    expect(await fields({ channels: ['webhook'], webhookUrl: 'https://hooks.example.test/x' })).toEqual(['body.webhookSecret']);
    expect(await fields({ channels: ['webhook'], webhookSecret: 'a-long-enough-secret' })).toEqual(['body.webhookUrl']);
    expect(await fields({ emailAddress: 'stranger@else.test' })).toEqual(['body.emailAddress']);
    expect(await fields({ timeZone: 'Mars/Olympus' })).toEqual(['body.timeZone']);
    expect(await fields({ events: ['ticket.exploded'] })).toEqual(['body.events.0']);
    expect(await fields({ channels: ['email'], webhookUrl: 'ftp://x.test/' })).toEqual(['body.webhookUrl']);

    const saved = await api.call('PUT', url, { events: ['visit.delayed'], emailAddress: 'PAULA@kunde.test', timeZone: 'Europe/Vienna' });
    expect(saved.status).toBe(200);
    expect(saved.headers.etag).toBe('"1"');
    expect(saved.body).toMatchObject({ explicit: true, events: ['visit.delayed'], timeZone: 'Europe/Vienna', webhookSecretSet: false, version: 1 });
    const stale = await api.call('PUT', url, { enabled: false }, { 'if-match': '"0"' });
    expect(stale.status).toBe(412);
    const disabled = await api.call('PUT', url, { enabled: false }, { 'if-match': '"1"' });
    expect(disabled.body).toMatchObject({ enabled: false, version: 2 });
    // Disabled: the primary contact is no longer notified.
    expect(
      await api.db.transaction((tx) =>
        notifier.enqueue(tx, { event: 'visit.delayed', ticketId: world.ticketId, dedupeKey: 'off', data: { eta: '2025-03-10T10:00:00Z', delayMinutes: 5 } }),
      ),
    ).toBe(0);
  });

  it("lets a customer read its own contacts' preferences only, and not change them", async () => {
    const own = await api.user('customer', { customerId: world.customerId });
    expect((await api.call('GET', `/api/v1/contacts/${primary}/notification-preferences`, undefined, own.auth)).status).toBe(200);
    const other = await scenario(api);
    const stranger = await api.user('customer', { customerId: other.customerId });
    expect((await api.call('GET', `/api/v1/contacts/${primary}/notification-preferences`, undefined, stranger.auth)).status).toBe(404);
    expect((await api.call('PUT', `/api/v1/contacts/${primary}/notification-preferences`, { enabled: true }, own.auth)).status).toBe(403);
  });
});
