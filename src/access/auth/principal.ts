/**
 * Helpers for handlers and services about who is calling: the principal set by the
 * authentication hook, the customer scope of a `customer` caller, and the key that identifies a
 * principal in rate limits and idempotency records.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../kernel/errors.js';
import type { Actor, Principal } from '../../kernel/caller.js';

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

/** A customer principal without a customer id sees nothing rather than everything. */
const NO_CUSTOMER = '00000000-0000-0000-0000-000000000000';

/**
 * The caller of an authenticated route, for services: role, audit actor, user id (technicians'
 * "own" checks) and customer scope. Throws UNAUTHENTICATED when no principal is set: a route
 * reached without one (misconfigured as public) fails closed instead of acting as an admin.
 */
export function callerOf(request: FastifyRequest): Principal {
  const principal = principalOf(request);
  const customerId = principal.role === 'customer' ? (principal.customerId ?? NO_CUSTOMER) : undefined;
  return { role: principal.role, actor: principal.actor, userId: principal.actor.id, customerId };
}

/** The audit actor of an authenticated route (UNAUTHENTICATED when none). */
export function actorOf(request: FastifyRequest): Actor {
  return principalOf(request).actor;
}

export { principalKey } from '../../kernel/caller.js';
