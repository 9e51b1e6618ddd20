/** SQL for service contracts, their covered assets and the prepaid ledger. Methods take the Queryable to run on. */
import type { Actor } from '../../access/audit/audit.service.js';
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { BusinessCalendarData } from '../sla/business-calendar.js';
import type { SlaTargets } from '../sla/sla.policy.js';
import type { ContractStatus, CreateContract, ListContracts, UpdateContract } from './contracts.schemas.js';
import { sqlFilter } from '../../kernel/db/sql-filter.js';

export interface ContractRow {
  id: string;
  customer_id: string;
  number: string;
  name: string;
  status: ContractStatus;
  starts_on: string;
  ends_on: string | null;
  asset_ids: string[];
  labour_coverage_pct: string;
  parts_coverage_pct: string;
  travel_included: boolean;
  sla: SlaTargets | null;
  calendar: BusinessCalendarData | null;
  prepaid_minutes_purchased: number;
  prepaid_minutes_balance: number;
  value: string | null;
  currency: string;
  notes: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface LedgerRow {
  id: string;
  at: Date;
  kind: 'purchase' | 'top_up' | 'draw_down';
  minutes: number;
  balance_after: number;
  ticket_id: string | null;
  visit_id: string | null;
  labour_entry_id: string | null;
  actor_type: string;
  actor_id: string;
  reason: string | null;
}

export const NUMBER_CONSTRAINT = 'service_contracts_number_key';

const COLUMNS = `c.id, c.customer_id, c.number, c.name, c.status, c.starts_on::text AS starts_on, c.ends_on::text AS ends_on,
  COALESCE((SELECT array_agg(ca.asset_id::text ORDER BY ca.asset_id) FROM contract_assets ca WHERE ca.contract_id = c.id), '{}') AS asset_ids,
  c.labour_coverage_pct::text AS labour_coverage_pct, c.parts_coverage_pct::text AS parts_coverage_pct, c.travel_included,
  c.sla, c.calendar, c.prepaid_minutes_purchased, c.prepaid_minutes_balance, c.value::text AS value, c.currency, c.notes,
  c.version, c.created_at, c.updated_at`;

const SORT_COLUMNS: Record<string, SortColumn> = {
  createdAt: { expr: 'c.created_at', type: 'timestamptz' },
  updatedAt: { expr: 'c.updated_at', type: 'timestamptz' },
  startsOn: { expr: 'c.starts_on::timestamptz', type: 'timestamptz' },
  number: { expr: 'c.number', type: 'text' },
};

/** SQL condition: contract `c` active on date parameter `$n`. */
const activeOn = (n: number) => `c.status = 'active' AND c.starts_on <= $${n}::date AND (c.ends_on IS NULL OR c.ends_on >= $${n}::date)`;

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

export class ContractsRepository {
  /** Inserts with a zero prepaid balance; the service books the purchase through moveBalance. */
  async insert(q: Queryable, input: CreateContract): Promise<string> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO service_contracts (customer_id, number, name, status, starts_on, ends_on, labour_coverage_pct, parts_coverage_pct,
         travel_included, sla, calendar, prepaid_minutes_purchased, prepaid_minutes_balance, value, currency, notes)
       VALUES ($1, COALESCE($2, 'CTR-' || lpad(nextval('contract_number_seq')::text, 6, '0')), $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, 0, $12, $13, $14)
       RETURNING id`,
      [
        input.customerId,
        input.number ?? null,
        input.name,
        input.status,
        input.startsOn,
        input.endsOn ?? null,
        input.coverage.labourPercent,
        input.coverage.partsPercent,
        input.coverage.travelIncluded,
        json(input.sla),
        json(input.calendar),
        input.value ?? null,
        input.currency,
        input.notes ?? null,
      ],
    );
    return rows[0]!.id;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<ContractRow | undefined> {
    const { rows } = await q.query<ContractRow>(`SELECT ${COLUMNS} FROM service_contracts c WHERE c.id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  }

  async setAssets(q: Queryable, contractId: string, assetIds: readonly string[]): Promise<void> {
    await q.query('DELETE FROM contract_assets WHERE contract_id = $1', [contractId]);
    if (assetIds.length === 0) return;
    await q.query('INSERT INTO contract_assets (contract_id, asset_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING', [
      contractId,
      [...new Set(assetIds)],
    ]);
  }

  /** Asset ids among `assetIds` that do not exist or belong to another customer. */
  async foreignAssets(q: Queryable, customerId: string, assetIds: readonly string[]): Promise<string[]> {
    if (assetIds.length === 0) return [];
    const { rows } = await q.query<{ id: string }>(
      `SELECT x.id::text AS id FROM unnest($2::uuid[]) AS x(id)
       WHERE NOT EXISTS (SELECT 1 FROM assets a JOIN sites s ON s.id = a.site_id WHERE a.id = x.id AND s.customer_id = $1)`,
      [customerId, [...assetIds]],
    );
    return rows.map((r) => r.id);
  }

