/** Types shared by the app and every route module (kept apart from app.ts to avoid import cycles). */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';

export type Role = 'admin' | 'dispatcher' | 'technician' | 'agent' | 'customer';

export type ZodApp = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** A feature's routes: registered under /api/v1 with the shared context. */
export type RouteModule = (app: ZodApp, ctx: AppContext) => Promise<void> | void;
