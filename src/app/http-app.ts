/**
 * buildApp(ctx) returns the Fastify application without listening: main.ts listens, tests use
 * app.inject(). Every route is declared with zod schemas (validation, types and OpenAPI from one
 * contract) and with the roles allowed to call it (`config.roles`; none declared = 403).
 *
 * The edge, in request order: security headers (helmet) → authentication → rate limit per
 * principal or IP → 401/403 by role → body limit (413) → validation → Idempotency-Key → handler →
 * money redaction by role and field → stored idempotent response. Errors are problem+json without stack
 * traces or internal messages (problem.ts).
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from './context.js';
import { registerProblemHandler } from '../kernel/http/problem.js';
import { registerInputGuard } from '../kernel/http/input-guard.js';
import { registerIdempotency } from '../kernel/http/idempotency.js';
import { registerHeavyWork } from '../kernel/http/heavy-work.js';
import { registerMetrics } from '../kernel/metrics/metrics.routes.js';
import { registerAccessControl, routeTable, type RouteEntry } from '../access/auth/access-control.js';
import { registerMoneyRedaction } from '../access/auth/money-redaction.js';
import { Authenticator } from '../access/auth/authenticator.js';
import { principalKey } from '../access/auth/principal.js';
import { registerTokens } from '../access/auth/tokens.js';
import { registerConsole, tileOrigin } from './console.plugin.js';
import { buildModules, closeModules, type Modules } from './modules.js';

import type { Principal, Role, RouteModule as FeatureRoutes, ZodApp } from '../kernel/http/http.types.js';

/** Routes given the whole application context (tests' extra routes). */
export type RouteModule = FeatureRoutes<AppContext>;
export type { Principal, Role, RouteEntry, ZodApp };
export { routeTable };

export interface BuildAppOptions {
  /** A pino logger for request logs (off when absent, as in tests). */
  logger?: FastifyBaseLogger;
  /** Extra route modules registered under /api/v1 after the built-in ones (tests). */
  extraRoutes?: readonly RouteModule[];
  /** The process's modules when the caller built them already (the platform shares them with the worker). */
  modules?: Modules;
}

export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<ZodApp> {
  const { config } = ctx;
  const modules = options.modules ?? buildModules(ctx);
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: config.HTTP_BODY_LIMIT_BYTES,
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    trustProxy: false,
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandler(app);
  registerInputGuard(app as unknown as FastifyInstance);
  // Clients that always send Content-Type: application/json may POST an empty body (provision,
  // rotate, revoke); everything else goes through Fastify's safe JSON parser.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    return jsonParser(request, body as string, done);
  });

  await app.register(helmet, {
    // Swagger UI at /docs loads only its own scripts and styles (no inline script).
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        // The console's map tiles (CONSOLE_MAP_TILES) come from their own origin.
        imgSrc: ["'self'", 'data:', tileOrigin(config.CONSOLE_MAP_TILES)],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        // The API is served over plain HTTP on loopback by default: do not force https.
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
  });

  const root = app as unknown as FastifyInstance;
  await registerTokens(root, config);
  const authenticator = new Authenticator({ app: root, db: ctx.db, apiKeys: modules.services.apiKeys, adminToken: config.TELEMEND_ADMIN_TOKEN });
  await registerAccessControl(root, {
    authenticator,
    rateLimitMax: config.HTTP_RATE_LIMIT_MAX,
    rateLimitWindowMs: config.HTTP_RATE_LIMIT_WINDOW_MS,
  });
  if (ctx.metrics) registerMetrics(root, { metrics: ctx.metrics, tokens: [config.METRICS_TOKEN, config.TELEMEND_ADMIN_TOKEN] });
  registerHeavyWork(root, { perCaller: config.REPORT_CONCURRENCY_PER_CALLER, total: config.REPORT_CONCURRENCY });
  // Money the caller's role does not see is removed before serialisation (src/access/auth/money.ts), so
  // a stored idempotent response (onSend) holds no hidden field either.
  registerMoneyRedaction(root);
  registerIdempotency(root, {
    db: ctx.db,
    ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
    principalOf: (request) => (request.principal ? principalKey(request.principal) : undefined),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Telemend API',
        version: '0.1.0',
        description:
          'Service CRM and telemetry API. Authenticate with `Authorization: Bearer <token>` (login token, API key or the bootstrap admin token) or `X-Api-Key: <key>`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true, validatorUrl: null } });

  app.get('/health', { config: { public: true, rateLimit: false }, schema: { hide: true } }, async () => ({ status: 'ok' }));

  await app.register(
    async (api) => {
      for (const feature of modules.features) await feature.routes?.(api as ZodApp);
      for (const routes of options.extraRoutes ?? []) await routes(api as ZodApp, ctx);
    },
    { prefix: '/api/v1' },
  );
  // Modules built here (tests) release what they opened with the app; the platform closes its own.
  if (!options.modules) app.addHook('onClose', () => closeModules(modules));
  await registerConsole(root, ctx);
  return app;
}
