/**
 * Walks the whole route table: for every route, 401 without credentials; for every role, 403
 * when the role is not declared and no 401/403 when it is (routes open to all roles are thus
 * proven open to each). Routes added later by other features are covered automatically.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedAsset, startApi, type TestApi } from '../api/api-fixture.js';
import { routeTable, type RouteEntry } from '../../src/app/http-app.js';
import { USER_ROLES, type Role, type ZodApp } from '../../src/kernel/http/http.types.js';
import { PASSWORD, userWithRole, type TestUser } from './auth-fixture.js';

let api: TestApi;
const auth = {} as Record<Role, { authorization: string }>;
const users = {} as Record<Role, TestUser>;

/** A route declared without roles, to prove the safe default. */
async function undeclaredRoute(app: ZodApp): Promise<void> {
  app.get('/test/undeclared', async () => ({ reached: true }));
}

beforeAll(async () => {
  api = await startApi({ extraRoutes: [undeclaredRoute] });
  const { customerId } = await seedAsset(api, `walk-${randomUUID().slice(0, 8)}`);
  for (const role of USER_ROLES) {
    users[role] = await userWithRole(api, role, role === 'customer' ? customerId : undefined);
    auth[role] = users[role].auth;
  }
});
afterAll(async () => {
  await api?.close();
});

function urlOf(route: RouteEntry): string {
  return route.url.replace(/:[A-Za-z_]+/g, randomUUID()).replace(/\*$/, 'x');
}

async function call(route: RouteEntry, headers: Record<string, string | undefined>) {
  const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined;
  return api.call(route.method as 'GET', urlOf(route), body, headers);
}

async function signIn(user: TestUser): Promise<{ authorization: string }> {
  const login = await api.call('POST', '/api/v1/auth/login', { email: user.email, password: PASSWORD }, { authorization: undefined });
  expect(login.status).toBe(200);
  return { authorization: `Bearer ${login.body.token as string}` };
}

describe('route table', () => {
  test('is complete and only the expected routes are public', () => {
    const table = routeTable(api.app);
    expect(table.length).toBeGreaterThan(30);
    for (const url of ['/api/v1/users', '/api/v1/api-keys', '/api/v1/customers/:id', '/api/v1/assets/:id/device', '/api/v1/models']) {
      expect(
        table.some((r) => r.url === url),
        url,
      ).toBe(true);
    }
    const publicRoutes = table.filter((r) => r.public).map((r) => r.url);
    // Public: health, login, the API docs and the web interfaces' static files (console, technician
    // app, desk, portal and their shared chunks; their data comes from authenticated API calls).
    const webPage = (url: string) => ['/console', '/app', '/desk', '/portal', '/static'].some((p) => url === p || url.startsWith(`${p}/`));
    // Setting a password from an e-mailed single-use link (invitation, reset) and asking for that link come before any sign-in.
    const accountLinks = ['/api/v1/auth/invitations/accept', '/api/v1/auth/password-reset/request', '/api/v1/auth/password-reset'];
    const allowed = (url: string) => url === '/health' || url === '/api/v1/auth/login' || accountLinks.includes(url) || url.startsWith('/docs') || webPage(url);
    for (const url of publicRoutes) expect(allowed(url), url).toBe(true);
    expect(publicRoutes).toContain('/api/v1/auth/login');
  });

  test('every non-public route: 401 without credentials, 403 for each undeclared role, allowed for each declared role', async () => {
    const routes = routeTable(api.app).filter((r) => !r.public);
    let checks = 0;
    for (const route of routes) {
      const label = `${route.method} ${route.url}`;
      const anonymous = await call(route, { authorization: undefined });
      expect(anonymous.status, `${label} without credentials`).toBe(401);
      if (route.method !== 'HEAD') expect(anonymous.body.code, label).toBe('UNAUTHENTICATED');
      const garbage = await call(route, { authorization: 'Bearer not-a-valid-token-at-all' });
      expect(garbage.status, `${label} with a bad token`).toBe(401);
      for (const role of USER_ROLES) {
        const reply = await call(route, auth[role]);
        if (route.roles.includes(role)) {
          expect([401, 403], `${label} as ${role} (declared) got ${reply.status}`).not.toContain(reply.status);
          // Logout revoked this role's token: sign in again for the routes that follow.
          if (route.url === '/api/v1/auth/logout') auth[role] = await signIn(users[role]!);
        } else {
          expect(reply.status, `${label} as ${role} (not declared)`).toBe(403);
          if (route.method !== 'HEAD') expect(reply.body.code).toBe('FORBIDDEN');
        }
        checks++;
      }
    }
    expect(checks).toBe(routes.length * USER_ROLES.length);
  }, 90_000); // every route × every role: about 280 routes now

  test('the roles matrix of the CRM core routes', () => {
    const rolesOf = (method: string, url: string) => [...(routeTable(api.app).find((r) => r.method === method && r.url === url)?.roles ?? [])].sort();
    const all = [...USER_ROLES].sort();
    // Open to every role (customers are scoped to their own records).
    for (const url of [
      '/api/v1/customers',
      '/api/v1/customers/:id',
      '/api/v1/sites',
      '/api/v1/sites/:id',
      '/api/v1/assets',
      '/api/v1/assets/:id',
      '/api/v1/models',
      '/api/v1/models/:id',
      '/api/v1/auth/me',
    ]) {
      expect(rolesOf('GET', url), url).toEqual(all);
    }
    expect(rolesOf('POST', '/api/v1/customers')).toEqual(['admin', 'agent', 'dispatcher']);
    expect(rolesOf('PATCH', '/api/v1/assets/:id')).toEqual(['admin', 'dispatcher']);
    expect(rolesOf('POST', '/api/v1/assets/:id/device')).toEqual(['admin', 'dispatcher']);
    expect(rolesOf('GET', '/api/v1/devices')).toEqual(['admin', 'agent', 'dispatcher', 'technician']);
    for (const [method, url] of [
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users'],
      ['DELETE', '/api/v1/users/:id'],
      ['POST', '/api/v1/api-keys'],
    ] as const) {
      expect(rolesOf(method, url), url).toEqual(['admin']);
    }
  });

  test('a route that declares no roles is refused to everyone, admin included', async () => {
    expect(routeTable(api.app).find((r) => r.url === '/api/v1/test/undeclared')?.roles).toEqual([]);
    for (const role of USER_ROLES) {
      const reply = await api.call('GET', '/api/v1/test/undeclared', undefined, auth[role]);
      expect(reply.status).toBe(403);
    }
    expect((await api.call('GET', '/api/v1/test/undeclared')).status).toBe(403);
  });
});
