/** SQL for customers. Methods take the Queryable to run on, so a service can compose a transaction. */
import type { Queryable } from '../platform/db/database.js';
import { keyset, likePattern, toPage, type Page, type SortColumn } from '../platform/http/pagination.js';
import type { CreateCustomer, ListCustomers, UpdateCustomer } from './customers.schemas.js';

export interface CustomerRow {
  id: string;
  name: string;
  code: string | null;
  email: string | null;
  phone: string | null;
  notes: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const SELECT = 'SELECT c.id, c.name, c.code, c.email, c.phone, c.notes, c.version, c.created_at, c.updated_at FROM customers c';

const SORT_COLUMNS: Record<string, SortColumn> = {
  name: { expr: 'lower(c.name)', type: 'text' },
  createdAt: { expr: 'c.created_at', type: 'timestamptz' },
  updatedAt: { expr: 'c.updated_at', type: 'timestamptz' },
};

/** API field → column, for PATCH. */
const UPDATABLE: Record<keyof UpdateCustomer, string> = {
  name: 'name',
  code: 'code',
  email: 'email',
  phone: 'phone',
  notes: 'notes',
};

export class CustomersRepository {
  async insert(q: Queryable, input: CreateCustomer): Promise<CustomerRow> {
    const { rows } = await q.query<CustomerRow>(
      `INSERT INTO customers (name, code, email, phone, notes) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, name, code, email, phone, notes, version, created_at, updated_at`,
      [input.name, input.code ?? null, input.email ?? null, input.phone ?? null, input.notes ?? null],
    );
    return rows[0]!;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<CustomerRow | undefined> {
    const { rows } = await q.query<CustomerRow>(`${SELECT} WHERE c.id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  }

  async exists(q: Queryable, id: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM customers WHERE id = $1', [id]);
    return rows.length > 0;
  }

  /** Applies the fields present in `patch`, bumps version and updated_at. */
  async update(q: Queryable, id: string, patch: UpdateCustomer): Promise<CustomerRow> {
    const params: unknown[] = [id];
    const sets: string[] = [];
    for (const [field, column] of Object.entries(UPDATABLE)) {
      const value = patch[field as keyof UpdateCustomer];
      if (value === undefined) continue;
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    }
    const { rows } = await q.query<CustomerRow>(
      `UPDATE customers SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')} WHERE id = $1
       RETURNING id, name, code, email, phone, notes, version, created_at, updated_at`,
      params,
    );
    return rows[0]!;
  }

  async list(q: Queryable, query: ListCustomers): Promise<Page<CustomerRow>> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.q !== undefined) {
      params.push(likePattern(query.q));
      where.push(`c.name ILIKE $${params.length}`);
    }
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 'c.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<CustomerRow & { sort_key: string }>(
      `SELECT c.id, c.name, c.code, c.email, c.phone, c.notes, c.version, c.created_at, c.updated_at, ${page.sortKeySelect}
       FROM customers c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }
}
