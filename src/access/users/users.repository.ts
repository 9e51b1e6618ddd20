/** SQL for users. Methods take the Queryable to run on, so a service can compose a transaction. */
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, likePattern, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { Role } from '../../kernel/caller.js';
import type { ListUsers } from './users.schemas.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  customer_id: string | null;
  password_hash: string | null;
  active: boolean;
  phone: string | null;
  skills: string[];
  territories: string[];
  version: number;
  /** Bumped to revoke every login token issued before (tokens carry it as `ver`). */
  token_version: number;
  created_at: Date;
  updated_at: Date;
}

/** Columns a caller may set; the service decides which (and hashes the password first). */
export interface UserValues {
  email?: string;
  name?: string;
  role?: Role;
  customer_id?: string | null;
  password_hash?: string | null;
  active?: boolean;
  phone?: string | null;
  skills?: string[];
  territories?: string[];
}

export const EMAIL_CONSTRAINT = 'users_email_idx';

const COLUMNS =
  'u.id, u.email, u.name, u.role, u.customer_id, u.password_hash, u.active, u.phone, u.skills, u.territories, u.version, u.token_version, u.created_at, u.updated_at';

const SORT_COLUMNS: Record<string, SortColumn> = {
  email: { expr: 'lower(u.email)', type: 'text' },
  name: { expr: 'lower(u.name)', type: 'text' },
  createdAt: { expr: 'u.created_at', type: 'timestamptz' },
};

const WRITABLE = new Set<string>(['email', 'name', 'role', 'customer_id', 'password_hash', 'active', 'phone', 'skills', 'territories']);

/** The defined entries of `values`, restricted to writable columns (names never come from a client). */
function entriesOf(values: UserValues): [keyof UserValues, unknown][] {
  return (Object.entries(values) as [keyof UserValues, unknown][]).filter(([c, v]) => v !== undefined && WRITABLE.has(c));
}

function toParam(column: keyof UserValues, value: unknown): unknown {
  return column === 'skills' ? JSON.stringify(value) : value;
}

export class UsersRepository {
  async insert(q: Queryable, values: UserValues & Required<Pick<UserValues, 'email' | 'name' | 'role'>>): Promise<UserRow> {
    const entries = entriesOf(values);
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO users (${entries.map(([c]) => c).join(', ')}) VALUES (${entries.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      entries.map(([c, v]) => toParam(c, v)),
    );
    return (await this.find(q, rows[0]!.id))!;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<UserRow | undefined> {
    const { rows } = await q.query<UserRow>(`SELECT ${COLUMNS} FROM users u WHERE u.id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  }

  async findByEmail(q: Queryable, email: string): Promise<UserRow | undefined> {
    const { rows } = await q.query<UserRow>(`SELECT ${COLUMNS} FROM users u WHERE lower(u.email) = lower($1)`, [email]);
    return rows[0];
  }

  /**
   * Applies the columns present in `values`, bumps version and updated_at; with `revokeTokens`
   * also the token version, so the user's earlier login tokens stop working.
   */
  async update(q: Queryable, id: string, values: UserValues, options: { revokeTokens?: boolean } = {}): Promise<UserRow> {
    const params: unknown[] = [id];
    const sets: string[] = [];
    for (const [column, value] of entriesOf(values)) {
      params.push(toParam(column, value));
      sets.push(`${column} = $${params.length}`);
    }
    if (options.revokeTokens) sets.push('token_version = token_version + 1');
    await q.query(`UPDATE users SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')} WHERE id = $1`, params);
    return (await this.find(q, id))!;
  }

  /** Revokes every login token of the user (logout); the record itself (version, ETag) is unchanged. */
  async revokeTokens(q: Queryable, id: string): Promise<void> {
    await q.query('UPDATE users SET token_version = token_version + 1 WHERE id = $1', [id]);
  }

  async list(q: Queryable, query: ListUsers): Promise<Page<UserRow>> {
    const params: unknown[] = [];
    const where: string[] = [];
    const filters: [unknown, string][] = [
      [query.role, 'u.role'],
      [query.customerId, 'u.customer_id'],
      [query.active, 'u.active'],
    ];
    for (const [value, column] of filters) {
      if (value === undefined) continue;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    }
    if (query.q !== undefined) {
      params.push(likePattern(query.q));
      where.push(`(u.email ILIKE $${params.length} OR u.name ILIKE $${params.length})`);
    }
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 'u.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<UserRow & { sort_key: string }>(
      `SELECT ${COLUMNS}, ${page.sortKeySelect} FROM users u ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }
}
