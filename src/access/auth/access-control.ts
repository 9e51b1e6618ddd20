/**
 * Who may call what, wired into Fastify:
 * 1. onRoute: every route is recorded in the route table (for the route-walking test and
 *    introspection); Swagger UI's routes under /docs are marked public.
 * 2. onRequest: the credentials of a non-public route are resolved to `request.principal`
 *    (a failure is remembered, not thrown yet, so that it still counts against the rate limit).
 * 3. onRequest (route level, @fastify/rate-limit): a limit per principal, or per client IP for
 *    requests without valid credentials; 429 problem with Retry-After.
 * 4. preParsing: 401 without valid credentials, 403 when the route's `config.roles` does not
 *    include the principal's role, and 403 for a route that declares no roles (safe default).
 *    Nothing of the body is read before this check.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';
import { AppError } from '../../kernel/errors.js';
import type { Role } from '../../kernel/caller.js';
import type { Authenticator } from './authenticator.js';
import { principalKey } from './principal.js';

/** One row of the route table. */
export interface RouteEntry {
  readonly method: HTTPMethods;
  readonly url: string;
  readonly public: boolean;
  /** Declared roles; empty = nobody (refused with 403). */
  readonly roles: readonly Role[];
}

const tables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route registered on `app` (and its children) after registerAccessControl ran. */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return tables.get(app) ?? [];
}

export interface AccessControlOptions {
  authenticator: Authenticator;
  /** Requests per principal (or IP) per window; 0 disables the global limit. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
}

const failures = new WeakMap<FastifyRequest, string>();

export async function registerAccessControl(app: FastifyInstance, options: AccessControlOptions): Promise<void> {
  const table: RouteEntry[] = [];
  tables.set(app, table);
  app.addHook('onRoute', (route) => {
    route.config ??= {};
    if (route.url.startsWith('/docs')) route.config.public = true;
    for (const method of [route.method].flat()) {
      table.push({ method, url: route.url, public: route.config.public === true, roles: route.config.roles ?? [] });
    }
  });

  app.addHook('onRequest', async (request) => {
    if (isPublic(request)) return;
    const result = await options.authenticator.authenticate({
      authorization: request.headers.authorization,
      'x-api-key': request.headers['x-api-key'],
    });
    if (result.ok) request.principal = result.principal;
    else failures.set(request, result.reason);
  });

  await app.register(rateLimit, {
    global: options.rateLimitMax > 0,
    max: options.rateLimitMax,
    timeWindow: options.rateLimitWindowMs,
    keyGenerator: (request) => (request.principal ? `principal:${principalKey(request.principal)}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', `Too many requests; retry in ${Math.max(1, Math.ceil(context.ttl / 1000))} s`, {
        retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
      }),
  });

  app.addHook('preParsing', async (request) => {
    if (isPublic(request)) return;
    const principal = request.principal;
    if (!principal) throw new AppError('UNAUTHENTICATED', failures.get(request) ?? 'Authentication required');
    const roles = request.routeOptions.config.roles;
    if (!roles || !roles.includes(principal.role)) throw new AppError('FORBIDDEN', `Role ${principal.role} may not call this route`);
  });
}

/** Public routes, and requests that matched no route (they get the 404 handler). */
function isPublic(request: FastifyRequest): boolean {
  return request.routeOptions.config.public === true || request.routeOptions.url === undefined;
}
