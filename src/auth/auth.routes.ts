/**
 * POST /api/v1/auth/login (public, rate-limited per client IP and e-mail) and GET /api/v1/auth/me.
 * A wrong e-mail, a wrong password, an inactive user and a user without a password all answer
 * the same 401, after the same scrypt work.
 */
import type { AppContext } from '../platform/context.js';
import { AppError } from '../platform/errors.js';
import { ALL_ROLES, type ZodApp } from '../platform/http/http.types.js';
import { UsersRepository } from '../users/users.repository.js';
import { toUser } from '../users/users.service.js';
import { principalOf } from './principal.js';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './password.js';
import { issueToken } from './tokens.js';
import { loginBody, loginResponse, meResponse } from './auth.schemas.js';

const tags = ['auth'];

export async function authRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const users = new UsersRepository();

  app.post(
    '/auth/login',
    {
      config: {
        public: true,
        idempotency: false,
        rateLimit: {
          max: ctx.config.TELEMEND_LOGIN_ATTEMPTS_PER_MINUTE,
          timeWindow: 60_000,
          // After validation, so the e-mail is known: attempts are counted per IP and e-mail.
          hook: 'preHandler',
          keyGenerator: (request) => `login:${request.ip}:${String((request.body as { email?: unknown } | undefined)?.email ?? '').toLowerCase()}`,
        },
      },
      schema: {
        tags,
        summary: 'Sign in with e-mail and password',
        description: `Returns a bearer token valid ${ctx.config.TELEMEND_TOKEN_TTL_SECONDS} s. At most ${ctx.config.TELEMEND_LOGIN_ATTEMPTS_PER_MINUTE} attempts per minute per client and e-mail (then 429 with Retry-After).`,
        security: [],
        body: loginBody,
        response: { 200: loginResponse },
      },
    },
    async (request, reply) => {
      const user = await users.findByEmail(ctx.db, request.body.email);
      const hash = user?.active && user.password_hash ? user.password_hash : DUMMY_PASSWORD_HASH;
      const valid = await verifyPassword(request.body.password, hash);
      if (!valid || hash === DUMMY_PASSWORD_HASH || !user) throw new AppError('UNAUTHENTICATED', 'Invalid e-mail or password');
      const { token, expiresAt } = issueToken(app, user.id);
      return reply.header('cache-control', 'no-store').send({ token, tokenType: 'Bearer' as const, expiresAt: expiresAt.toISOString(), user: toUser(user) });
    },
  );

  app.get(
    '/auth/me',
    { config: { roles: ALL_ROLES }, schema: { tags, summary: 'Who am I', response: { 200: meResponse } } },
    async (request) => {
      const principal = principalOf(request);
      const user = principal.actor.type === 'user' ? await users.find(ctx.db, principal.actor.id) : undefined;
      return { role: principal.role, actor: { ...principal.actor }, customerId: principal.customerId ?? null, user: user ? toUser(user) : null };
    },
  );
}
