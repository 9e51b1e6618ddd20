/**
 * buildApp(ctx) returns the Fastify application without listening: main.ts listens, tests use
 * app.inject(). Every route is declared with zod schemas (validation, types and OpenAPI from one
 * contract) and with the roles allowed to call it.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import Fastify from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { registerProblemHandler } from './problem.js';
import { customersRoutes } from '../../customers/customers.routes.js';
import { sitesRoutes } from '../../sites/sites.routes.js';
import { assetsRoutes } from '../../assets/assets.routes.js';
import { devicesRoutes } from '../../devices/devices.routes.js';
import { modelsRoutes } from '../../models/models.routes.js';
import { telemetryRoutes } from '../../ingest/telemetry.routes.js';

import type { Role, RouteModule, ZodApp } from './http.types.js';

export type { Role, RouteModule, ZodApp };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed to call the route. A route without roles is refused (safe default). */
    roles?: readonly Role[];
    /** Public routes (docs, health) skip authentication. */
    public?: boolean;
  }
  interface FastifyRequest {
    principal?: { role: Role; id: string };
  }
}

export const routeModules: readonly RouteModule[] = [
  customersRoutes,
  sitesRoutes,
  assetsRoutes,
  devicesRoutes,
  modelsRoutes,
  telemetryRoutes,
];

export interface BuildAppOptions {
  /** Log requests (off in tests). */
  logger?: boolean | object;
}

export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<ZodApp> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1024 * 1024,
    requestTimeout: 30_000,
    trustProxy: false,
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandler(app);
  // Clients that always send Content-Type: application/json may POST an empty body (provision,
  // rotate, revoke); everything else goes through Fastify's safe JSON parser.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    return jsonParser(request, body as string, done);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Telemend API',
        version: '0.1.0',
        description: 'Service CRM and telemetry API. Authenticate with `Authorization: Bearer <token>`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });

  const adminHash = sha256(ctx.config.TELEMEND_ADMIN_TOKEN);
  app.addHook('onRequest', async (request) => {
    const routeConfig = request.routeOptions.config;
    if (routeConfig.public || request.url.startsWith('/docs') || request.routeOptions.url === undefined) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new AppError('UNAUTHENTICATED', 'Missing bearer token');
    // Until users and roles exist, the admin token is the only credential.
    if (!timingSafeEqual(sha256(match[1]!), adminHash)) throw new AppError('UNAUTHENTICATED', 'Invalid token');
    request.principal = { role: 'admin', id: 'admin' };
    const roles = routeConfig.roles;
    if (!roles || !roles.includes(request.principal.role)) {
      throw new AppError('FORBIDDEN', 'Your role may not call this route');
    }
  });

  app.get('/health', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));

  await app.register(
    async (api) => {
      for (const routes of routeModules) await routes(api as ZodApp, ctx);
    },
    { prefix: '/api/v1' },
  );
  return app;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
