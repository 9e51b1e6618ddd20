/** The concurrency limits of heavy routes (reports, exports): per caller (429) and in all (503), slots given back. */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerHeavyWork } from '../../src/kernel/http/heavy-work.js';
import { registerProblemHandler } from '../../src/kernel/http/problem.js';

let app: FastifyInstance;
let gates: Array<() => void>;

beforeEach(async () => {
  gates = [];
  app = Fastify();
  registerProblemHandler(app);
  // Stand-in for authentication: the caller is named by a header.
  app.addHook('onRequest', async (request) => {
    request.principal = { role: 'dispatcher', actor: { type: 'user', id: String(request.headers['x-caller']) } };
  });
  registerHeavyWork(app, { perCaller: 1, total: 2 });
  // The handler waits until the test opens its gate, so the slot stays taken meanwhile.
  app.get('/heavy', { config: { heavy: true } }, async () => {
    await new Promise<void>((resolve) => gates.push(resolve));
    return { ok: true };
  });
  app.get('/light', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  for (const open of gates) open();
  await app.close();
});

const url = () => `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
const call = async (caller: string, path = '/heavy') => {
  const res = await fetch(`${url()}${path}`, { headers: { 'x-caller': caller } });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
};
const until = async (predicate: () => boolean) => {
  while (!predicate()) await new Promise((r) => setTimeout(r, 5));
};

describe('heavy routes', () => {
  it('refuses a caller over its limit with 429, everyone over the total with 503, and gives slots back', async () => {
    const a = call('a');
    const b = call('b');
    await until(() => gates.length === 2);
    expect(await call('a')).toMatchObject({ status: 429, retryAfter: '1', body: { code: 'RATE_LIMITED', limit: 1 } });
    expect(await call('c')).toMatchObject({ status: 503, retryAfter: '2', body: { code: 'SERVER_BUSY', limit: 2 } });
    expect((await call('c', '/light')).status).toBe(200); // other routes are not limited
    gates.shift()!();
    expect((await a).status).toBe(200);
    const c = call('c');
    await until(() => gates.length === 2);
    for (const open of gates.splice(0)) open();
    expect([(await b).status, (await c).status]).toEqual([200, 200]);
  });

  it('gives the slot back when the client goes away', async () => {
    const controller = new AbortController();
    const gone = fetch(`${url()}/heavy`, { headers: { 'x-caller': 'a' }, signal: controller.signal }).catch(() => 'aborted');
    await until(() => gates.length === 1);
    controller.abort();
    expect(await gone).toBe('aborted');
    await new Promise((r) => setTimeout(r, 50));
    const again = call('a');
    await until(() => gates.length === 2);
    gates[1]!();
    expect((await again).status).toBe(200);
  });
});
