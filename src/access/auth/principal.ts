/**
 * Helpers for handlers and services about who is calling: the principal set by the
 * authentication hook, the customer scope of a `customer` caller, and the key that identifies a
 * principal in rate limits and idempotency records.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../kernel/errors.js';
import type { Principal } from '../../kernel/http/http.types.js';

/**
 * Restricts reads to one customer. Services take it as an optional last argument: with a
 * customerId, lists are filtered to that customer and a single read of another customer's
 * record is NOT_FOUND (404, never 403: a customer must not learn that the id exists).
 */
export interface Scope {
  readonly customerId?: string | undefined;
}

/** No restriction (staff). */
export const UNSCOPED: Scope = Object.freeze({});

/** The principal of an authenticated route; throws UNAUTHENTICATED if the hook did not set one. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED', 'Authentication required');
  return request.principal;
}

/** The scope of a principal: customer users and customer API keys see only their own customer. */
export function scopeOf(principal: Principal): Scope {
  if (principal.role !== 'customer') return UNSCOPED;
  // The authenticator never yields a customer principal without a customerId; fail closed anyway.
  if (!principal.customerId) throw new AppError('FORBIDDEN', 'This account is not linked to a customer');
  return { customerId: principal.customerId };
}

/** Shorthand for handlers: `scopeOf(principalOf(request))`. */
export function requestScope(request: FastifyRequest): Scope {
  return scopeOf(principalOf(request));
}

/** Stable identity of a principal for rate limits and idempotency records: `user:<uuid>`, `api_key:<uuid>`, `admin_token:bootstrap`. */
export function principalKey(principal: Principal): string {
  return `${principal.actor.type}:${principal.actor.id}`;
}