  async update(q: Queryable, id: string, patch: UpdateContract): Promise<void> {
    const params: unknown[] = [id];
    const sets: string[] = [];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (patch.name !== undefined) set('name', patch.name);
    if (patch.status !== undefined) set('status', patch.status);
    if (patch.startsOn !== undefined) set('starts_on', patch.startsOn);
    if (patch.endsOn !== undefined) set('ends_on', patch.endsOn);
    if (patch.coverage !== undefined) {
      set('labour_coverage_pct', patch.coverage.labourPercent);
      set('parts_coverage_pct', patch.coverage.partsPercent);
      set('travel_included', patch.coverage.travelIncluded);
    }
    if (patch.sla !== undefined) set('sla', json(patch.sla));
    if (patch.calendar !== undefined) set('calendar', json(patch.calendar));
    if (patch.value !== undefined) set('value', patch.value);
    if (patch.currency !== undefined) set('currency', patch.currency);
    if (patch.notes !== undefined) set('notes', patch.notes);
    await q.query(`UPDATE service_contracts SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')} WHERE id = $1`, params);
  }

  async list(q: Queryable, query: ListContracts): Promise<Page<ContractRow>> {
    const { params, where, add } = sqlFilter();
    add(query.customerId, (n) => `c.customer_id = $${n}`);
    add(query.status, (n) => `c.status = $${n}`);
    add(query.activeAt, activeOn);
    add(query.assetId, (n) => `EXISTS (SELECT 1 FROM contract_assets ca WHERE ca.contract_id = c.id AND ca.asset_id = $${n})`);
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 'c.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<ContractRow & { sort_key: string }>(
      `SELECT ${COLUMNS}, ${page.sortKeySelect} FROM service_contracts c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }

  /**
   * The contract a ticket falls under on `date`: an active contract covering the asset, else an
   * active customer-level contract (one without covered assets). Latest start wins a tie.
   */
  async findApplicable(q: Queryable, customerId: string, assetId: string | null, date: string): Promise<ContractRow | undefined> {
    if (assetId) {
      const { rows } = await q.query<ContractRow>(
        `SELECT ${COLUMNS} FROM service_contracts c JOIN contract_assets ca ON ca.contract_id = c.id AND ca.asset_id = $1
         WHERE ${activeOn(2)} ORDER BY c.starts_on DESC, c.created_at DESC LIMIT 1`,
        [assetId, date],
      );
      if (rows[0]) return rows[0];
    }
    const { rows } = await q.query<ContractRow>(
      `SELECT ${COLUMNS} FROM service_contracts c
       WHERE c.customer_id = $1 AND ${activeOn(2)} AND NOT EXISTS (SELECT 1 FROM contract_assets ca WHERE ca.contract_id = c.id)
       ORDER BY c.starts_on DESC, c.created_at DESC LIMIT 1`,
      [customerId, date],
    );
    return rows[0];
  }

  /**
   * Moves the balance by `delta` minutes (negative = draw-down) and writes the ledger row.
   * The conditional UPDATE is atomic: of two concurrent draw-downs of the last minutes, the second
   * re-checks the balance after the first commits and changes nothing. Returns the ledger row, or
   * undefined when the balance would go negative.
   */
  async moveBalance(
    q: Queryable,
    contractId: string,
    entry: {
      delta: number;
      kind: LedgerRow['kind'];
      at: Date;
      actor: Actor;
      reason?: string | undefined;
      ticketId?: string | null;
      visitId?: string | null;
      labourEntryId?: string | null;
    },
  ): Promise<LedgerRow | undefined> {
    const purchased = entry.kind === 'draw_down' ? 0 : entry.delta;
    const { rows } = await q.query<{ balance: number }>(
      `UPDATE service_contracts SET prepaid_minutes_balance = prepaid_minutes_balance + $2,
         prepaid_minutes_purchased = prepaid_minutes_purchased + $3, version = version + 1, updated_at = now()
       WHERE id = $1 AND prepaid_minutes_balance + $2 >= 0 RETURNING prepaid_minutes_balance AS balance`,
      [contractId, entry.delta, purchased],
    );
    if (!rows[0]) return undefined;
    const ledger = await q.query<LedgerRow>(
      `INSERT INTO prepaid_ledger (contract_id, at, kind, minutes, balance_after, ticket_id, visit_id, labour_entry_id, actor_type, actor_id, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
      [
        contractId,
        entry.at,
        entry.kind,
        entry.delta,
        rows[0].balance,
        entry.ticketId ?? null,
        entry.visitId ?? null,
        entry.labourEntryId ?? null,
        entry.actor.type,
        entry.actor.id,
        entry.reason ?? null,
      ],
    );
    return ledger.rows[0];
  }

  async ledger(q: Queryable, contractId: string): Promise<LedgerRow[]> {
    const { rows } = await q.query<LedgerRow>('SELECT * FROM prepaid_ledger WHERE contract_id = $1 ORDER BY id', [contractId]);
    return rows;
  }
}
