/**
 * `Idempotency-Key` on POST routes: a retried request returns the first response instead of
 * doing the work twice.
 *
 * - Applies to authenticated POST routes that send the header, unless the route sets
 *   `config.idempotency: false` (responses carrying secrets: they would be stored), and to PUT,
 *   PATCH and DELETE routes that opt in with `config.idempotency: true` (the technician app's
 *   visit actions, replayed from its offline queue).
 * - Records are keyed by (principal, method + path, key), so keys of different callers and of
 *   different resources never collide.
 * - Before the handler runs, a pending row is inserted: the primary key is the lock. A concurrent
 *   duplicate finds the pending row and gets 409 CONFLICT (Retry-After: 1) instead of creating twice.
 * - A 2xx response (status, body, Location, ETag, Content-Type) is stored; a retry with the same
 *   body gets it back with `Idempotent-Replayed: true`. Any other outcome releases the key, so
 *   the client may retry. The same key with a different body is IDEMPOTENCY_KEY_REUSED (422).
 * - Records expire after IDEMPOTENCY_TTL_SECONDS; a pending row older than PENDING_TIMEOUT_MS
 *   (its process died) is taken over.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { invalidField } from '../errors.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
/** Keys are 1..255 visible ASCII characters (a UUID is the usual choice). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** A pending record this old belongs to a request that will never finish. */
const PENDING_TIMEOUT_MS = 60_000;
/** Response headers replayed with the body. */
const KEPT_HEADERS = ['location', 'etag', 'content-type', 'cache-control', 'visit-etag'] as const;
/** Methods a route may opt in with `config.idempotency: true` (POST is in by default). */
const OPT_IN_METHODS = new Set(['PUT', 'PATCH', 'DELETE']);
const PENDING = 0;

export interface IdempotencyOptions {
  db: Database;
  /** How long a completed response is replayed, in seconds. */
  ttlSeconds: number;
  /** Identity of the caller, e.g. principalKey(request.principal); undefined skips idempotency. */
  principalOf: (request: FastifyRequest) => string | undefined;
}

interface Claim {
  principal: string;
  route: string;
  key: string;
}

interface StoredResponse {
  body: unknown;
  headers: Record<string, string>;
}

const claims = new WeakMap<FastifyRequest, Claim>();

/** Adds the preHandler (claim or replay) and onSend (store or release) hooks to `app`. */
export function registerIdempotency(app: FastifyInstance, options: IdempotencyOptions): void {
  const { db } = options;

  app.addHook('preHandler', async (request, reply) => {
    const setting = request.routeOptions.config.idempotency;
    if (setting === false || (request.method !== 'POST' && !(setting === true && OPT_IN_METHODS.has(request.method)))) return;
    const raw = request.headers[IDEMPOTENCY_HEADER];
    if (raw === undefined) return;
    const principal = options.principalOf(request);
    if (principal === undefined) return;
    if (typeof raw !== 'string' || !KEY_PATTERN.test(raw)) throw invalidField('headers.idempotency-key', 'must be 1 to 255 visible ASCII characters');
    const claim: Claim = { principal, route: `${request.method} ${request.url.split('?')[0]}`, key: raw };
    const hash = requestHash(request.body);

    const inserted = await db.query(
      `INSERT INTO idempotency_keys (key, principal, route, request_hash, status, response) VALUES ($1, $2, $3, $4, ${PENDING}, '{}')
       ON CONFLICT (principal, route, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = ${PENDING}, response = '{}', created_at = now()
         WHERE (idempotency_keys.status <> ${PENDING} AND idempotency_keys.created_at < now() - make_interval(secs => $5))
            OR (idempotency_keys.status = ${PENDING} AND idempotency_keys.created_at < now() - make_interval(secs => $6))
       RETURNING 1`,
      [claim.key, claim.principal, claim.route, hash, options.ttlSeconds, PENDING_TIMEOUT_MS / 1000],
    );
    if (inserted.rows.length === 1) {
      claims.set(request, claim);
      return;
    }
    const { rows } = await db.query<{ request_hash: string; status: number; response: StoredResponse }>(
      'SELECT request_hash, status, response FROM idempotency_keys WHERE principal = $1 AND route = $2 AND key = $3',
      [claim.principal, claim.route, claim.key],
    );
    const existing = rows[0];
    if (!existing) throw new AppError('CONFLICT', 'A request with this Idempotency-Key just finished; retry', { retryable: true });
    if (existing.request_hash !== hash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request body; use a new key for a new request');
    }
    if (existing.status === PENDING) {
      reply.header('retry-after', '1');
      throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still in progress; retry shortly', { retryable: true });
    }
    return replay(reply, existing.status, existing.response);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = claims.get(request);
    if (!claim) return payload;
    claims.delete(request);
    const where = 'principal = $1 AND route = $2 AND key = $3';
    const params = [claim.principal, claim.route, claim.key];
    const status = reply.statusCode;
    const body = typeof payload === 'string' ? parseJson(payload) : undefined;
    if (status >= 200 && status < 300 && body !== undefined) {
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      const stored: StoredResponse = { body: body.value, headers };
      await db.query(`UPDATE idempotency_keys SET status = $4, response = $5 WHERE ${where}`, [...params, status, JSON.stringify(stored)]);
    } else {
      await db.query(`DELETE FROM idempotency_keys WHERE ${where} AND status = ${PENDING}`, params);
    }
    return payload;
  });

  // A request that never reaches onSend (client gone) must not keep its key pending for a minute.
  app.addHook('onResponse', async (request) => {
    const claim = claims.get(request);
    if (!claim) return;
    claims.delete(request);
    await db.query(`DELETE FROM idempotency_keys WHERE principal = $1 AND route = $2 AND key = $3 AND status = ${PENDING}`, [
      claim.principal,
      claim.route,
      claim.key,
    ]);
  });
}

function replay(reply: FastifyReply, status: number, stored: StoredResponse): FastifyReply {
  for (const [name, value] of Object.entries(stored.headers)) reply.header(name, value);
  // Sent as the stored JSON text: it was serialised by the route's response schema the first time.
  return reply
    .status(status)
    .header(REPLAYED_HEADER, 'true')
    .type(stored.headers['content-type'] ?? 'application/json; charset=utf-8')
    .send(JSON.stringify(stored.body));
}

/** SHA-256 of the body as canonical JSON (keys sorted), so key order does not matter. */
export function requestHash(body: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(body ?? null))
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}
