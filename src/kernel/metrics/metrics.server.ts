/**
 * The metrics listener of the roles without the HTTP API (broker, worker): GET /metrics on
 * METRICS_HOST:METRICS_PORT (loopback by default), nothing else. node:http is enough for one route.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerMatches } from './metrics-access.js';
import type { PlatformMetrics } from './metrics.js';

export interface MetricsServerOptions {
  metrics: PlatformMetrics;
  host: string;
  /** 0 = a free port. */
  port: number;
  /** METRICS_TOKEN; unset = no token asked (config.ts allows that on loopback only). */
  token: string | undefined;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (options.token && !bearerMatches(request.headers.authorization, [options.token])) {
      response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' }).end('unauthorized\n');
      return;
    }
    options.metrics.exposition().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
