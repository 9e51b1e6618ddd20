/** Types shared by the app and every route module (kept apart from app.ts to avoid import cycles). */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../app/context.js';
import type { Actor } from '../../access/audit/audit.service.js';

export const USER_ROLES = ['admin', 'dispatcher', 'technician', 'agent', 'customer'] as const;
export type Role = (typeof USER_ROLES)[number];

/** Every role: for routes open to all signed-in callers (say so explicitly with this constant). */
export const ALL_ROLES: readonly Role[] = USER_ROLES;

/** Who is calling, resolved by the authentication hook for every non-public route. */
export interface Principal {
  readonly role: Role;
  /** Recorded in the audit log and used to key idempotency records and rate limits. */
  readonly actor: Actor;
  /** Set for role `customer` only: every read is scoped to this customer. */
  readonly customerId?: string | undefined;
}

export type ZodApp = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** A feature's routes: registered under /api/v1 with the shared context. */
export type RouteModule = (app: ZodApp, ctx: AppContext) => Promise<void> | void;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed to call the route. A route without roles is refused with 403 (safe default). */
    roles?: readonly Role[];
    /** Public routes (docs, health, login) skip authentication. */
    public?: boolean;
    /** Reports and exports: concurrency-limited per caller and in all (heavy-work.ts). */
    heavy?: boolean;
    /**
     * POST routes honour an `Idempotency-Key` header unless this is false. Set it to false on
     * routes whose response carries a secret (it would be stored to be replayed).
     */
    idempotency?: boolean;
  }
  interface FastifyRequest {
    /** Set by the authentication hook on every non-public route. */
    principal?: Principal;
  }
}
