/**
 * Signing secrets at rest: sealed with AES-256-GCM in every column that holds one, legacy clear
 * rows and rows of a previous key re-encrypted at start, the key from SECRETS_KEY or generated
 * into DATA_DIR (0600), refused without a key when the database is shared, and the whole path
 * on the running platform: a legacy clear webhook secret still signs deliveries after the upgrade.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox, SecretKeyError, keyIdOf } from '../../src/kernel/secrets/secret-box.js';
import { KEY_FILE, loadSecretBox } from '../../src/kernel/secrets/secret-keys.js';
import { rewrapSecrets, CONTACT_WEBHOOK_SECRET, REPORT_WEBHOOK_SECRET, WEBHOOK_SECRET } from '../../src/kernel/secrets/secrets-rewrap.js';
import { ConfigError, loadConfig } from '../../src/kernel/config.js';
import { openDatabase } from '../../src/kernel/db/database.js';
import { migrate } from '../../src/app/migrations.js';
import { createLogger } from '../../src/kernel/logger.js';
import { startPlatform } from '../../src/app/platform.js';
import { verifySignature } from '../../src/service/delivery/webhook-signature.js';
import { apiCall, testEnv } from '../harness/platform.js';
import { waitFor } from '../harness/servers.js';
import { scenario, startNotificationsApi, type NotificationsApi } from '../notifications/notifications-fixture.js';
import { startReceiver } from './delivery-fixture.js';

const key = () => randomBytes(32);
const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'telemend-secrets-'));
  dirs.push(dir);
  return dir;
};

let api: NotificationsApi;
beforeAll(async () => {
  api = await startNotificationsApi();
});
afterAll(async () => {
  await api?.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('SecretBox', () => {
  it('seals with a fresh IV, opens with the current or a previous key, and only for its own column', () => {
    const [k1, k2] = [key(), key()];
    const old = new SecretBox(k1);
    const sealed = old.seal('hook-secret-0123456789', WEBHOOK_SECRET);
    expect(sealed).toMatch(new RegExp(`^tmsec:1:${keyIdOf(k1)}:[A-Za-z0-9_-]+$`));
    expect(sealed).not.toContain('hook-secret');
    expect(old.seal('hook-secret-0123456789', WEBHOOK_SECRET)).not.toBe(sealed);
    expect(old.open(sealed, WEBHOOK_SECRET)).toBe('hook-secret-0123456789');
    expect(() => old.open(sealed, REPORT_WEBHOOK_SECRET)).toThrow(SecretKeyError);
    const rotated = new SecretBox(k2, [k1]);
    expect(rotated.open(sealed, WEBHOOK_SECRET)).toBe('hook-secret-0123456789');
    expect(rotated.isCurrent(sealed)).toBe(false);
    expect(() => new SecretBox(k2).open(sealed, WEBHOOK_SECRET)).toThrow(
      `secret sealed with key ${keyIdOf(k1)}, which is neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS`,
    );
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'AB' : 'AA');
    expect(() => old.open(tampered, WEBHOOK_SECRET)).toThrow(SecretKeyError);
    expect(old.open('legacy-clear-secret-0123', WEBHOOK_SECRET)).toBe('legacy-clear-secret-0123');
  });
});

describe('the API stores secrets sealed', () => {
  it('webhook, report schedule and contact notification secrets never reach the database in clear', async () => {
    const clear = (tag: string) => `${tag}-${randomBytes(8).toString('hex')}`;
    const hookSecret = clear('hook');
    const hook = await api.call('POST', '/api/v1/webhooks', { url: 'https://hooks.example.com/t', secret: hookSecret });
    expect(hook.status).toBe(201);
    expect(hook.body.secret).toBe(hookSecret); // shown once, in clear
    const generated = await api.call('POST', '/api/v1/webhooks', { url: 'https://hooks.example.com/g' });
    const patchedSecret = clear('patched');
    await api.call('PATCH', `/api/v1/webhooks/${hook.body.id}`, { secret: patchedSecret });

    const schedule = await api.call('POST', '/api/v1/reports/schedules', {
      name: 'Sealed',
      report: 'mttr',
      cadence: { kind: 'every_hours', hours: 24 },
      webhookUrl: 'https://hooks.example.com/r',
    });
    expect(schedule.status).toBe(201);

    const world = await scenario(api);
    const contact = await world.contact({ name: 'Sealed Bot' });
    const contactSecret = clear('contact');
    const put = await api.call('PUT', `/api/v1/contacts/${contact}/notification-preferences`, {
      channels: ['webhook'],
      webhookUrl: 'https://hooks.example.com/c',
      webhookSecret: contactSecret,
    });
    expect(put.status).toBe(200);

    const stored = await api.db.query<{ v: string }>(
      `SELECT secret AS v FROM webhook_subscriptions UNION ALL SELECT webhook_secret FROM report_schedules UNION ALL SELECT webhook_secret FROM contact_notification_preferences WHERE webhook_secret IS NOT NULL`,
    );
    const values = stored.rows.map((r) => r.v);
    expect(values.length).toBeGreaterThanOrEqual(4);
    for (const value of values) expect(value).toMatch(/^tmsec:1:/);
    const dump = values.join('\n');
    for (const secret of [hookSecret, patchedSecret, generated.body.secret, schedule.body.webhookSecret, contactSecret]) expect(dump).not.toContain(secret);
    const box = SecretBox.ephemeral(); // the fixture's context has no key ring of its own
    const row = async (sql: string, id: string) => (await api.db.query<{ v: string }>(sql, [id])).rows[0]!.v;
    expect(box.open(await row('SELECT secret AS v FROM webhook_subscriptions WHERE id = $1', hook.body.id), WEBHOOK_SECRET)).toBe(patchedSecret);
    expect(box.open(await row('SELECT webhook_secret AS v FROM report_schedules WHERE id = $1', schedule.body.id), REPORT_WEBHOOK_SECRET)).toBe(
      schedule.body.webhookSecret,
    );
    expect(box.open(await row('SELECT webhook_secret AS v FROM contact_notification_preferences WHERE contact_id = $1', contact), CONTACT_WEBHOOK_SECRET)).toBe(
      contactSecret,
    );
  });
});

describe('re-encryption at start', () => {
  it('seals legacy clear rows, moves rows of a previous key to the current one, and counts what no key opens', async () => {
    const db = await openDatabase({ dataDir: 'memory://' });
    try {
      await migrate(db);
      const [k1, k2] = [key(), key()];
      const first = new SecretBox(k1);
      const customer = await db.query<{ id: string }>(`INSERT INTO customers (name) VALUES ('Legacy') RETURNING id`);
      const contactId = (
        await db.query<{ id: string }>(`INSERT INTO contacts (customer_id, name) VALUES ($1, 'Legacy contact') RETURNING id`, [customer.rows[0]!.id])
      ).rows[0]!.id;
      await db.query(
        `INSERT INTO webhook_subscriptions (url, secret) VALUES ('https://a.example.com/', 'legacy-clear-0123456789'), ('https://b.example.com/', $1), ('https://c.example.com/', $2)`,
        [first.seal('sealed-by-k1-0123456789', WEBHOOK_SECRET), new SecretBox(key()).seal('lost-key-0123456789', WEBHOOK_SECRET)],
      );
      await db.query(
        `INSERT INTO report_schedules (name, report, format, cadence, webhook_url, webhook_secret) VALUES ('r', 'mttr', 'csv', '{"kind":"every_hours","hours":1}', 'https://r.example.com/', 'legacy-report-0123456789')`,
      );
      await db.query(
        `INSERT INTO contact_notification_preferences (contact_id, channels, webhook_url, webhook_secret) VALUES ($1, '{webhook}', 'https://c.example.com/', 'legacy-contact-0123456789')`,
        [contactId],
      );

      const second = new SecretBox(k2, [k1]);
      expect(await rewrapSecrets(db, second)).toEqual({ rewrapped: 4, unreadable: 1 });
      expect(await rewrapSecrets(db, second)).toEqual({ rewrapped: 0, unreadable: 1 });
      const onlyK2 = new SecretBox(k2);
      const hooks = (await db.query<{ url: string; secret: string }>('SELECT url, secret FROM webhook_subscriptions ORDER BY url')).rows;
      expect(onlyK2.open(hooks[0]!.secret, WEBHOOK_SECRET)).toBe('legacy-clear-0123456789');
      expect(onlyK2.open(hooks[1]!.secret, WEBHOOK_SECRET)).toBe('sealed-by-k1-0123456789');
      expect(hooks[2]!.secret).toMatch(/^tmsec:1:/); // left as it was
      const report = (await db.query<{ v: string }>('SELECT webhook_secret AS v FROM report_schedules')).rows[0]!.v;
      expect(onlyK2.open(report, REPORT_WEBHOOK_SECRET)).toBe('legacy-report-0123456789');
      const contact = (await db.query<{ v: string }>('SELECT webhook_secret AS v FROM contact_notification_preferences')).rows[0]!.v;
      expect(onlyK2.open(contact, CONTACT_WEBHOOK_SECRET)).toBe('legacy-contact-0123456789');
    } finally {
      await db.close();
    }
  });
});

describe('the key', () => {
  it('is generated into DATA_DIR with mode 0600 on first start and reused after', async () => {
    const dir = await tempDir();
    const config = { DATA_DIR: dir, DATABASE_URL: undefined, SECRETS_KEY: undefined, SECRETS_KEY_PREVIOUS: undefined };
    const first = await loadSecretBox(config);
    const file = path.join(dir, KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(first.keyId).toBe(keyIdOf(Buffer.from(await readFile(file, 'utf8'), 'base64')));
    const sealed = first.seal('kept-across-restarts-0123', WEBHOOK_SECRET);
    expect((await loadSecretBox(config)).open(sealed, WEBHOOK_SECRET)).toBe('kept-across-restarts-0123');
    // Moving to an explicit SECRETS_KEY: the generated key still reads what it sealed.
    const explicit = await loadSecretBox({ ...config, SECRETS_KEY: key().toString('base64') });
    expect(explicit.keyId).not.toBe(first.keyId);
    expect(explicit.open(sealed, WEBHOOK_SECRET)).toBe('kept-across-restarts-0123');
  });

  it('is required with a shared database, and validated', async () => {
    const dir = await tempDir();
    await expect(
      loadSecretBox({ DATA_DIR: dir, DATABASE_URL: 'postgres://db/telemend', SECRETS_KEY: undefined, SECRETS_KEY_PREVIOUS: undefined }),
    ).rejects.toThrow(/SECRETS_KEY \(unset\): required with DATABASE_URL/);
    const base = { TELEMEND_ADMIN_TOKEN: 'x'.repeat(24) };
    expect(() => loadConfig({ ...base, SECRETS_KEY: 'too-short' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, SECRETS_KEY: 'too-short' })).toThrow('SECRETS_KEY (set, value hidden): must be 32 bytes in base64');
    expect(() => loadConfig({ ...base, SECRETS_KEY_PREVIOUS: `${key().toString('base64')},nope` })).toThrow(/SECRETS_KEY_PREVIOUS/);
    expect(loadConfig({ ...base, SECRETS_KEY: key().toString('base64url') }).SECRETS_KEY).toBeDefined();
  });
});

describe('on the running platform', () => {
  it('a webhook secret stored in clear before the upgrade is sealed at start and still signs deliveries', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const receiver = await startReceiver();
    const legacySecret = 'legacy-clear-secret-0123456789';
    const db = await openDatabase({ dataDir: dir });
    await migrate(db);
    await db.query(`INSERT INTO webhook_subscriptions (url, secret, events) VALUES ($1, $2, '{ticket.created}')`, [receiver.url, legacySecret]);
    await db.close();

    const config = loadConfig(testEnv({ DATA_DIR: dir }));
    const platform = await startPlatform(config, createLogger('silent'));
    try {
      const keyFile = Buffer.from(await readFile(path.join(dir, KEY_FILE), 'utf8'), 'base64');
      const call = <T>(method: string, url: string, body?: unknown) =>
        apiCall<T & { id: string }>(platform.addresses.http!, config.TELEMEND_ADMIN_TOKEN, method, url, body);
      const customer = await call('POST', '/api/v1/customers', { name: 'Upgraded' });
      const ticket = await call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'After the upgrade', customerId: customer.body.id });
      expect(ticket.status).toBe(201);
      await waitFor(async () => receiver.received.length > 0, 'the webhook delivery', 20_000);
      const [delivery] = receiver.received;
      expect(JSON.parse(delivery!.body)).toMatchObject({ type: 'ticket.created' });
      expect(verifySignature(legacySecret, delivery!.body, delivery!.headers['x-telemend-signature'] as string)).toBe(true);
      const hooks = await call<{ items: unknown[] }>('GET', '/api/v1/webhooks');
      expect(hooks.body.items).toHaveLength(1);
      // The row on disk is sealed with the generated key now.
      await platform.stop();
      const reopened = await openDatabase({ dataDir: dir });
      const stored = (await reopened.query<{ secret: string }>('SELECT secret FROM webhook_subscriptions')).rows[0]!.secret;
      await reopened.close();
      expect(stored.startsWith(`tmsec:1:${keyIdOf(keyFile)}:`)).toBe(true);
      expect(new SecretBox(keyFile).open(stored, WEBHOOK_SECRET)).toBe(legacySecret);
    } finally {
      await platform.stop();
      await receiver.close();
    }
  });
});
