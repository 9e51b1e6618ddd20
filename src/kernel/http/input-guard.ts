/**
 * One check for every route, before validation: no string in the query, the path parameters or
 * the body (values or keys, at any depth) may contain a NUL character. PostgreSQL text cannot
 * hold U+0000 (and jsonb refuses \u0000), so such a request used to reach the database and fail
 * there with a 500; it is a 400 VALIDATION_FAILED naming the field instead. Checked once here
 * rather than in each of the hundreds of zod string schemas.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

const NUL = '\u0000';
/** Deeper than any contract nests; a body nested further is refused by the schemas anyway. */
const MAX_DEPTH = 64;

/** The path of the first string (or key) holding a NUL, e.g. `body.lines.0.sku`; undefined when clean. */
export function findNul(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes(NUL) ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || Buffer.isBuffer(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], `${path}.${i}`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes(NUL)) return `${path}.${key.replaceAll(NUL, '\\u0000')}`;
    const found = findNul(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function registerInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const field = findNul(request.params, 'params') ?? findNul(request.query, 'querystring') ?? findNul(request.body, 'body');
    if (field) {
      const message = 'must not contain a NUL character (U+0000)';
      throw new AppError('VALIDATION_FAILED', `Invalid request: ${field}: ${message}`, { fields: [{ field, message }] });
    }
  });
}
