import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_TOKEN, startApi, type TestApi } from '../api/api-fixture.js';
import { ALL_ROLES, type ZodApp } from '../../src/kernel/http/http.types.js';
import { ApiKeysService } from '../../src/access/auth/api-keys.service.js';
import { SYSTEM_ACTOR } from '../../src/access/audit/audit.service.js';
import { userWithRole } from './auth-fixture.js';

/** Test-only routes that fail the ways real code can. */
async function failingRoutes(app: ZodApp): Promise<void> {
  const config = { roles: ALL_ROLES };
  app.get('/test/boom', { config }, async () => {
    throw new Error('connect ECONNREFUSED 10.0.0.7:5432 password=hunter2');
  });
  app.get('/test/boom-coded', { config }, async () => {
    throw Object.assign(new TypeError("Cannot read properties of undefined (reading 'secret')"), { statusCode: 502, code: 'E_UPSTREAM' });
  });
  app.get('/test/reject', { config }, async () => Promise.reject('a plain string with internal detail /srv/app/x.ts'));
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A create that waits for the test to open a gate, so a duplicate surely arrives while it runs. */
let gate = deferred();
let entered = deferred();
async function gatedRoutes(app: ZodApp): Promise<void> {
  app.post('/test/gated-customers', { config: { roles: ALL_ROLES }, schema: { body: z.object({ name: z.string() }) } }, async (request, reply) => {
    entered.resolve();
    await gate.promise;
    const { rows } = await api.db.query<{ id: string }>('INSERT INTO customers (name) VALUES ($1) RETURNING id', [request.body.name]);
    return reply.status(201).send({ id: rows[0]!.id });
  });
}

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ extraRoutes: [failingRoutes, gatedRoutes], config: { HTTP_BODY_LIMIT_BYTES: '4096' } });
});
afterAll(async () => {
  await api?.close();
});

const countCustomers = async (name: string) =>
  Number((await api.db.query<{ n: string }>('SELECT count(*) AS n FROM customers WHERE name = $1', [name])).rows[0]!.n);

describe('Idempotency-Key', () => {
  test('a retry returns the first response, marked replayed; one row is created', async () => {
    const key = randomUUID();
    const name = `Idem ${key}`;
    const first = await api.call('POST', '/api/v1/customers', { name, email: 'x@idem.test' }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // Same body with keys in another order: still the same request.
    const retry = await api.call('POST', '/api/v1/customers', { email: 'x@idem.test', name }, { 'idempotency-key': key });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers.etag).toBe(first.headers.etag);
    expect(await countCustomers(name)).toBe(1);
  });

  test('the same key with a different body is 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const key = randomUUID();
    await api.call('POST', '/api/v1/customers', { name: `A ${key}` }, { 'idempotency-key': key });
    const reuse = await api.call('POST', '/api/v1/customers', { name: `B ${key}` }, { 'idempotency-key': key });
    expect(reuse.status).toBe(422);
    expect(reuse.headers['content-type']).toContain('application/problem+json');
    expect(reuse.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await countCustomers(`B ${key}`)).toBe(0);
  });

  test('keys are per principal: another caller with the same key creates its own record', async () => {
    const key = randomUUID();
    const name = `Shared key ${key}`;
    const agent = await userWithRole(api, 'agent');
    const a = await api.call('POST', '/api/v1/customers', { name }, { 'idempotency-key': key });
    const b = await api.call('POST', '/api/v1/customers', { name }, { ...agent.auth, 'idempotency-key': key });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.body.id).not.toBe(a.body.id);
  });

  test('concurrent duplicates create exactly one row; the others are told to retry or get the replay', async () => {
    const key = randomUUID();
    const name = `Concurrent ${key}`;
    const replies = await Promise.all(Array.from({ length: 8 }, () => api.call('POST', '/api/v1/customers', { name }, { 'idempotency-key': key })));
    expect(await countCustomers(name)).toBe(1);
    const created = replies.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    for (const reply of replies.filter((r) => r.status !== 201)) {
      expect(reply.status).toBe(409);
      expect(reply.headers['retry-after']).toBe('1');
    }
    const later = await api.call('POST', '/api/v1/customers', { name }, { 'idempotency-key': key });
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(later.body.id).toBe(created[0]!.body.id);
  });

  test('a duplicate arriving while the first is still running gets 409 and never runs the handler', async () => {
    gate = deferred();
    entered = deferred();
    const key = randomUUID();
    const name = `Gated ${key}`;
    const first = api.call('POST', '/api/v1/test/gated-customers', { name }, { 'idempotency-key': key });
    await entered.promise;
    const duplicates = await Promise.all([1, 2, 3].map(() => api.call('POST', '/api/v1/test/gated-customers', { name }, { 'idempotency-key': key })));
    for (const reply of duplicates) {
      expect(reply.status).toBe(409);
      expect(reply.body.code).toBe('CONFLICT');
      expect(reply.headers['retry-after']).toBe('1');
    }
    gate.resolve();
    expect((await first).status).toBe(201);
    expect(await countCustomers(name)).toBe(1);
    const retry = await api.call('POST', '/api/v1/test/gated-customers', { name }, { 'idempotency-key': key });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe((await first).body.id);
  });

  test('a failed request releases its key: the retry runs again', async () => {
    const code = `DUP-${randomUUID().slice(0, 8)}`;
    await api.call('POST', '/api/v1/customers', { name: 'Holder', code });
    const key = randomUUID();
    const failed = await api.call('POST', '/api/v1/customers', { name: 'Dup', code }, { 'idempotency-key': key });
    expect(failed.status).toBe(409);
    const again = await api.call('POST', '/api/v1/customers', { name: 'Dup', code }, { 'idempotency-key': key });
    expect(again.status).toBe(409);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    const { rows } = await api.db.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key]);
    expect(rows).toHaveLength(0);
  });

  test('routes returning secrets are never stored: two API keys, nothing in the table', async () => {
    const key = randomUUID();
    const a = await api.call('POST', '/api/v1/api-keys', { name: 'k', role: 'agent' }, { 'idempotency-key': key });
    const b = await api.call('POST', '/api/v1/api-keys', { name: 'k', role: 'agent' }, { 'idempotency-key': key });
    expect(a.body.key).not.toBe(b.body.key);
    const { rows } = await api.db.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key]);
    expect(rows).toHaveLength(0);
  });

  test('an invalid key is 400', async () => {
    const reply = await api.call('POST', '/api/v1/customers', { name: 'x' }, { 'idempotency-key': 'x'.repeat(300) });
    expect(reply.status).toBe(400);
    expect(reply.body.fields[0].field).toBe('headers.idempotency-key');
  });
});

