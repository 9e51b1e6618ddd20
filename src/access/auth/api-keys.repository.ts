/** SQL for API keys. Methods take the Queryable to run on, so a service can compose a transaction. */
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { Role } from '../../kernel/caller.js';
import type { ListApiKeys } from './api-keys.schemas.js';

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  role: Role;
  customer_id: string | null;
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'k.id, k.name, k.prefix, k.key_hash, k.role, k.customer_id, k.created_by, k.created_at, k.last_used_at, k.revoked_at';
const SORT_COLUMNS: Record<string, SortColumn> = { createdAt: { expr: 'k.created_at', type: 'timestamptz' } };

export class ApiKeysRepository {
  async insert(
    q: Queryable,
    values: { name: string; prefix: string; keyHash: string; role: Role; customerId: string | null; createdBy: string | null },
  ): Promise<ApiKeyRow> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO api_keys (name, prefix, key_hash, role, customer_id, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [values.name, values.prefix, values.keyHash, values.role, values.customerId, values.createdBy],
    );
    return (await this.find(q, rows[0]!.id))!;
  }

  async find(q: Queryable, id: string): Promise<ApiKeyRow | undefined> {
    const { rows } = await q.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys k WHERE k.id = $1`, [id]);
    return rows[0];
  }

  async findByPrefix(q: Queryable, prefix: string): Promise<ApiKeyRow | undefined> {
    const { rows } = await q.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys k WHERE k.prefix = $1`, [prefix]);
    return rows[0];
  }

  /** Records a use, at most once a minute per key (no write per request). */
  async touch(q: Queryable, id: string): Promise<void> {
    await q.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [id]);
  }

  /** Sets revoked_at once; returns the row (unchanged when already revoked). */
  async revoke(q: Queryable, id: string): Promise<ApiKeyRow | undefined> {
    await q.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
    return this.find(q, id);
  }

  async list(q: Queryable, query: ListApiKeys): Promise<Page<ApiKeyRow>> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.revoked !== undefined) where.push(query.revoked ? 'k.revoked_at IS NOT NULL' : 'k.revoked_at IS NULL');
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 'k.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<ApiKeyRow & { sort_key: string }>(
      `SELECT ${COLUMNS}, ${page.sortKeySelect} FROM api_keys k ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }
}
