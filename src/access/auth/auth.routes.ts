/**
 * POST /api/v1/auth/login (public; limited per client IP, per account and per both, in Redis,
 * with bounded password hashing: login-limiter.ts), POST /api/v1/auth/logout and GET /api/v1/auth/me.
 * A wrong e-mail, a wrong password, an inactive user and a user without a password all answer
 * the same 401, after the same scrypt work.
 */
import { z } from 'zod';
import type { Database } from '../../kernel/db/database.js';
import { AppError } from '../../kernel/errors.js';
import { ALL_ROLES, type ZodApp } from '../../kernel/http/http.types.js';
import { UsersRepository } from '../users/users.repository.js';
import { toUser, type UsersService } from '../users/users.service.js';
import type { LoginLimiter, LoginLimits } from './login-limiter.js';
import { principalOf } from './principal.js';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './password.js';
import { issueToken } from './tokens.js';
import { loginBody, loginResponse, meResponse } from './auth.schemas.js';

const tags = ['auth'];

export interface AuthRoutesDeps {
  readonly db: Database;
  readonly users: UsersService;
  /** Shared by every request of this process (its hashing bound is per process). */
  readonly limiter: LoginLimiter;
  /** The limiter's limits, for the API documentation. */
  readonly limits: LoginLimits;
  /** TELEMEND_TOKEN_TTL_SECONDS, for the API documentation. */
  readonly tokenTtlSeconds: number;
}

export async function authRoutes(app: ZodApp, deps: AuthRoutesDeps): Promise<void> {
  const users = new UsersRepository();
  const { db, limiter, limits } = deps;
  const usersService = deps.users;

  app.post(
    '/auth/login',
    {
      // The global per-IP limit still applies; the login limits come on top, in the handler
      // (after validation, so the e-mail is known).
      config: { public: true, idempotency: false },
      schema: {
        tags,
        summary: 'Sign in with e-mail and password',
        description:
          `Returns a bearer token valid ${deps.tokenTtlSeconds} s. At most ${limits.perIpAndAccountPerMinute} attempts per minute per client and e-mail, ` +
          `${limits.perIpPerMinute} per minute per client and ${limits.perAccountPerHour} per hour per e-mail (then 429 with Retry-After).`,
        security: [],
        body: loginBody,
        response: { 200: loginResponse },
      },
    },
    async (request, reply) => {
      await limiter.attempt(request.ip, request.body.email);
      const user = await users.findByEmail(db, request.body.email);
      const hash = user?.active && user.password_hash ? user.password_hash : DUMMY_PASSWORD_HASH;
      const valid = await limiter.hash(() => verifyPassword(request.body.password, hash));
      if (!valid || hash === DUMMY_PASSWORD_HASH || !user) throw new AppError('UNAUTHENTICATED', 'Invalid e-mail or password');
      const { token, expiresAt } = issueToken(app, user.id, user.token_version);
      return reply.header('cache-control', 'no-store').send({ token, tokenType: 'Bearer' as const, expiresAt: expiresAt.toISOString(), user: toUser(user) });
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { roles: ALL_ROLES },
      schema: {
        tags,
        summary: 'Sign out: revoke every login token of the signed-in user',
        description:
          'Every token of the user stops working at once, on every device (the user’s token version is bumped). API keys are revoked with POST /api-keys/{id}/revoke; the bootstrap admin token cannot be revoked (400).',
        response: { 204: z.null().describe('Signed out') },
      },
    },
    async (request, reply) => {
      const { actor } = principalOf(request);
      if (actor.type !== 'user')
        throw new AppError('VALIDATION_FAILED', 'Only a login token can be signed out; revoke an API key with POST /api/v1/api-keys/{id}/revoke');
      await usersService.revokeTokens(actor.id, actor);
      return reply.status(204).send(null);
    },
  );

  app.get('/auth/me', { config: { roles: ALL_ROLES }, schema: { tags, summary: 'Who am I', response: { 200: meResponse } } }, async (request) => {
    const principal = principalOf(request);
    const user = principal.actor.type === 'user' ? await users.find(db, principal.actor.id) : undefined;
    return { role: principal.role, actor: { ...principal.actor }, customerId: principal.customerId ?? null, user: user ? toUser(user) : null };
  });
}
