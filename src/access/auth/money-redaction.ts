/**
 * Applies the money rule (money.ts) to every response: a preSerialization hook looks up the
 * route's response schema for the status code, compiles it once into a map of where money
 * fields are (object properties, array items, record values, union members merged), and removes
 * each money field the caller's role does not see. It runs before serialisation, so the
 * response schema then validates what is actually sent, and a stored Idempotency-Key response
 * holds no hidden field either. A caller without a principal (public routes) sees no money.
 *
 * Money outside a JSON route response (CSV exports, e-mailed reports) is filtered by its producer
 * with `hiddenMoneyKeys()`.
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { USER_ROLES, type Role } from '../../kernel/http/http.types.js';
import { MONEY_AUDIENCES, moneyFieldOf, seesMoney, type MoneyField } from './money.js';

/** Where the money is in a schema; undefined = nowhere. */
type MoneyMap =
  | { readonly kind: 'money'; readonly field: MoneyField }
  | { readonly kind: 'object'; readonly props: ReadonlyMap<string, MoneyMap> }
  | { readonly kind: 'array'; readonly items: MoneyMap }
  | { readonly kind: 'record'; readonly values: MoneyMap };

const compiled = new WeakMap<object, MoneyMap | null>();

interface Def {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  options?: readonly z.core.$ZodType[];
  left?: z.core.$ZodType;
  right?: z.core.$ZodType;
  items?: readonly z.core.$ZodType[];
  rest?: z.core.$ZodType | null;
  getter?: () => z.core.$ZodType;
}

/** The money map of a zod schema (cached per schema object). */
export function moneyMapOf(schema: z.core.$ZodType): MoneyMap | undefined {
  return compile(schema, new Set());
}

function compile(schema: z.core.$ZodType, visiting: Set<object>): MoneyMap | undefined {
  const cached = compiled.get(schema);
  if (cached !== undefined) return cached ?? undefined;
  if (visiting.has(schema)) return undefined; // a recursive (lazy) schema: its money is found on the way in
  visiting.add(schema);
  const result = compileLayer(schema, visiting);
  visiting.delete(schema);
  compiled.set(schema, result ?? null);
  return result;
}

function compileLayer(schema: z.core.$ZodType, visiting: Set<object>): MoneyMap | undefined {
  const field = moneyFieldOf(schema);
  if (field) return { kind: 'money', field };
  const def = schema._zod.def as unknown as Def;
  const inner = (s: z.core.$ZodType | null | undefined) => (s ? compile(s, visiting) : undefined);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return inner(def.innerType);
    case 'pipe':
      // Handlers return the pipe's input; the output is what the client would send back.
      return inner(def.in);
    case 'lazy':
      return inner(def.getter?.());
    case 'object': {
      const props = new Map<string, MoneyMap>();
      for (const [key, value] of Object.entries(def.shape ?? {})) {
        const map = inner(value);
        if (map) props.set(key, map);
      }
      return props.size ? { kind: 'object', props } : undefined;
    }
    case 'array': {
      const items = inner(def.element);
      return items ? { kind: 'array', items } : undefined;
    }
    case 'tuple': {
      const items = merge([...(def.items ?? []), ...(def.rest ? [def.rest] : [])].map(inner));
      return items ? { kind: 'array', items } : undefined;
    }
    case 'record': {
      const values = inner(def.valueType);
      return values ? { kind: 'record', values } : undefined;
    }
    case 'union':
      return merge((def.options ?? []).map(inner));
    case 'intersection':
      return merge([inner(def.left), inner(def.right)]);
    default:
      return undefined;
  }
}

/** One map covering every alternative (a union's members, an intersection's sides). */
function merge(maps: readonly (MoneyMap | undefined)[]): MoneyMap | undefined {
  const present = maps.filter((m): m is MoneyMap => m !== undefined);
  if (present.length <= 1) return present[0];
  const money = present.find((m) => m.kind === 'money');
  if (money) return money; // money in one alternative: the value is treated as money
  const objects = present.filter((m) => m.kind === 'object');
  const props = new Map<string, MoneyMap>();
  for (const o of objects) {
    for (const [key, map] of o.props) props.set(key, merge([props.get(key), map])!);
  }
  const arrays = present.filter((m) => m.kind === 'array');
  const records = present.filter((m) => m.kind === 'record');
  // Mixed shapes (an object or an array) are rare; each value is walked with the map of its shape.
  if (!arrays.length && !records.length) return { kind: 'object', props };
  if (!objects.length && !records.length) return { kind: 'array', items: merge(arrays.map((a) => a.items))! };
  if (!objects.length && !arrays.length) return { kind: 'record', values: merge(records.map((r) => r.values))! };
  return { kind: 'object', props };
}

/** A copy of `value` without the money fields `role` does not see (undefined role: none seen). */
export function redactMoney(value: unknown, map: MoneyMap, role: Role | undefined): unknown {
  switch (map.kind) {
    case 'money':
      return value;
    case 'array':
      return Array.isArray(value) ? value.map((v) => redactMoney(v, map.items, role)) : value;
    case 'record':
      if (!isPlainObject(value)) return value;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactMoney(v, map.values, role)]));
    case 'object': {
      if (!isPlainObject(value)) return value;
      const out: Record<string, unknown> = { ...value };
      for (const [key, child] of map.props) {
        if (!(key in out)) continue;
        if (child.kind === 'money') {
          if (role === undefined || !seesMoney(role, child.field)) delete out[key];
        } else {
          out[key] = redactMoney(out[key], child, role);
        }
      }
      return out;
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The top-level keys of an object schema that `role` must not see (CSV columns, e-mailed rows). */
export function hiddenMoneyKeys(schema: z.core.$ZodType, role: Role | undefined): string[] {
  const map = moneyMapOf(schema);
  if (!map || map.kind !== 'object') return [];
  return [...map.props].filter(([, m]) => m.kind === 'money' && (role === undefined || !seesMoney(role, m.field))).map(([k]) => k);
}

/** The response schema of a route for a status code ('200', then '2xx', then 'default'). */
function responseSchema(responses: unknown, status: number): z.core.$ZodType | undefined {
  if (!responses || typeof responses !== 'object') return undefined;
  const table = responses as Record<string, unknown>;
  const schema = table[String(status)] ?? table[`${String(status)[0]}xx`] ?? table.default;
  return schema && typeof schema === 'object' && '_zod' in schema ? (schema as z.core.$ZodType) : undefined;
}

/** Roles in every audience (admin): their responses are sent as they are, without a copy. */
const SEES_ALL = new Set<Role>(USER_ROLES.filter((role) => Object.values(MONEY_AUDIENCES).every((roles) => (roles as readonly Role[]).includes(role))));

/** Adds the hook that removes, from every route's response, the money the caller may not see. */
export function registerMoneyRedaction(app: FastifyInstance): void {
  app.addHook('preSerialization', async (request, reply, payload) => {
    if (request.principal && SEES_ALL.has(request.principal.role)) return payload;
    const schema = responseSchema(request.routeOptions.schema?.response, reply.statusCode);
    const map = schema ? moneyMapOf(schema) : undefined;
    if (!map) return payload;
    return redactMoney(payload, map, request.principal?.role);
  });
}
