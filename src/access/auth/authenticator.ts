/**
 * Resolves the credentials of a request to a principal:
 * - `Authorization: Bearer <TELEMEND_ADMIN_TOKEN>` → admin (actor admin_token, the bootstrap credential);
 * - `Authorization: Bearer tmk_...` or `X-Api-Key: tmk_...` → the API key's role (actor api_key);
 * - `Authorization: Bearer <login token>` → the user's current role, read from the database on
 *   every request (one primary-key read, the same row that holds the token version, so no cache
 *   is needed and no process can serve a revoked token from a stale copy): a token whose `ver`
 *   is not the user's current token version (password, role or customer changed, deactivated,
 *   logged out) is refused, and so is an inactive user (actor user).
 * Anything else is a failure with a reason that is safe to show.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../kernel/db/database.js';
import type { Principal } from '../../kernel/caller.js';
import { UsersRepository } from '../users/users.repository.js';
import type { ApiKeysService } from './api-keys.service.js';
import { verifyToken } from './tokens.js';

export type Authentication = { ok: true; principal: Principal } | { ok: false; reason: string };

export const ADMIN_ACTOR_ID = 'bootstrap';

export interface AuthenticatorOptions {
  app: Pick<FastifyInstance, 'jwt'>;
  db: Database;
  apiKeys: ApiKeysService;
  adminToken: string;
}

export class Authenticator {
  private readonly adminHash: Buffer;
  private readonly users = new UsersRepository();

  constructor(private readonly options: AuthenticatorOptions) {
    this.adminHash = sha256(options.adminToken);
  }

  async authenticate(headers: { authorization?: string | undefined; 'x-api-key'?: string | string[] | undefined }): Promise<Authentication> {
    const apiKeyHeader = headers['x-api-key'];
    if (headers.authorization !== undefined) {
      const match = /^Bearer +(\S+) *$/i.exec(headers.authorization);
      if (!match) return fail('The Authorization header must be "Bearer <token>"');
      if (apiKeyHeader !== undefined) return fail('Send either Authorization or X-Api-Key, not both');
      return this.bearer(match[1]!);
    }
    if (apiKeyHeader !== undefined) {
      if (typeof apiKeyHeader !== 'string') return fail('Send one X-Api-Key header');
      return this.apiKey(apiKeyHeader.trim());
    }
    return fail('Missing credentials: send Authorization: Bearer <token> or X-Api-Key');
  }

  private async bearer(token: string): Promise<Authentication> {
    if (token.startsWith('tmk_')) return this.apiKey(token);
    if (timingSafeEqual(sha256(token), this.adminHash)) {
      return { ok: true, principal: { role: 'admin', actor: { type: 'admin_token', id: ADMIN_ACTOR_ID } } };
    }
    const claims = verifyToken(this.options.app, token);
    if (!claims) return fail('Invalid or expired token');
    const user = /^[0-9a-f-]{36}$/i.test(claims.sub) ? await this.users.find(this.options.db, claims.sub) : undefined;
    if (!user || !user.active || (claims.ver ?? 1) !== user.token_version) return fail('Invalid or expired token');
    return { ok: true, principal: { role: user.role, actor: { type: 'user', id: user.id }, customerId: user.customer_id ?? undefined } };
  }

  private async apiKey(key: string): Promise<Authentication> {
    const principal = await this.options.apiKeys.authenticate(key);
    return principal ? { ok: true, principal } : fail('Invalid or revoked API key');
  }
}

function fail(reason: string): Authentication {
  return { ok: false, reason };
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
