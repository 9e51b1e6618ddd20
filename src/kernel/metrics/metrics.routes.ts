/**
 * The API's side of the metrics: request latency by route pattern (`/api/v1/tickets/:id`, never
 * the raw URL, so ids do not explode the series) and `GET /metrics` for the scraper.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { bearerMatches } from './metrics-access.js';
import type { PlatformMetrics } from './metrics.js';

export interface MetricsRouteOptions {
  metrics: PlatformMetrics;
  /** METRICS_TOKEN (optional) and TELEMEND_ADMIN_TOKEN: the bearers allowed to scrape. */
  tokens: readonly (string | undefined)[];
}

export function registerMetrics(app: FastifyInstance, options: MetricsRouteOptions): void {
  const { metrics } = options;
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  // Public for the authentication hooks (the scrape token is not a user credential): checked here.
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    if (!bearerMatches(request.headers.authorization, options.tokens)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new AppError('UNAUTHENTICATED', 'Send Authorization: Bearer <METRICS_TOKEN>');
    }
    const { contentType, body } = await metrics.exposition();
    return reply.type(contentType).send(body);
  });
}