describe('hardened edge', () => {
  test('a body above the limit is 413 problem+json; without credentials it is 401 before the body is read', async () => {
    const big = { name: 'Big', notes: 'x'.repeat(8000) };
    const reply = await api.call('POST', '/api/v1/customers', big);
    expect(reply.status).toBe(413);
    expect(reply.headers['content-type']).toContain('application/problem+json');
    expect(reply.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await api.call('POST', '/api/v1/customers', big, { authorization: undefined })).status).toBe(401);
  });

  test('security headers on API responses, errors and the docs; Swagger UI loads under the CSP', async () => {
    for (const url of ['/api/v1/customers', '/api/v1/nope', '/docs/']) {
      const reply = await api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const csp = String(reply.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['strict-transport-security']).toContain('max-age=');
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
      expect(reply.headers['x-powered-by']).toBeUndefined();
    }
    const docs = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    // Every script is a same-origin file: nothing inline for the CSP to block.
    const scripts = [...docs.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, inline] of scripts) {
      expect(attributes).toMatch(/src="\.?\/?[^":]*"/);
      expect(inline!.trim()).toBe('');
    }
    expect((await api.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })).statusCode).toBe(200);
  });

  test('no stack trace and no internal message in any error response', async () => {
    for (const url of ['/api/v1/test/boom', '/api/v1/test/boom-coded', '/api/v1/test/reject']) {
      const reply = await api.call('GET', url);
      expect(reply.status, url).toBe(500);
      expect(reply.headers['content-type']).toContain('application/problem+json');
      expect(reply.body).toMatchObject({ code: 'INTERNAL', detail: 'An internal error occurred; it has been logged' });
      const text = JSON.stringify(reply.body);
      for (const leak of ['hunter2', 'ECONNREFUSED', 'secret', '/srv/', 'stack', 'TypeError', 'E_UPSTREAM', '.ts:']) expect(text, url).not.toContain(leak);
    }
    const badJson = await api.app.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.body).not.toMatch(/stack|at .*\.js/);
  });
});

describe('global rate limit', () => {
  let limited: TestApi;
  beforeAll(async () => {
    limited = await startApi({ config: { HTTP_RATE_LIMIT_MAX: '3', HTTP_RATE_LIMIT_WINDOW_MS: '60000' } });
  });
  afterAll(async () => {
    await limited?.close();
  });

  test('per principal: the 4th request in the window is 429 problem+json with Retry-After; others are unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await limited.call('GET', '/api/v1/models')).status);
    expect(statuses).toEqual([200, 200, 200]);
    const over = await limited.call('GET', '/api/v1/models');
    expect(over.status).toBe(429);
    expect(over.headers['content-type']).toContain('application/problem+json');
    expect(over.body.code).toBe('RATE_LIMITED');
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(over.body.retryAfterSeconds).toBe(Number(over.headers['retry-after']));
    // Another principal has its own budget (the key is made through the service: admin is limited now).
    const { key } = await new ApiKeysService(limited.db).create({ name: 'other', role: 'technician' }, SYSTEM_ACTOR);
    expect((await limited.call('GET', '/api/v1/models', undefined, { authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await limited.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  test('requests with bad credentials are limited per client IP, so guessing tokens is throttled too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await limited.call('GET', '/api/v1/models', undefined, { authorization: `Bearer guess-${i}-xxxxxxxxxxxxxxxx` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});
