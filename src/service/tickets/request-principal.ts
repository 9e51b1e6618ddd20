/**
 * Who is calling, read from the request's principal (set by the authentication hook): role,
 * audit actor, the user id (for technicians' "own" checks) and the customer scope.
 */
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../access/audit/audit.service.js';
import type { Role } from '../../kernel/http/http.types.js';

export interface CallerView {
  readonly role: Role;
  /** The actor id: a user id for signed-in users. */
  readonly id: string;
  /** Customer users only see their own customer's records. */
  readonly customerId: string | undefined;
  readonly actor: Actor;
}

/** Fallback when no principal is set (routes are never reached that way behind the auth hook). */
const FALLBACK_ACTOR: Actor = Object.freeze({ type: 'admin_token', id: 'admin' });

/** A customer principal without a customer id sees nothing rather than everything. */
const NO_CUSTOMER = '00000000-0000-0000-0000-000000000000';

export function actorOf(request: FastifyRequest): Actor {
  return request.principal?.actor ?? FALLBACK_ACTOR;
}

export function callerOf(request: FastifyRequest): CallerView {
  const principal = request.principal;
  const role = principal?.role ?? 'admin';
  const actor = actorOf(request);
  return { role, id: actor.id, customerId: role === 'customer' ? (principal?.customerId ?? NO_CUSTOMER) : undefined, actor };
}
