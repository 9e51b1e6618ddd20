/**
 * Keyset (cursor) pagination with a stable sort, for repositories: lists answer
 * `{ items, nextCursor }`. The cursor is opaque to clients: base64url JSON of the sort it was made
 * for, the last row's sort value (as Postgres text, so timestamps keep their microseconds) and the
 * last row's id. Rows are ordered by (sort expression, id), so pages never skip or repeat a row
 * even when sort values tie. The query-string schemas are in src/kernel/http/paging.schemas.ts.
 */
import { z } from 'zod';
import { invalidField } from '../errors.js';

/** Default page size when `limit` is absent. */
export const DEFAULT_PAGE_SIZE = 50;
/** Largest page size a client may ask for. */
export const MAX_PAGE_SIZE = 200;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** How one sortable field maps to SQL. */
export interface SortColumn {
  /** SQL expression ordered on, e.g. `lower(c.name)` or `a.created_at`. */
  readonly expr: string;
  /** Postgres type the cursor value is cast back to. */
  readonly type: 'text' | 'timestamptz';
}

export interface KeysetSpec {
  /** The `sort` query value, e.g. `name` or `-createdAt`. */
  readonly sort: string;
  /** Sortable fields (without `-`) → SQL. */
  readonly columns: Readonly<Record<string, SortColumn>>;
  /** Unique tie-breaker column, e.g. `c.id`. */
  readonly idExpr: string;
  /** Postgres type of the id column. */
  readonly idType: 'uuid' | 'text';
  readonly cursor?: string | undefined;
  readonly limit: number;
}

export interface KeysetSql {
  /** Condition to AND into WHERE (null on the first page). */
  readonly where: string | null;
  /** `ORDER BY` body. */
  readonly orderBy: string;
  /** Select list item exposing the cursor value as `sort_key`. */
  readonly sortKeySelect: string;
  /** `LIMIT` value: one more than the page size, to know whether another page exists. */
  readonly limit: number;
}

interface CursorPayload {
  s: string;
  v: string;
  i: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)?$/;

const invalidCursor = (message: string) => invalidField('query.cursor', message);

function decodeCursor(cursor: string, spec: KeysetSpec, column: SortColumn): CursorPayload {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('not a cursor returned by this list');
  }
  const parsed = z.object({ s: z.string(), v: z.string().max(512), i: z.string().max(128) }).safeParse(payload);
  if (!parsed.success) throw invalidCursor('not a cursor returned by this list');
  const { s, v, i } = parsed.data;
  if (s !== spec.sort) throw invalidCursor(`the cursor was made for sort=${s}; keep the same sort across pages`);
  if (spec.idType === 'uuid' && !UUID.test(i)) throw invalidCursor('not a cursor returned by this list');
  if (column.type === 'timestamptz' && !TIMESTAMP.test(v)) throw invalidCursor('not a cursor returned by this list');
  return parsed.data;
}

/**
 * Builds the keyset SQL for one list query. Cursor values are appended to `params` (so the
 * caller's own filter parameters keep their numbers).
 */
export function keyset(spec: KeysetSpec, params: unknown[]): KeysetSql {
  const descending = spec.sort.startsWith('-');
  const field = descending ? spec.sort.slice(1) : spec.sort;
  const column = spec.columns[field];
  if (!column) throw invalidField('query.sort', `cannot sort by ${field}`);
  const direction = descending ? 'DESC' : 'ASC';
  let where: string | null = null;
  if (spec.cursor !== undefined) {
    const cursor = decodeCursor(spec.cursor, spec, column);
    params.push(cursor.v, cursor.i);
    const op = descending ? '<' : '>';
    where = `(${column.expr}, ${spec.idExpr}) ${op} ($${params.length - 1}::${column.type}, $${params.length}::${spec.idType})`;
  }
  return {
    where,
    orderBy: `${column.expr} ${direction}, ${spec.idExpr} ${direction}`,
    sortKeySelect: `(${column.expr})::text AS sort_key`,
    limit: spec.limit + 1,
  };
}

/** Cuts the extra row fetched by `keyset` and makes the next cursor from the last row kept. */
export function toPage<R extends { sort_key: string; id: string }, T>(
  rows: readonly R[],
  spec: Pick<KeysetSpec, 'sort' | 'limit'>,
  map: (row: R) => T,
): Page<T> {
  const kept = rows.slice(0, spec.limit);
  const last = kept.at(-1);
  const nextCursor =
    rows.length > spec.limit && last
      ? Buffer.from(JSON.stringify({ s: spec.sort, v: last.sort_key, i: last.id } satisfies CursorPayload)).toString('base64url')
      : null;
  return { items: kept.map(map), nextCursor };
}

/** Escapes `%`, `_` and `\` so a user's text is matched literally by (I)LIKE. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
