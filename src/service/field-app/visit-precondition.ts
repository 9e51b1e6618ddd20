/**
 * Offline replay safety for a visit's actions. The app queues what the technician does while
 * offline and replays it in order; each action carries the visit's version it was taken on
 * (`If-Match: "<version>"`). When the office changed the visit meanwhile (moved, handed to someone
 * else, cancelled), the action is refused with 412 and the problem carries the CURRENT visit
 * (`current`), so the app can show both versions instead of overwriting anything.
 *
 * Every successful action answers `Visit-ETag` (the visit's version after it), which the app sends
 * as If-Match of the next queued action on that visit. A replay of an action already applied is
 * answered from the Idempotency-Key record before this check runs, so it never conflicts with
 * itself.
 *
 * The check runs before the handler (outside its transaction): the routes that already compare
 * versions in their transaction (PATCH /visits/{id}) still refuse a change that slips in between.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Queryable } from '../../kernel/db/database.js';
import { AppError } from '../../kernel/errors.js';
import { etagOf, parseIfMatch } from '../../kernel/http/etag.js';
import { callerOf } from '../../access/auth/principal.js';
import type { VisitsService } from '../visits/visits.service.js';

export const VISIT_ETAG_HEADER = 'visit-etag';

/** The visit actions of the technician app (route patterns under /api/v1, any writing method). */
const VISIT_ACTIONS = new Set([
  '/visits/:id',
  '/visits/:id/en-route',
  '/visits/:id/eta',
  '/visits/:id/labour',
  '/visits/:id/parts',
  '/visits/:id/attachments',
  '/visits/:id/acceptance',
  '/visits/:id/close',
  '/visits/:id/checklist/:itemId',
]);

function visitIdOf(request: FastifyRequest): string | undefined {
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  const url = request.routeOptions.url?.replace(/^\/api\/v1/, '');
  if (!url || !VISIT_ACTIONS.has(url)) return undefined;
  const id = (request.params as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) ? id : undefined;
}

async function versionOf(db: Queryable, id: string): Promise<number | undefined> {
  const { rows } = await db.query<{ version: number }>('SELECT version FROM visits WHERE id = $1', [id]);
  return rows[0]?.version;
}

export function registerVisitPreconditions(app: FastifyInstance, deps: { db: Queryable; visits: VisitsService }): void {
  app.addHook('preHandler', async (request) => {
    const id = visitIdOf(request);
    const ifMatch = parseIfMatch(request.headers['if-match']);
    if (!id || ifMatch === undefined || ifMatch === '*') return;
    const version = await versionOf(deps.db, id);
    if (version === undefined || ifMatch.includes(version)) return; // unknown visit: the route answers 404
    const current = await deps.visits.get(id, callerOf(request)).catch(() => undefined);
    if (!current) return;
    // Prices are no business of the app (and problems are not filtered by the money redaction).
    const parts = current.parts.map(({ unitPrice: _price, ...part }) => part);
    throw new AppError('PRECONDITION_FAILED', `Visit ${id} was changed (current version ${version}); compare with current and decide`, {
      currentVersion: version,
      current: { ...current, parts },
    });
  });

  // Set before serialisation so an Idempotency-Key record keeps it with the first answer.
  app.addHook('preSerialization', async (request, reply, payload) => {
    const id = visitIdOf(request);
    if (!id || reply.statusCode < 200 || reply.statusCode >= 300) return payload;
    const version = await versionOf(deps.db, id);
    if (version !== undefined) reply.header(VISIT_ETAG_HEADER, etagOf(version));
    return payload;
  });
}
