import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_TOKEN, startApi, type TestApi } from '../api/api-fixture.js';
import { jwtSecretOf, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../src/access/auth/tokens.js';
import { hashPassword, verifyPassword } from '../../src/access/auth/password.js';
import { loadConfig } from '../../src/kernel/config.js';
import { craftJwt, nowSeconds, PASSWORD, userWithRole, type TestUser } from './auth-fixture.js';

let api: TestApi;
let dispatcher: TestUser;
const secret = jwtSecretOf(loadConfig({}, { TELEMEND_ADMIN_TOKEN: ADMIN_TOKEN }));

beforeAll(async () => {
  api = await startApi();
  dispatcher = await userWithRole(api, 'dispatcher');
});
afterAll(async () => {
  await api?.close();
});

const asBearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('login', () => {
  test('issues an HS256 token that authenticates the user until it expires', async () => {
    const login = await api.call('POST', '/api/v1/auth/login', { email: dispatcher.email.toUpperCase(), password: PASSWORD }, { authorization: undefined });
    expect(login.status).toBe(200);
    expect(login.headers['cache-control']).toBe('no-store');
    expect(login.body).toMatchObject({ tokenType: 'Bearer', user: { id: dispatcher.id, role: 'dispatcher', hasPassword: true } });
    expect(login.body.user).not.toHaveProperty('passwordHash');
    const header = JSON.parse(Buffer.from(login.body.token.split('.')[0], 'base64url').toString());
    expect(header.alg).toBe('HS256');
    const ttl = new Date(login.body.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(3590_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);

    const me = await api.call('GET', '/api/v1/auth/me', undefined, asBearer(login.body.token));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ role: 'dispatcher', actor: { type: 'user', id: dispatcher.id }, customerId: null, user: { email: dispatcher.email } });
    expect((await api.call('GET', '/api/v1/customers', undefined, asBearer(login.body.token))).status).toBe(200);
  });

  test('the bootstrap admin token is admin with actor admin_token', async () => {
    const me = await api.call('GET', '/api/v1/auth/me');
    expect(me.body).toMatchObject({ role: 'admin', actor: { type: 'admin_token', id: 'bootstrap' }, user: null });
  });

  test('a wrong password, an unknown e-mail and an inactive user all get the same 401', async () => {
    const wrong = await api.call('POST', '/api/v1/auth/login', { email: dispatcher.email, password: 'not the password' }, { authorization: undefined });
    const unknown = await api.call('POST', '/api/v1/auth/login', { email: 'nobody@example.test', password: PASSWORD }, { authorization: undefined });
    for (const reply of [wrong, unknown]) {
      expect(reply.status).toBe(401);
      expect(reply.body).toMatchObject({ code: 'UNAUTHENTICATED', detail: 'Invalid e-mail or password' });
      expect(reply.body).not.toHaveProperty('token');
    }
    const leaver = await userWithRole(api, 'technician');
    expect((await api.call('GET', '/api/v1/auth/me', undefined, leaver.auth)).status).toBe(200);
    expect((await api.call('DELETE', `/api/v1/users/${leaver.id}`)).status).toBe(204);
    // Deactivation takes effect at once, on existing tokens and on new logins.
    expect((await api.call('GET', '/api/v1/auth/me', undefined, leaver.auth)).status).toBe(401);
    const again = await api.call('POST', '/api/v1/auth/login', { email: leaver.email, password: PASSWORD }, { authorization: undefined });
    expect(again.status).toBe(401);
  });

  test('bad login bodies are 400 naming the fields', async () => {
    const reply = await api.call('POST', '/api/v1/auth/login', { email: 'x@example.test' }, { authorization: undefined });
    expect(reply.status).toBe(400);
    expect(reply.body.fields.map((f: { field: string }) => f.field)).toContain('body.password');
  });

  test('passwords are stored as salted scrypt hashes, never in clear', async () => {
    const { rows } = await api.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [dispatcher.id]);
    const stored = rows[0]!.password_hash;
    expect(stored).not.toContain(PASSWORD);
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword(PASSWORD, stored)).toBe(true);
    expect(await verifyPassword('wrong password', stored)).toBe(false);
    // Per-user salt: the same password hashes differently.
    expect(await hashPassword(PASSWORD)).not.toBe(await hashPassword(PASSWORD));
    const short = await api.call('POST', '/api/v1/users', { email: 'short@example.test', name: 'Short', role: 'agent', password: 'too-short' });
    expect(short.status).toBe(400);
    expect(short.body.detail).toContain('body.password');
  });
});

