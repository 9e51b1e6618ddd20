/**
 * Login tokens: JWTs through @fastify/jwt, signed HS256 and verified with the algorithm list
 * pinned to ['HS256'] (an `alg: none` or RS/ES token is refused, whatever its header says), with
 * issuer, audience and expiry checked. The signing key is TELEMEND_JWT_SECRET, or, when unset,
 * HMAC-SHA256(key = TELEMEND_ADMIN_TOKEN, message = JWT_SECRET_LABEL).
 */
import { createHmac } from 'node:crypto';
import jwt from '@fastify/jwt';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../kernel/config.js';

/** Fixed label of the derived signing key; changing it signs everyone out. */
export const JWT_SECRET_LABEL = 'telemend/jwt-signing-key/v1';
export const TOKEN_ALGORITHM = 'HS256';
export const TOKEN_ISSUER = 'telemend';
export const TOKEN_AUDIENCE = 'telemend-api';

/** Claims of a Telemend login token. */
export interface TokenClaims {
  /** User id. */
  sub: string;
  /**
   * The user's token version when the token was issued; the token is valid only while it is
   * still the user's current one. Absent in tokens issued before versions existed: taken as 1.
   */
  ver?: number;
  iat: number;
  exp: number;
}

export function jwtSecretOf(config: Pick<Config, 'TELEMEND_JWT_SECRET' | 'TELEMEND_ADMIN_TOKEN'>): string {
  return config.TELEMEND_JWT_SECRET ?? createHmac('sha256', config.TELEMEND_ADMIN_TOKEN).update(JWT_SECRET_LABEL).digest('hex');
}

/** Registers @fastify/jwt on the root instance (decorates `app.jwt`). */
export async function registerTokens(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(jwt, {
    secret: jwtSecretOf(config),
    sign: { algorithm: TOKEN_ALGORITHM, expiresIn: config.TELEMEND_TOKEN_TTL_SECONDS, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE },
    verify: { algorithms: [TOKEN_ALGORITHM], allowedIss: TOKEN_ISSUER, allowedAud: TOKEN_AUDIENCE, requiredClaims: ['sub', 'exp'] },
  });
}

/** Signs a token for a user at their current token version (1 for a user never revoked); returns it with its expiry. */
export function issueToken(app: Pick<FastifyInstance, 'jwt'>, userId: string, tokenVersion = 1): { token: string; expiresAt: Date } {
  const token = app.jwt.sign({ sub: userId, ver: tokenVersion });
  const claims = app.jwt.decode<TokenClaims>(token)!;
  return { token, expiresAt: new Date(claims.exp * 1000) };
}

/** The claims of a valid token; undefined for a malformed, forged, `alg: none`, foreign or expired one. */
export function verifyToken(app: Pick<FastifyInstance, 'jwt'>, token: string): TokenClaims | undefined {
  try {
    const claims = app.jwt.verify<TokenClaims>(token);
    if (typeof claims.sub !== 'string' || (claims.ver !== undefined && !Number.isSafeInteger(claims.ver))) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}
