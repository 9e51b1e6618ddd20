/**
 * Login tokens carry the user's token version: a password change, a role change, a new customer,
 * a deactivation and a logout each make the earlier tokens fail with 401, while a fresh login works.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApi, type TestApi } from '../api/api-fixture.js';
import { PASSWORD, userWithRole, type TestUser } from './auth-fixture.js';

let api: TestApi;

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.close();
});

const me = (user: Pick<TestUser, 'auth'>) => api.call('GET', '/api/v1/auth/me', undefined, user.auth);
const login = async (email: string, password = PASSWORD) => {
  const reply = await api.call('POST', '/api/v1/auth/login', { email, password }, { authorization: undefined });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return { authorization: `Bearer ${reply.body.token as string}` };
};

describe('token revocation', () => {
  test('a password change revokes the old tokens; the new password signs in', async () => {
    const user = await userWithRole(api, 'dispatcher');
    const second = { auth: await login(user.email) }; // another device
    expect((await me(user)).status).toBe(200);
    const changed = await api.call('PATCH', `/api/v1/users/${user.id}`, { password: 'a brand new passphrase 42' });
    expect(changed.status).toBe(200);
    for (const session of [user, second]) {
      const reply = await me(session);
      expect(reply.status).toBe(401);
      expect(reply.body).toMatchObject({ code: 'UNAUTHENTICATED', detail: 'Invalid or expired token' });
    }
    const fresh = await login(user.email, 'a brand new passphrase 42');
    expect((await api.call('GET', '/api/v1/auth/me', undefined, fresh)).status).toBe(200);
  });

  test('a role change revokes the old tokens', async () => {
    const user = await userWithRole(api, 'dispatcher');
    expect((await api.call('PATCH', `/api/v1/users/${user.id}`, { role: 'technician' })).status).toBe(200);
    expect((await me(user)).status).toBe(401);
    const fresh = await login(user.email);
    expect((await api.call('GET', '/api/v1/auth/me', undefined, fresh)).body.role).toBe('technician');
  });

  test('a change that touches neither password, role nor scope keeps the tokens', async () => {
    const user = await userWithRole(api, 'dispatcher');
    expect((await api.call('PATCH', `/api/v1/users/${user.id}`, { name: 'Renamed', phone: '+49 1' })).status).toBe(200);
    expect((await me(user)).status).toBe(200);
  });

  test('deactivation revokes the tokens for good: reactivating does not bring them back', async () => {
    const user = await userWithRole(api, 'agent');
    expect((await api.call('DELETE', `/api/v1/users/${user.id}`)).status).toBe(204);
    expect((await me(user)).status).toBe(401);
    expect((await api.call('PATCH', `/api/v1/users/${user.id}`, { active: true })).status).toBe(200);
    expect((await me(user)).status).toBe(401);
    expect((await api.call('GET', '/api/v1/auth/me', undefined, await login(user.email))).status).toBe(200);
  });

  test('deactivation through PATCH active=false revokes too', async () => {
    const user = await userWithRole(api, 'agent');
    expect((await api.call('PATCH', `/api/v1/users/${user.id}`, { active: false })).status).toBe(200);
    expect((await api.call('PATCH', `/api/v1/users/${user.id}`, { active: true })).status).toBe(200);
    expect((await me(user)).status).toBe(401);
  });

  test('logout revokes every token of the caller, on every device, and is audited', async () => {
    const user = await userWithRole(api, 'technician');
    const other = { auth: await login(user.email) };
    const bystander = await userWithRole(api, 'technician');
    const out = await api.call('POST', '/api/v1/auth/logout', undefined, user.auth);
    expect(out.status).toBe(204);
    expect((await me(user)).status).toBe(401);
    expect((await me(other)).status).toBe(401);
    expect((await api.call('POST', '/api/v1/auth/logout', undefined, user.auth)).status).toBe(401);
    expect((await me(bystander)).status).toBe(200);
    expect((await api.call('GET', '/api/v1/auth/me', undefined, await login(user.email))).status).toBe(200);
    const { rows } = await api.db.query<{ action: string; actor_id: string }>(
      "SELECT action, actor_id FROM audit_log WHERE entity = 'user' AND entity_id = $1 AND action = 'logout'",
      [user.id],
    );
    expect(rows).toEqual([{ action: 'logout', actor_id: user.id }]);
  });

  test('logout with an API key or the bootstrap token is a 400 that revokes nothing', async () => {
    const reply = await api.call('POST', '/api/v1/auth/logout');
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('VALIDATION_FAILED');
    expect((await api.call('GET', '/api/v1/auth/me')).status).toBe(200);
  });

  test('a token carries the version it was issued at', async () => {
    const user = await userWithRole(api, 'dispatcher');
    const claims = JSON.parse(Buffer.from(user.token.split('.')[1]!, 'base64url').toString()) as { ver: number };
    expect(claims.ver).toBe(1);
    await api.call('POST', '/api/v1/auth/logout', undefined, user.auth);
    const fresh = await login(user.email);
    const next = JSON.parse(Buffer.from(fresh.authorization.split('.')[1]!, 'base64url').toString()) as { ver: number };
    expect(next.ver).toBe(2);
  });
});
