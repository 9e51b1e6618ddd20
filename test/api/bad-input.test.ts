/**
 * Input the database cannot take is the client's error, never a 500: a NUL character anywhere in
 * the query, path or body is a 400 naming the field (checked for every query parameter the OpenAPI
 * document lists), driver errors map to problem responses, and a logged database error carries
 * neither the bound parameters nor row values.
 */
import { Writable } from 'node:stream';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteModule } from '../../src/app/http-app.js';
import { createLogger } from '../../src/kernel/logger.js';
import { startApi, type TestApi } from './api-fixture.js';

const SECRET = 'sk_live_do-not-log-me-0123456789';
const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

/** Test-only routes that hand request values to the database as they are. */
const driverRoutes: RouteModule = async (app, ctx) => {
  const body = { body: z.object({ value: z.unknown() }) };
  app.post('/test/db/smallint', { config: { roles: ['admin'] }, schema: body }, async (request) =>
    ctx.db.query('SELECT $1::smallint AS v', [request.body.value]),
  );
  app.post('/test/db/jsonb', { config: { roles: ['admin'] }, schema: body }, async (request) => ctx.db.query('SELECT $1::jsonb AS v', [request.body.value]));
  app.post('/test/db/duplicate', { config: { roles: ['admin'] }, schema: body }, async (request) => {
    for (let i = 0; i < 2; i++) await ctx.db.query(`INSERT INTO users (email, name, role) VALUES ($1, 'Twice', 'agent')`, [request.body.value]);
    return {};
  });
  app.post('/test/db/bug', { config: { roles: ['admin'] }, schema: body }, async (request) =>
    ctx.db.query('SELECT * FROM no_such_table WHERE token = $1', [request.body.value]),
  );
};

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ extraRoutes: [driverRoutes], logger: createLogger('info', 'test', sink) });
});
afterAll(async () => {
  await api?.close();
});

describe('NUL characters', () => {
  it('in a JSON body (value or key, at any depth) is a 400 naming the field, and nothing is stored', async () => {
    const created = await api.call('POST', '/api/v1/customers', { name: 'Acme\u0000 Ltd' });
    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'body.name', message: 'must not contain a NUL character (U+0000)' }] });
    const nested = await api.call('POST', '/api/v1/customers', { name: 'Acme', addresses: [{ street: 'Main\u0000 St' }] });
    expect(nested.body.fields).toEqual([{ field: 'body.addresses.0.street', message: 'must not contain a NUL character (U+0000)' }]);
    const key = await api.call('POST', '/api/v1/customers', { name: 'Acme', customFields: { 'x\u0000y': 1 } });
    expect(key.body.fields).toEqual([{ field: 'body.customFields.x\\u0000y', message: 'must not contain a NUL character (U+0000)' }]);
    expect((await api.db.query(`SELECT 1 FROM customers WHERE name LIKE 'Acme%'`)).rows).toEqual([]);
  });

  it('in any query parameter of any GET route is a 400 naming it, never a 500', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
    };
    let probed = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      const params = (operations.get?.parameters ?? []).filter((p) => p.in === 'query');
      const url = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      for (const { name } of params) {
        const reply = await api.call('GET', `${url}?${name}=a%00b`);
        expect(reply.status, `${path}?${name}`).toBe(400);
        expect(reply.body.fields, `${path}?${name}`).toEqual([{ field: `querystring.${name}`, message: 'must not contain a NUL character (U+0000)' }]);
        probed++;
      }
    }
    expect(probed).toBeGreaterThan(100);
    const pathParam = await api.call('GET', '/api/v1/customers/a%00b');
    expect(pathParam.body.fields).toEqual([{ field: 'params.id', message: 'must not contain a NUL character (U+0000)' }]);
  });
});

describe('database driver errors', () => {
  it('become problem responses with a stable code and no database text', async () => {
    const overflow = await api.call('POST', '/api/v1/test/db/smallint', { value: 99999 });
    expect(overflow.status).toBe(400);
    expect(overflow.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: 'A number is outside the range the database accepts' });
    expect(overflow.headers['content-type']).toContain('application/problem+json');
    const escaped = await api.call('POST', '/api/v1/test/db/jsonb', { value: '{"a":"\\u0000"}' });
    expect(escaped.status).toBe(400);
    expect(escaped.body.detail).toMatch(/cannot store/);
    const syntax = await api.call('POST', '/api/v1/test/db/smallint', { value: SECRET });
    expect(syntax.status).toBe(400);
    expect(JSON.stringify(syntax.body)).not.toContain(SECRET);
    const twice = await api.call('POST', '/api/v1/test/db/duplicate', { value: `twice-${Date.now()}@example.test` });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ code: 'CONFLICT', detail: 'A record with these values already exists' });
  });

  it('are logged without the bound parameters or the values they quote', async () => {
    lines.length = 0;
    const bug = await api.call('POST', '/api/v1/test/db/bug', { value: SECRET });
    expect(bug.status).toBe(500);
    expect(bug.body).toMatchObject({ code: 'INTERNAL', detail: 'An internal error occurred; it has been logged' });
    await api.call('POST', '/api/v1/test/db/smallint', { value: SECRET });
    const logged = lines.join('\n');
    expect(logged).toContain('"code":"42P01"');
    expect(logged).toContain('"code":"22P02"');
    expect(logged).toContain('no_such_table'); // the statement is there to find the bug...
    expect(logged).not.toContain(SECRET); // ...the values are not
    expect(logged).not.toContain('"params"');
  });
});
