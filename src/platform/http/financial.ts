/**
 * Financial fields (prices, costs, contract values, invoice totals) are never shown to roles in
 * FINANCIAL_HIDDEN_FROM. A route lists the response field names holding money in
 * `config.financialFields`; for those roles every property with one of these names is removed
 * from the JSON response, at any depth (single records, list pages, nested objects). It runs on
 * the serialised response, so response schemas need no change; mark such fields `.optional()`
 * in the schema anyway so the OpenAPI document tells clients they may be absent.
 *
 * Code that builds data outside a route's response (exports, aggregates) calls
 * `redactFinancial(value, fields)` itself when `seesFinancials(role)` is false.
 */
import type { FastifyInstance } from 'fastify';
import type { Role } from './http.types.js';

/** Roles that never see money: the front desk. */
export const FINANCIAL_HIDDEN_FROM: readonly Role[] = ['agent'];

export function seesFinancials(role: Role): boolean {
  return !FINANCIAL_HIDDEN_FROM.includes(role);
}

/** A deep copy of `value` without the properties named in `fields`. */
export function redactFinancial<T>(value: T, fields: readonly string[]): T {
  const names = new Set(fields);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v as Record<string, unknown>)) if (!names.has(k)) out[k] = walk(inner);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

/** Adds the onSend hook that strips `config.financialFields` for roles that must not see them. */
export function registerFinancialRedaction(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const fields = request.routeOptions.config.financialFields;
    const role = request.principal?.role;
    if (!fields || fields.length === 0 || role === undefined || seesFinancials(role)) return payload;
    if (typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').includes('json')) return payload;
    try {
      return JSON.stringify(redactFinancial(JSON.parse(payload), fields));
    } catch {
      // Not JSON after all: refuse rather than leak.
      reply.status(500);
      return JSON.stringify({ type: 'about:blank', title: 'Internal', status: 500, code: 'INTERNAL', detail: 'An internal error occurred; it has been logged' });
    }
  });
}
