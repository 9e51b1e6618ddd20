/**
 * The web interfaces: the Vite build of the web workspace (web/dist, `npm run build:web`) served
 * by @fastify/static — the dispatcher console at /console, the technician app at /app, the desk
 * at /desk, the customer portal at /portal, and the chunks they share at /static. The files are
 * public routes (`config.public`): they hold no data. Everything a page shows comes from
 * authenticated /api/v1 calls made with the bearer token the user obtains from
 * POST /api/v1/auth/login (kept in sessionStorage).
 *
 * Helmet's CSP (default-src 'self', script-src 'self') applies: the build has no inline script
 * and loads nothing remote. When the build is missing, every page answers 503 with a page that
 * says how to build it, and the log says so once at start-up.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from './context.js';

/** URL prefix of the console. */
export const CONSOLE_PREFIX = '/console';
/** The interfaces of the web workspace: URL prefix = folder in web/dist. */
export const WEB_PAGES = ['console', 'app', 'desk', 'portal'] as const;
/** Shared chunks of the build (hashed names). */
const STATIC = 'static';

/** File types the interfaces serve; anything else is a 404. Segments cannot be `.` or `..`. */
const SERVED = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*(\/[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*)*\.(js|css|svg|html|png|webmanifest|woff2)$/;

/**
 * The folder holding the build: web/dist at the repository root, reached from src/app (tsx) or
 * from the compiled dist/src/app (tsc does not copy static files).
 */
export function webRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '..', '..', 'web', 'dist'), path.resolve(here, '..', '..', '..', 'web', 'dist')];
  return candidates.find((dir) => existsSync(path.join(dir, 'console', 'index.html'))) ?? candidates[0]!;
}

const MISSING_BUILD = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Telemend: web build missing</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em">
<h1>The web interfaces are not built</h1>
<p>This server has no build of the web workspace (web/dist). Run <code>npm run build:web</code>
(or <code>npm test</code> / <code>npm run demo</code>, which build it) and reload.</p></body></html>`;

/** The CSP source of a tile URL template: its origin, `{s}` (subdomain) as a wildcard. */
export function tileOrigin(template: string): string {
  const origin = /^https?:\/\/[^/]+/.exec(template)?.[0] ?? "'self'";
  return origin.replace(/\{s\}/g, '*');
}

export async function registerConsole(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const root = webRoot();
  const built = existsSync(path.join(root, 'console', 'index.html'));
  if (!built) ctx.logger.error({ root }, 'web interfaces not built: /console, /app, /desk and /portal answer 503; run `npm run build:web`');
  const missing = (reply: FastifyReply) => reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(MISSING_BUILD);

  // Encapsulated: reply.sendFile is decorated for these routes only.
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, serve: false, cacheControl: false, etag: true, lastModified: true });
    const config = { public: true, rateLimit: false } as const;
    const schema = { hide: true } as const;
    const send = (reply: FastifyReply, file: string) => (built ? reply.header('cache-control', 'no-cache').sendFile(file) : missing(reply));

    for (const page of WEB_PAGES) {
      scope.get(`/${page}`, { config, schema }, (_request, reply) => send(reply, `${page}/index.html`));
      scope.get(`/${page}/`, { config, schema }, (_request, reply) => send(reply, `${page}/index.html`));
      scope.get<{ Params: { '*': string } }>(`/${page}/*`, { config, schema }, (request, reply) => {
        const file = request.params['*'];
        if (!SERVED.test(file)) return reply.callNotFound();
        return send(reply, `${page}/${file}`);
      });
    }
    // Settings the console needs that are not secret (map tiles, Grafana): public like the files.
    const settings = { mapTiles: ctx.config.CONSOLE_MAP_TILES, mapAttribution: ctx.config.CONSOLE_MAP_ATTRIBUTION, grafanaUrl: ctx.config.GRAFANA_URL ?? null };
    scope.get('/console/config.json', { config, schema }, (_request, reply) => reply.header('cache-control', 'no-cache').send(settings));
    // Hashed shared chunks never change under their name: cached for a year.
    scope.get<{ Params: { '*': string } }>(`/${STATIC}/*`, { config, schema }, (request, reply) => {
      const file = request.params['*'];
      if (!SERVED.test(file) || file.includes('/')) return reply.callNotFound();
      if (!built) return missing(reply);
      return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(`${STATIC}/${file}`);
    });
  });
}
