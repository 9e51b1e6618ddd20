/** SQL for customers. Methods take the Queryable to run on, so a service can compose a transaction. */
import { patchSet } from '../../kernel/db/patch-set.js';
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, likePattern, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { CustomValues } from '../custom-fields/custom-fields.schemas.js';
import { TIER_COLUMNS, TIER_JOIN } from './customer-tier.js';
import type { CreateCustomer, ListCustomers, UpdateCustomer } from './customers.schemas.js';

export interface CustomerRow {
  id: string;
  name: string;
  code: string | null;
  email: string | null;
  phone: string | null;
  notes: string | null;
  custom: CustomValues;
  /** Tier basis (customer-tier.ts), computed on read. */
  active_contracts: number;
  active_contract_value: number;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `c.id, c.name, c.code, c.email, c.phone, c.notes, c.custom, ${TIER_COLUMNS}, c.version, c.created_at, c.updated_at`;
const SELECT = `SELECT ${COLUMNS} FROM customers c ${TIER_JOIN}`;

const SORT_COLUMNS: Record<string, SortColumn> = {
  name: { expr: 'lower(c.name)', type: 'text' },
  createdAt: { expr: 'c.created_at', type: 'timestamptz' },
  updatedAt: { expr: 'c.updated_at', type: 'timestamptz' },
};

/** API field → column, for PATCH (custom is stored whole, after validation and merge). */
const UPDATABLE: Record<Exclude<keyof UpdateCustomer, 'custom'>, string> = {
  name: 'name',
  code: 'code',
  email: 'email',
  phone: 'phone',
  notes: 'notes',
};

export class CustomersRepository {
  async insert(q: Queryable, input: CreateCustomer, custom: CustomValues = {}): Promise<CustomerRow> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO customers (name, code, email, phone, notes, custom) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [input.name, input.code ?? null, input.email ?? null, input.phone ?? null, input.notes ?? null, JSON.stringify(custom)],
    );
    return (await this.find(q, rows[0]!.id))!;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<CustomerRow | undefined> {
    const { rows } = await q.query<CustomerRow>(`${SELECT} WHERE c.id = $1${options.lock ? ' FOR UPDATE OF c' : ''}`, [id]);
    return rows[0];
  }

  async exists(q: Queryable, id: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM customers WHERE id = $1', [id]);
    return rows.length > 0;
  }

  /** Applies the fields present in `patch`, bumps version and updated_at. */
  async update(q: Queryable, id: string, patch: UpdateCustomer, custom?: CustomValues): Promise<CustomerRow> {
    const { set, params } = patchSet({ ...patch, custom }, { ...UPDATABLE, custom: 'custom' }, { json: new Set(['custom']) });
    await q.query(`UPDATE customers SET ${set} WHERE id = $1`, [id, ...params]);
    return (await this.find(q, id))!;
  }

  /** `customerId` restricts the list to that one customer (customer principals); `customMatch` from customFilterJson. */
  async list(q: Queryable, query: ListCustomers, customerId?: string, customMatch: string | null = null): Promise<Page<CustomerRow>> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (customerId !== undefined) {
      params.push(customerId);
      where.push(`c.id = $${params.length}`);
    }
    if (query.q !== undefined) {
      params.push(likePattern(query.q));
      where.push(`c.name ILIKE $${params.length}`);
    }
    if (customMatch !== null) {
      params.push(customMatch);
      where.push(`c.custom @> $${params.length}::jsonb`);
    }
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 'c.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<CustomerRow & { sort_key: string }>(
      `SELECT ${COLUMNS}, ${page.sortKeySelect}
       FROM customers c ${TIER_JOIN} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }
}
