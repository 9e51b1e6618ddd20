/** SQL for opportunities. Methods take the Queryable to run on. */
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { ListOpportunities } from './opportunities.schemas.js';
import { OPEN_STAGES, type OpportunityKind, type OpportunityStage } from './opportunity-stages.js';
import { sqlFilter } from '../../kernel/db/sql-filter.js';

export interface OpportunityRow {
  id: string;
  customer_id: string;
  asset_id: string | null;
  contract_id: string | null;
  kind: OpportunityKind;
  rule_key: string | null;
  stage: OpportunityStage;
  value: string | null;
  currency: string;
  title: string;
  reason: string | null;
  owner_id: string | null;
  expected_close_on: string | null;
  lost_reason: string | null;
  stage_changed_at: Date;
  closed_at: Date | null;
  created_by_type: string;
  created_by_id: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** Writable columns of an opportunity. */
export type OpportunityColumns = Partial<Omit<OpportunityRow, 'id' | 'version' | 'created_at' | 'created_by_type' | 'created_by_id'>>;

export const OPPORTUNITY_COLUMNS = `o.id, o.customer_id, o.asset_id, o.contract_id, o.kind, o.rule_key, o.stage, o.value::text AS value, o.currency,
  o.title, o.reason, o.owner_id, o.expected_close_on::text AS expected_close_on, o.lost_reason, o.stage_changed_at, o.closed_at,
  o.created_by_type, o.created_by_id, o.version, o.created_at, o.updated_at`;

const SORT_COLUMNS: Record<string, SortColumn> = {
  createdAt: { expr: 'o.created_at', type: 'timestamptz' },
  updatedAt: { expr: 'o.updated_at', type: 'timestamptz' },
  stageChangedAt: { expr: 'o.stage_changed_at', type: 'timestamptz' },
};

export class OpportunitiesRepository {
  async insert(q: Queryable, values: OpportunityColumns & { created_by_type: string; created_by_id: string; created_at: Date }): Promise<string> {
    const entries = Object.entries(values).filter(([, v]) => v !== undefined);
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO opportunities (${entries.map(([k]) => k).join(', ')}) VALUES (${entries.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      entries.map(([, v]) => v),
    );
    return rows[0]!.id;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<OpportunityRow | undefined> {
    const { rows } = await q.query<OpportunityRow>(`SELECT ${OPPORTUNITY_COLUMNS} FROM opportunities o WHERE o.id = $1${options.lock ? ' FOR UPDATE' : ''}`, [
      id,
    ]);
    return rows[0];
  }

  async findMany(q: Queryable, ids: readonly string[]): Promise<OpportunityRow[]> {
    if (ids.length === 0) return [];
    const { rows } = await q.query<OpportunityRow>(
      `SELECT ${OPPORTUNITY_COLUMNS} FROM opportunities o WHERE o.id = ANY($1::uuid[]) ORDER BY o.created_at, o.id`,
      [[...ids]],
    );
    return rows;
  }

  async update(q: Queryable, id: string, values: OpportunityColumns): Promise<void> {
    const params: unknown[] = [id];
    const sets: string[] = [];
    for (const [column, value] of Object.entries(values)) {
      if (value === undefined) continue;
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    }
    await q.query(`UPDATE opportunities SET ${[...sets, 'version = version + 1'].join(', ')} WHERE id = $1`, params);
  }

  async list(q: Queryable, query: ListOpportunities): Promise<Page<OpportunityRow>> {
    const { params, where, add } = sqlFilter();
    add(query.customerId, (n) => `o.customer_id = $${n}`);
    add(query.assetId, (n) => `o.asset_id = $${n}`);
    add(query.stage, (n) => `o.stage = $${n}`);
    add(query.open === undefined ? undefined : OPEN_STAGES, (n) => `${query.open ? '' : 'NOT '}(o.stage = ANY($${n}::text[]))`);
    add(query.kind, (n) => `o.kind = $${n}`);
    add(query.ownerId, (n) => `o.owner_id = $${n}`);
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 'o.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<OpportunityRow & { sort_key: string }>(
      `SELECT ${OPPORTUNITY_COLUMNS}, ${page.sortKeySelect} FROM opportunities o ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }
}
