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
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import { registerProblemHandler } from './problem.js';
import { registerInputGuard } from './input-guard.js';
import { registerIdempotency } from './idempotency.js';
import { registerHeavyWork } from './heavy-work.js';
import { registerMetrics } from '../metrics/metrics.routes.js';
import { registerAccessControl, routeTable, type RouteEntry } from '../../auth/access-control.js';
import { registerMoneyRedaction } from '../../auth/money-redaction.js';
import { Authenticator } from '../../auth/authenticator.js';
import { ApiKeysService } from '../../auth/api-keys.service.js';
import { principalKey } from '../../auth/principal.js';
import { registerTokens } from '../../auth/tokens.js';
import { authRoutes } from '../../auth/auth.routes.js';
import { apiKeysRoutes } from '../../auth/api-keys.routes.js';
import { usersRoutes } from '../../users/users.routes.js';
import { customersRoutes } from '../../customers/customers.routes.js';
import { sitesRoutes } from '../../sites/sites.routes.js';
import { assetsRoutes } from '../../assets/assets.routes.js';
import { devicesRoutes } from '../../devices/devices.routes.js';
import { modelsRoutes } from '../../models/models.routes.js';
import { telemetryRoutes } from '../../ingest/telemetry.routes.js';
import { contractsRoutes } from '../../contracts/contracts.routes.js';
import { ticketsRoutes } from '../../tickets/tickets.routes.js';
import { visitsRoutes } from '../../visits/visits.routes.js';
import { contactsRoutes } from '../../contacts/contacts.routes.js';
import { activitiesRoutes } from '../../activities/activities.routes.js';
import { knowledgeRoutes } from '../../knowledge/knowledge.routes.js';
import { customFieldsRoutes } from '../../custom-fields/custom-fields.routes.js';
import { customer360Routes } from '../../customers/customer-360.routes.js';
import { alarmsRoutes } from '../../alarms/alarms.routes.js';
import { baselinesRoutes } from '../../baselines/baselines.routes.js';
import { autoTicketsRoutes } from '../../autotickets/autotickets.routes.js';
import { ticketStreamRoutes } from '../../delivery/ticket-stream.routes.js';
import { webhooksRoutes } from '../../delivery/webhooks.routes.js';
import { techniciansRoutes } from '../../technicians/technicians.routes.js';
import { dispatchRoutes } from '../../dispatch/dispatch.routes.js';
import { stockRoutes } from '../../stock/stock.routes.js';
import { invoicingRoutes } from '../../invoicing/invoicing.routes.js';
import { preventiveRoutes } from '../../preventive/preventive.routes.js';
import { opportunitiesRoutes } from '../../opportunities/opportunities.routes.js';
import { notificationsRoutes } from '../../notifications/notifications.routes.js';
import { reportsRoutes } from '../../reports/reports.routes.js';
import { backtestRoutes } from '../../backtest/backtest.routes.js';
import { registerConsole } from '../../console/console.plugin.js';
import { commandsRoutes } from '../../commands/commands.routes.js';
import { brokerHooksRoutes } from '../../external-broker/broker-hooks.routes.js';

import type { Principal, Role, RouteModule, ZodApp } from './http.types.js';

export type { Principal, Role, RouteModule, RouteEntry, ZodApp };
export { routeTable };

export const routeModules: readonly RouteModule[] = [
  authRoutes,
  usersRoutes,
  apiKeysRoutes,
  customersRoutes,
  sitesRoutes,
  assetsRoutes,
  devicesRoutes,
  modelsRoutes,
  telemetryRoutes,
  contractsRoutes,
  ticketsRoutes,
  visitsRoutes,
  contactsRoutes,
  activitiesRoutes,
  knowledgeRoutes,
  customFieldsRoutes,
  customer360Routes,
  alarmsRoutes,
  baselinesRoutes,
  autoTicketsRoutes,
  ticketStreamRoutes,
  webhooksRoutes,
  techniciansRoutes,
  dispatchRoutes,
  stockRoutes,
  invoicingRoutes,
  preventiveRoutes,
  opportunitiesRoutes,
  notificationsRoutes,
  reportsRoutes,
  commandsRoutes,
  brokerHooksRoutes,
  backtestRoutes,
];

export interface BuildAppOptions {
  /** A pino logger for request logs (off when absent, as in tests). */
  logger?: FastifyBaseLogger;
  /** Extra route modules registered under /api/v1 after the built-in ones (tests). */
  extraRoutes?: readonly RouteModule[];
}

export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<ZodApp> {
  const { config } = ctx;
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
        imgSrc: ["'self'", 'data:'],
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
  const authenticator = new Authenticator({ app: root, db: ctx.db, apiKeys: new ApiKeysService(ctx.db), adminToken: config.TELEMEND_ADMIN_TOKEN });
  await registerAccessControl(root, {
    authenticator,
    rateLimitMax: config.HTTP_RATE_LIMIT_MAX,
    rateLimitWindowMs: config.HTTP_RATE_LIMIT_WINDOW_MS,
  });
  if (ctx.metrics) registerMetrics(root, { metrics: ctx.metrics, tokens: [config.METRICS_TOKEN, config.TELEMEND_ADMIN_TOKEN] });
  registerHeavyWork(root, { perCaller: config.REPORT_CONCURRENCY_PER_CALLER, total: config.REPORT_CONCURRENCY });
  // Money the caller's role does not see is removed before serialisation (src/auth/money.ts), so
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
      for (const routes of [...routeModules, ...(options.extraRoutes ?? [])]) await routes(api as ZodApp, ctx);
    },
    { prefix: '/api/v1' },
  );
  await registerConsole(root, ctx);
  return app;
}
