import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedAsset, startApi, type TestApi } from '../api/api-fixture.js';
import { hashApiKey } from '../../src/access/auth/api-keys.service.js';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

describe('API keys', () => {
  test('created once, stored hashed, usable as Bearer and X-Api-Key, revoked at once', async () => {
    const created = await api.call('POST', '/api/v1/api-keys', { name: 'ERP export', role: 'dispatcher' });
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const key: string = created.body.key;
    expect(key).toMatch(/^tmk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(`tmk_${created.body.prefix}_`)).toBe(true);
    expect(created.body).toMatchObject({ name: 'ERP export', role: 'dispatcher', customerId: null, createdBy: null, revokedAt: null, lastUsedAt: null });

    const { rows } = await api.db.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [created.body.id]);
    expect(rows[0]!.key_hash).toBe(hashApiKey(key));
    // The secret is everything after the prefix (base64url may itself contain '_').
    const secret = key.slice(`tmk_${created.body.prefix}_`.length);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(rows[0])).not.toContain(secret);

    const read = await api.call('GET', `/api/v1/api-keys/${created.body.id}`);
    expect(read.body).not.toHaveProperty('key');
    const list = await api.call('GET', '/api/v1/api-keys?revoked=false');
    expect(list.body.items.map((k: { id: string }) => k.id)).toContain(created.body.id);
    expect(JSON.stringify(list.body)).not.toContain(key);

    const bearer = await api.call('GET', '/api/v1/auth/me', undefined, { authorization: `Bearer ${key}` });
    expect(bearer.status).toBe(200);
    expect(bearer.body).toMatchObject({ role: 'dispatcher', actor: { type: 'api_key', id: created.body.id } });
    const header = await api.call('GET', '/api/v1/customers', undefined, { authorization: undefined, 'x-api-key': key });
    expect(header.status).toBe(200);
    // Its role applies: a dispatcher key may not manage keys.
    expect((await api.call('GET', '/api/v1/api-keys', undefined, { authorization: `Bearer ${key}` })).status).toBe(403);
    expect((await api.call('GET', `/api/v1/api-keys/${created.body.id}`)).body.lastUsedAt).not.toBeNull();

    const revoked = await api.call('POST', `/api/v1/api-keys/${created.body.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const after = await api.call('GET', '/api/v1/auth/me', undefined, { authorization: undefined, 'x-api-key': key });
    expect(after.status).toBe(401);
    expect(after.body.detail).toBe('Invalid or revoked API key');
    expect((await api.call('POST', `/api/v1/api-keys/${created.body.id}/revoke`)).body.revokedAt).toBe(revoked.body.revokedAt);
  });

  test('a wrong secret with a real prefix, a malformed key and two credentials at once are 401', async () => {
    const created = await api.call('POST', '/api/v1/api-keys', { name: 'probe', role: 'agent' });
    const key: string = created.body.key;
    const wrongSecret = `${key.slice(0, 18)}${'A'.repeat(43)}`;
    for (const headers of [{ authorization: `Bearer ${wrongSecret}` }, { authorization: undefined, 'x-api-key': 'tmk_nope' }, { 'x-api-key': key }]) {
      const reply = await api.call('GET', '/api/v1/auth/me', undefined, headers);
      expect(reply.status).toBe(401);
    }
  });

  test('a customer key needs a customer and sees only that customer', async () => {
    const mine = await seedAsset(api, 'key-mine');
    const other = await seedAsset(api, 'key-other');
    const missing = await api.call('POST', '/api/v1/api-keys', { name: 'portal', role: 'customer' });
    expect(missing.status).toBe(400);
    const staffWithCustomer = await api.call('POST', '/api/v1/api-keys', { name: 'x', role: 'agent', customerId: mine.customerId });
    expect(staffWithCustomer.status).toBe(400);
    const created = await api.call('POST', '/api/v1/api-keys', { name: 'portal', role: 'customer', customerId: mine.customerId });
    expect(created.status).toBe(201);
    const auth = { authorization: `Bearer ${created.body.key}` };
    const assets = await api.call('GET', '/api/v1/assets', undefined, auth);
    expect(assets.body.items.map((a: { id: string }) => a.id)).toEqual([mine.assetId]);
    expect((await api.call('GET', `/api/v1/assets/${other.assetId}`, undefined, auth)).status).toBe(404);
  });

  test('creating and revoking keys is audited', async () => {
    const created = await api.call('POST', '/api/v1/api-keys', { name: 'audited', role: 'technician' });
    await api.call('POST', `/api/v1/api-keys/${created.body.id}/revoke`);
    const { rows } = await api.db.query<{ action: string; actor_type: string }>(
      `SELECT action, actor_type FROM audit_log WHERE entity = 'api_key' AND entity_id = $1 ORDER BY id`,
      [created.body.id],
    );
    expect(rows).toEqual([
      { action: 'create', actor_type: 'admin_token' },
      { action: 'revoke', actor_type: 'admin_token' },
    ]);
  });
});
