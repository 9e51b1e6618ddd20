/** SQL for the parts catalogue and the stock locations. Methods take the Queryable to run on. */
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, likePattern, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { CreateLocation, CreatePart, ListLocations, ListParts, UpdateLocation, UpdatePart } from './catalogue.schemas.js';
import { sqlFilter } from '../../kernel/db/sql-filter.js';

export interface PartRow {
  id: string;
  sku: string;
  description: string;
  unit: string;
  unit_price: number;
  unit_cost: number;
  compatible_models: string[];
  reorder_point: number | null;
  reorder_quantity: number | null;
  supplier: string | null;
  lead_time_days: number | null;
  active: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface LocationRow {
  id: string;
  code: string;
  name: string;
  kind: 'central' | 'local' | 'van';
  technician_id: string | null;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  active: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export const PART_COLUMNS = `p.id, p.sku, p.description, p.unit, p.unit_price::float8 AS unit_price, p.unit_cost::float8 AS unit_cost,
  p.compatible_models, p.reorder_point::float8 AS reorder_point, p.reorder_quantity::float8 AS reorder_quantity, p.supplier,
  p.lead_time_days, p.active, p.version, p.created_at, p.updated_at`;

const PART_SORT: Record<string, SortColumn> = {
  sku: { expr: 'p.sku', type: 'text' },
  description: { expr: 'lower(p.description)', type: 'text' },
  createdAt: { expr: 'p.created_at', type: 'timestamptz' },
};

const PART_FIELDS: Record<keyof UpdatePart, string> = {
  description: 'description',
  unit: 'unit',
  unitPrice: 'unit_price',
  unitCost: 'unit_cost',
  compatibleModels: 'compatible_models',
  reorderPoint: 'reorder_point',
  reorderQuantity: 'reorder_quantity',
  supplier: 'supplier',
  leadTimeDays: 'lead_time_days',
  active: 'active',
};

const LOCATION_FIELDS: Record<keyof UpdateLocation, string> = {
  name: 'name',
  address: 'address',
  latitude: 'latitude',
  longitude: 'longitude',
  active: 'active',
};

async function updateColumns(
  q: Queryable,
  table: string,
  id: string,
  fields: Record<string, string>,
  patch: Record<string, unknown>,
  now: Date,
): Promise<void> {
  const params: unknown[] = [id, now];
  const sets: string[] = [];
  for (const [key, column] of Object.entries(fields)) {
    if (patch[key] === undefined) continue;
    params.push(patch[key]);
    sets.push(`${column} = $${params.length}`);
  }
  await q.query(`UPDATE ${table} SET ${[...sets, 'updated_at = $2', 'version = version + 1'].join(', ')} WHERE id = $1`, params);
}

export class CatalogueRepository {
  async insertPart(q: Queryable, p: CreatePart, now: Date): Promise<string> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO parts (sku, description, unit, unit_price, unit_cost, compatible_models, reorder_point, reorder_quantity, supplier, lead_time_days, active, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
      [p.sku, p.description, p.unit, p.unitPrice, p.unitCost, p.compatibleModels, p.reorderPoint, p.reorderQuantity, p.supplier, p.leadTimeDays, p.active, now],
    );
    return rows[0]!.id;
  }

  async findPart(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<PartRow | undefined> {
    const { rows } = await q.query<PartRow>(`SELECT ${PART_COLUMNS} FROM parts p WHERE p.id = $1${options.lock ? ' FOR NO KEY UPDATE' : ''}`, [id]);
    return rows[0];
  }

  async partsBySku(q: Queryable, skus: readonly string[]): Promise<Map<string, PartRow>> {
    if (skus.length === 0) return new Map();
    const { rows } = await q.query<PartRow>(`SELECT ${PART_COLUMNS} FROM parts p WHERE p.sku = ANY($1::text[])`, [[...skus]]);
    return new Map(rows.map((r) => [r.sku, r]));
  }

  async updatePart(q: Queryable, id: string, patch: UpdatePart, now: Date): Promise<void> {
    await updateColumns(q, 'parts', id, PART_FIELDS, patch, now);
  }

  async listParts(q: Queryable, query: ListParts): Promise<Page<PartRow>> {
    const { params, where, add } = sqlFilter();
    add(query.q === undefined ? undefined : likePattern(query.q), (n) => `(p.sku ILIKE $${n} OR p.description ILIKE $${n})`);
    add(query.modelId, (n) => `p.compatible_models @> ARRAY[$${n}::text]`);
    add(query.active, (n) => `p.active = $${n}`);
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: PART_SORT, idExpr: 'p.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<PartRow & { sort_key: string }>(
      `SELECT ${PART_COLUMNS}, ${page.sortKeySelect} FROM parts p ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }

  /** The ids of `modelIds` that are not known equipment models. */
  async unknownModels(q: Queryable, modelIds: readonly string[]): Promise<string[]> {
    if (modelIds.length === 0) return [];
    const { rows } = await q.query<{ id: string }>('SELECT id FROM equipment_models WHERE id = ANY($1::text[])', [[...modelIds]]);
    const known = new Set(rows.map((r) => r.id));
    return modelIds.filter((m) => !known.has(m));
  }

  async insertLocation(q: Queryable, l: CreateLocation, now: Date): Promise<string> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO stock_locations (code, name, kind, technician_id, address, latitude, longitude, active, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
      [l.code, l.name, l.kind, l.technicianId ?? null, l.address, l.latitude, l.longitude, l.active, now],
    );
    return rows[0]!.id;
  }

  async findLocation(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<LocationRow | undefined> {
    const { rows } = await q.query<LocationRow>(`SELECT * FROM stock_locations WHERE id = $1${options.lock ? ' FOR NO KEY UPDATE' : ''}`, [id]);
    return rows[0];
  }

  async vanOf(q: Queryable, technicianId: string): Promise<LocationRow | undefined> {
    const { rows } = await q.query<LocationRow>(`SELECT * FROM stock_locations WHERE technician_id = $1 AND active`, [technicianId]);
    return rows[0];
  }

  async updateLocation(q: Queryable, id: string, patch: UpdateLocation, now: Date): Promise<void> {
    await updateColumns(q, 'stock_locations', id, LOCATION_FIELDS, patch, now);
  }

  async listLocations(q: Queryable, query: ListLocations = {}): Promise<LocationRow[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.kind) where.push(`kind = $${params.push(query.kind)}`);
    if (query.technicianId) where.push(`technician_id = $${params.push(query.technicianId)}`);
    if (query.active !== undefined) where.push(`active = $${params.push(query.active)}`);
    const { rows } = await q.query<LocationRow>(
      `SELECT * FROM stock_locations ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY CASE kind WHEN 'central' THEN 0 WHEN 'local' THEN 1 ELSE 2 END, code LIMIT 5000`,
      params,
    );
    return rows;
  }
}
