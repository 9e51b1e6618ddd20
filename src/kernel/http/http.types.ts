/** Types shared by the app and every route module (kept apart from app.ts to avoid import cycles). */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Principal, Role } from '../caller.js';

export { ALL_ROLES, USER_ROLES, type Principal, type Role } from '../caller.js';

export type ZodApp = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** A feature's routes: registered under /api/v1 with what the feature's module built for them. */
export type RouteModule<D = void> = (app: ZodApp, deps: D) => Promise<void> | void;

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