describe('token verification', () => {
  const claims = () => ({ sub: dispatcher.id, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: nowSeconds(), exp: nowSeconds() + 600 });

  test('a token crafted by hand with the right key works (the control case)', async () => {
    const token = craftJwt({ alg: 'HS256', typ: 'JWT' }, claims(), secret);
    expect((await api.call('GET', '/api/v1/auth/me', undefined, asBearer(token))).status).toBe(200);
  });

  test('alg none is 401', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const token = craftJwt({ alg, typ: 'JWT' }, claims());
      const reply = await api.call('GET', '/api/v1/auth/me', undefined, asBearer(token));
      expect(reply.status).toBe(401);
      expect(reply.body.code).toBe('UNAUTHENTICATED');
    }
  });

  test('another algorithm with the same key (HS512) is 401: the algorithm is pinned', async () => {
    const { createHmac } = await import('node:crypto');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'HS512', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}`;
    const token = `${unsigned}.${createHmac('sha512', secret).update(unsigned).digest('base64url')}`;
    expect((await api.call('GET', '/api/v1/auth/me', undefined, asBearer(token))).status).toBe(401);
  });

  test('an expired token is 401', async () => {
    const token = craftJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims(), iat: nowSeconds() - 7200, exp: nowSeconds() - 60 }, secret);
    const reply = await api.call('GET', '/api/v1/auth/me', undefined, asBearer(token));
    expect(reply.status).toBe(401);
    expect(reply.body.detail).toBe('Invalid or expired token');
  });

  test('a tampered signature, a tampered payload and a foreign key are 401', async () => {
    const good = craftJwt({ alg: 'HS256', typ: 'JWT' }, claims(), secret);
    const [h, p, s] = good.split('.') as [string, string, string];
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    const admin = Buffer.from(JSON.stringify({ ...claims(), role: 'admin', sub: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
    const forged = craftJwt({ alg: 'HS256', typ: 'JWT' }, claims(), 'x'.repeat(64));
    for (const token of [flipped, `${h}.${admin}.${s}`, forged]) {
      expect((await api.call('GET', '/api/v1/auth/me', undefined, asBearer(token))).status).toBe(401);
    }
  });

  test('a token for another audience or issuer is 401', async () => {
    for (const override of [{ aud: 'someone-else' }, { iss: 'evil' }]) {
      const token = craftJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims(), ...override }, secret);
      expect((await api.call('GET', '/api/v1/auth/me', undefined, asBearer(token))).status).toBe(401);
    }
  });
});

describe('login rate limit', () => {
  test('the 6th attempt within a minute for one e-mail is 429 with Retry-After; another e-mail is unaffected', async () => {
    const victim = await userWithRole(api, 'agent'); // one successful login already counted
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await api.call('POST', '/api/v1/auth/login', { email: victim.email, password: `guess-${i}` }, { authorization: undefined })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    // Even the right password is refused while limited.
    const limited = await api.call('POST', '/api/v1/auth/login', { email: victim.email, password: PASSWORD }, { authorization: undefined });
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    const other = await api.call('POST', '/api/v1/auth/login', { email: dispatcher.email, password: PASSWORD }, { authorization: undefined });
    expect(other.status).toBe(200);
  });
});
