/**
 * Who is acting, in one type for every path: an HTTP request's authenticated principal, a user's
 * service call, or the platform itself (auto-tickets, preventive generation, sweeps). Services
 * take a `Caller`; routes get theirs from `callerOf(request)` (src/access/auth/principal.ts), which
 * refuses when authentication set no principal: nothing treats a missing caller as an admin.
 */

export const USER_ROLES = ['admin', 'dispatcher', 'technician', 'agent', 'customer'] as const;
export type Role = (typeof USER_ROLES)[number];

/** Every role: for routes open to all signed-in callers (say so explicitly with this constant). */
export const ALL_ROLES: readonly Role[] = USER_ROLES;

/** Recorded in the audit log: a signed-in user, an API key, the bootstrap admin token, or the platform. */
export interface Actor {
  readonly type: 'user' | 'api_key' | 'admin_token' | 'system';
  readonly id: string;
}

export const SYSTEM_ACTOR: Actor = Object.freeze({ type: 'system', id: 'telemend' });

export interface Caller {
  readonly actor: Actor;
  /** The caller's role; absent for the platform's own work (SYSTEM_ACTOR), which role checks do not restrict. */
  readonly role?: Role | undefined;
  /** The signed-in user (technicians' "own visit" checks); absent for API keys and the platform. */
  readonly userId?: string | undefined;
  /** Set for role `customer` only: every read is scoped to this customer. */
  readonly customerId?: string | undefined;
}

/** The caller of an authenticated HTTP request, as the authentication hook sets it: always has a role. */
export interface Principal extends Caller {
  readonly role: Role;
}

/** Stable identity of a caller for rate limits and idempotency records: `user:<uuid>`, `api_key:<uuid>`, `admin_token:bootstrap`. */
export function principalKey(caller: Caller): string {
  return `${caller.actor.type}:${caller.actor.id}`;
}
