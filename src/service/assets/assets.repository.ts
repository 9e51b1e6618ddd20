/** SQL for assets (joined with their site for the customer id). Methods take the Queryable to run on. */
import { patchSet } from '../../kernel/db/patch-set.js';
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { CustomValues } from '../custom-fields/custom-fields.schemas.js';
import type { CreateAsset, ListAssets, UpdateAsset } from './assets.schemas.js';

export interface AssetRow {
  id: string;
  site_id: string;
  customer_id: string;
  model_id: string;
  serial_number: string;
  name: string | null;
  /** `YYYY-MM-DD` (selected as text: a JS Date would shift with the time zone). */
  install_date: string | null;
  warranty_end: string | null;
  custom: CustomValues;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export const SERIAL_CONSTRAINT = 'assets_model_id_serial_number_key';

const COLUMNS = `a.id, a.site_id, s.customer_id, a.model_id, a.serial_number, a.name,
  a.install_date::text AS install_date, a.warranty_end::text AS warranty_end, a.custom, a.version, a.created_at, a.updated_at`;
const FROM = 'FROM assets a JOIN sites s ON s.id = a.site_id';

const SORT_COLUMNS: Record<string, SortColumn> = {
  serialNumber: { expr: 'a.serial_number', type: 'text' },
  createdAt: { expr: 'a.created_at', type: 'timestamptz' },
  updatedAt: { expr: 'a.updated_at', type: 'timestamptz' },
};

/** API field → column, for PATCH (custom is stored whole, after validation and merge). */
const UPDATABLE: Record<Exclude<keyof UpdateAsset, 'custom'>, string> = {
  siteId: 'site_id',
  serialNumber: 'serial_number',
  name: 'name',
  installDate: 'install_date',
  warrantyEnd: 'warranty_end',
};

export class AssetsRepository {
  async insert(q: Queryable, input: CreateAsset, custom: CustomValues = {}): Promise<AssetRow> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO assets (site_id, model_id, serial_number, name, install_date, warranty_end, custom)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [input.siteId, input.modelId, input.serialNumber, input.name ?? null, input.installDate ?? null, input.warrantyEnd ?? null, JSON.stringify(custom)],
    );
    return (await this.find(q, rows[0]!.id))!;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<AssetRow | undefined> {
    const { rows } = await q.query<AssetRow>(`SELECT ${COLUMNS} ${FROM} WHERE a.id = $1${options.lock ? ' FOR UPDATE OF a' : ''}`, [id]);
    return rows[0];
  }

  async exists(q: Queryable, id: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM assets WHERE id = $1', [id]);
    return rows.length > 0;
  }

  /** Applies the fields present in `patch`, bumps version and updated_at. */
  async update(q: Queryable, id: string, patch: UpdateAsset, custom?: CustomValues): Promise<AssetRow> {
    const { set, params } = patchSet({ ...patch, custom }, { ...UPDATABLE, custom: 'custom' }, { json: new Set(['custom']) });
    await q.query(`UPDATE assets SET ${set} WHERE id = $1`, [id, ...params]);
    return (await this.find(q, id))!;
  }

  /** `scopeCustomerId` restricts the list to that customer's assets (customer principals); `customMatch` from customFilterJson. */
  async list(q: Queryable, query: ListAssets, scopeCustomerId?: string, customMatch: string | null = null): Promise<Page<AssetRow>> {
    const params: unknown[] = [];
    const where: string[] = [];
    const filters: [unknown, string][] = [
      [scopeCustomerId, 's.customer_id'],
      [query.siteId, 'a.site_id'],
      [query.customerId, 's.customer_id'],
      [query.modelId, 'a.model_id'],
      [query.serialNumber, 'a.serial_number'],
    ];
    for (const [value, column] of filters) {
      if (value === undefined) continue;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    }
    if (customMatch !== null) {
      params.push(customMatch);
      where.push(`a.custom @> $${params.length}::jsonb`);
    }
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 'a.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<AssetRow & { sort_key: string }>(
      `SELECT ${COLUMNS}, ${page.sortKeySelect} ${FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }
}
