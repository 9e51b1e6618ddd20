/**
 * Customer admins manage their own users; invitations and password resets go out as e-mails
 * through the outbox to a real SMTP server, and their links work once, for a short time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/kernel/logger.js';
import { NotificationSender } from '../../src/service/notifications/notification-sender.js';
import { ADMIN_TOKEN, seedCustomer, startServiceApi, type ServiceApi } from '../service/service-fixture.js';
import { TestSmtp, type ReceivedMail } from '../notifications/notifications-fixture.js';

let api: ServiceApi;
let smtp: TestSmtp;
let sender: NotificationSender;
const anonymous = { authorization: undefined };
const PASSWORD = 'a long portal passphrase';

beforeAll(async () => {
  api = await startServiceApi('2025-03-10T08:00:00.000Z', { PUBLIC_URL: 'https://service.example.test', PASSWORD_RESET_TTL_MINUTES: '30' });
  smtp = await TestSmtp.create();
  await smtp.start();
  sender = new NotificationSender({ db: api.db, logger: createLogger('silent'), smtpUrl: smtp.url, clock: api.clock, pollIntervalMs: 20, timeoutMs: 2000 });
});

afterAll(async () => {
  await sender?.stop();
  await smtp?.stop();
  await api?.close();
});

/** Sends what the outbox holds and returns the mails received meanwhile. */
async function deliver(): Promise<ReceivedMail[]> {
  const before = smtp.received.length;
  await sender.runOnce();
  return smtp.received.slice(before);
}

function tokenOf(mail: ReceivedMail, page: string): string {
  const match = new RegExp(`https://service\\.example\\.test/([a-z]+)/#/${page}\\?token=([A-Za-z0-9_-]+)`).exec(mail.text);
  expect(match, mail.text).not.toBeNull();
  return match![2]!;
}

