/** The dispatcher console (static web page), served at /console. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../platform/context.js';

export async function registerConsole(_app: FastifyInstance, _ctx: AppContext): Promise<void> {}
