/**
 * The dispatcher console: a build-free single page (plain ES modules + CSS in web/console) served at
 * /console by @fastify/static. The files are public routes (`config.public`): they hold no data.
 * Everything the page shows comes from authenticated /api/v1 calls made with the bearer token the
 * user obtains from POST /api/v1/auth/login (kept in sessionStorage).
 *
 * Helmet's CSP (default-src 'self', script-src 'self') applies: the page has no inline script or
 * style attribute needs beyond what `style-src 'unsafe-inline'` allows, and loads nothing remote.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.js';

/** URL prefix of the console. */
export const CONSOLE_PREFIX = '/console';

/** File types the console serves; anything else under /console is a 404. */
const SERVED = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*\.(js|css|svg|html)$/;

/**
 * The folder holding the page: web/console at the repository root, reached from src/app (tsx) or
 * from the compiled dist/src/app (tsc does not copy static files).
 */
export function consoleRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '..', '..', 'web', 'console'), path.resolve(here, '..', '..', '..', 'web', 'console')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? candidates[0]!;
}

export async function registerConsole(app: FastifyInstance, _ctx: AppContext): Promise<void> {
  const root = consoleRoot();
  // Encapsulated: reply.sendFile is decorated for these routes only.
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, serve: false, cacheControl: false, etag: true, lastModified: true });
    const config = { public: true, rateLimit: false } as const;
    const schema = { hide: true } as const;

    scope.get(CONSOLE_PREFIX, { config, schema }, (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
    scope.get(`${CONSOLE_PREFIX}/`, { config, schema }, (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
    scope.get<{ Params: { '*': string } }>(`${CONSOLE_PREFIX}/*`, { config, schema }, (request, reply) => {
      const file = request.params['*'];
      if (!SERVED.test(file)) return reply.callNotFound();
      return reply.header('cache-control', 'no-cache').sendFile(file);
    });
  });
}