async function customerAdmin(customerId: string) {
  const admin = await api.user('customer', { customerId });
  const made = await api.app.inject({
    method: 'PUT',
    url: `/api/v1/users/${admin.id}/customer-admin`,
    payload: { customerAdmin: true },
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(made.statusCode).toBe(200);
  return admin;
}

async function login(email: string, password: string) {
  return api.call('POST', '/api/v1/auth/login', { email, password }, anonymous);
}

describe('customer admins', () => {
  it('invite a user of their own customer, who sets a password through the e-mailed link once', async () => {
    const { customerId } = await seedCustomer(api);
    const admin = await customerAdmin(customerId);
    const invited = await api.call('POST', '/api/v1/portal/users', { email: 'New.User@Kunde.test', name: 'Nina Neu', language: 'de' }, admin.auth);
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({ email: 'new.user@kunde.test', customerAdmin: false, hasPassword: false, active: true });
    const { rows } = await api.db.query<{ customer_id: string; role: string }>('SELECT customer_id, role FROM users WHERE id = $1', [invited.body.id]);
    expect(rows[0]).toEqual({ customer_id: customerId, role: 'customer' });

    const [mail, ...more] = await deliver();
    expect(more).toHaveLength(0);
    expect(mail!.to).toEqual(['new.user@kunde.test']);
    expect(mail!.subject).toBe('Einladung zum Kundenportal');
    const token = tokenOf(mail!, 'accept');
    expect(mail!.text).toContain('https://service.example.test/portal/#/accept?token=');
    // Only a hash is stored, and staff reading the outbox do not see the link.
    const stored = await api.db.query<{ token_hash: string }>('SELECT token_hash FROM account_tokens WHERE user_id = $1', [invited.body.id]);
    expect(stored.rows[0]!.token_hash).not.toContain(token);
    const outbox = await api.call('GET', '/api/v1/notifications?limit=100');
    expect(outbox.body.items.map((n: { event: string }) => n.event)).toContain('account.invitation');
    expect(JSON.stringify(outbox.body)).not.toContain(token);

    expect((await api.call('POST', '/api/v1/auth/invitations/accept', { token, password: 'password12' }, anonymous)).status).toBe(400);
    expect((await api.call('POST', '/api/v1/auth/invitations/accept', { token, password: PASSWORD }, anonymous)).status).toBe(204);
    expect((await api.call('POST', '/api/v1/auth/invitations/accept', { token, password: PASSWORD }, anonymous)).status).toBe(400);
    const signedIn = await login('new.user@kunde.test', PASSWORD);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user).toMatchObject({ role: 'customer', customerId });
  });

  it("list and manage only their own customer's users; other customers' users are 404; plain customer users see but may not manage", async () => {
    const mine = await seedCustomer(api);
    const theirs = await seedCustomer(api);
    const admin = await customerAdmin(mine.customerId);
    const colleague = await api.user('customer', { customerId: mine.customerId });
    const stranger = await api.user('customer', { customerId: theirs.customerId });

    const list = await api.call('GET', '/api/v1/portal/users', undefined, admin.auth);
    expect(list.status).toBe(200);
    expect(list.body.items.map((u: { id: string }) => u.id).sort()).toEqual([admin.id, colleague.id].sort());

    expect((await api.call('PATCH', `/api/v1/portal/users/${stranger.id}`, { active: false }, admin.auth)).status).toBe(404);
    expect((await api.call('GET', '/api/v1/auth/me', undefined, stranger.auth)).status).toBe(200);
    expect((await api.call('PATCH', `/api/v1/portal/users/${admin.id}`, { active: false }, admin.auth)).status).toBe(409);
    expect((await api.call('GET', '/api/v1/portal/users', undefined, colleague.auth)).status).toBe(200);
    expect((await api.call('PATCH', `/api/v1/portal/users/${admin.id}`, { name: 'Taken over' }, colleague.auth)).status).toBe(403);
    expect((await api.call('POST', '/api/v1/portal/users', { email: 'x@y.test', name: 'X' }, colleague.auth)).status).toBe(403);

    const promoted = await api.call('PATCH', `/api/v1/portal/users/${colleague.id}`, { customerAdmin: true }, admin.auth);
    expect(promoted.body).toMatchObject({ customerAdmin: true, active: true });
    const deactivated = await api.call('PATCH', `/api/v1/portal/users/${colleague.id}`, { active: false }, admin.auth);
    expect(deactivated.body).toMatchObject({ active: false });
    expect((await api.call('GET', '/api/v1/auth/me', undefined, colleague.auth)).status).toBe(401);

    const profile = await api.call('GET', '/api/v1/portal/profile', undefined, admin.auth);
    expect(profile.body).toMatchObject({ id: admin.id, customerAdmin: true, customerId: mine.customerId });
    expect((await api.call('GET', '/api/v1/portal/users')).status).toBe(403);
    const asStaff = (id: string, auth: Record<string, string>) =>
      api.app.inject({ method: 'PUT', url: `/api/v1/users/${id}/customer-admin`, payload: { customerAdmin: true }, headers: auth });
    expect((await asStaff(stranger.id, admin.auth)).statusCode).toBe(403);
    const technician = await api.user('technician');
    expect((await asStaff(technician.id, { authorization: `Bearer ${ADMIN_TOKEN}` })).statusCode).toBe(400);
  });
});

describe('password reset', () => {
  async function account(role: 'customer' | 'technician') {
    const customerId = role === 'customer' ? (await seedCustomer(api)).customerId : undefined;
    const email = `${role}-${Date.now()}@example.test`;
    const created = await api.call('POST', '/api/v1/users', {
      email,
      name: 'Rita Reset',
      role,
      password: 'the original secret',
      ...(customerId ? { customerId } : {}),
    });
    expect(created.status).toBe(201);
    return email;
  }

  it('works once, ends the sessions, and a second use is refused', async () => {
    const email = await account('customer');
    const session = (await login(email, 'the original secret')).body.token as string;
    expect((await api.call('POST', '/api/v1/auth/password-reset/request', { email: email.toUpperCase() }, anonymous)).status).toBe(202);
    const [mail] = await deliver();
    expect(mail!.to).toEqual([email]);
    expect(mail!.subject).toBe('Reset your password');
    expect(mail!.text).toContain('valid for 30 minutes');
    const token = tokenOf(mail!, 'reset');
    expect(mail!.text).toContain('/portal/#/reset?token=');

    expect((await api.call('POST', '/api/v1/auth/password-reset', { token, password: PASSWORD }, anonymous)).status).toBe(204);
    expect((await api.call('GET', '/api/v1/auth/me', undefined, { authorization: `Bearer ${session}` })).status).toBe(401);
    expect((await login(email, PASSWORD)).status).toBe(200);
    expect((await login(email, 'the original secret')).status).toBe(401);
    const again = await api.call('POST', '/api/v1/auth/password-reset', { token, password: 'yet another passphrase' }, anonymous);
    expect(again.status).toBe(400);
    expect((await login(email, PASSWORD)).status).toBe(200);
  });

  it('refuses an expired link; the link of a technician opens the app', async () => {
    const email = await account('technician');
    await api.call('POST', '/api/v1/auth/password-reset/request', { email, language: 'de' }, anonymous);
    const [mail] = await deliver();
    expect(mail!.subject).toBe('Passwort zurücksetzen');
    const token = tokenOf(mail!, 'reset');
    expect(mail!.text).toContain('/app/#/reset?token=');
    api.clock.advance(31 * 60_000);
    expect((await api.call('POST', '/api/v1/auth/password-reset', { token, password: PASSWORD }, anonymous)).status).toBe(400);
    expect((await login(email, 'the original secret')).status).toBe(200);
  });

  it('answers 202 for an unknown e-mail and sends nothing', async () => {
    const reply = await api.call('POST', '/api/v1/auth/password-reset/request', { email: 'nobody-here@example.test' }, anonymous);
    expect(reply.status).toBe(202);
    expect(await deliver()).toHaveLength(0);
    const { rows } = await api.db.query(`SELECT 1 FROM notification_outbox WHERE address = 'nobody-here@example.test'`);
    expect(rows).toHaveLength(0);
  });

  it('is rate-limited like sign-in', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await api.call('POST', '/api/v1/auth/password-reset/request', { email: 'flood@example.test' }, anonymous)).status);
    }
    expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(statuses.at(-1)).toBe(429);
  });
});
