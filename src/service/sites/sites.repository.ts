/** SQL for sites. Methods take the Queryable to run on, so a service can compose a transaction. */
import { patchSet } from '../../kernel/db/patch-set.js';
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, likePattern, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { CreateSite, ListSites, UpdateSite } from './sites.schemas.js';

export interface SiteRow {
  id: string;
  customer_id: string;
  name: string;
  address: string | null;
  city: string | null;
  country: string | null;
  latitude: number | null;
  longitude: number | null;
  access_notes: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 's.id, s.customer_id, s.name, s.address, s.city, s.country, s.latitude, s.longitude, s.access_notes, s.version, s.created_at, s.updated_at';
const RETURNING = 'RETURNING id, customer_id, name, address, city, country, latitude, longitude, access_notes, version, created_at, updated_at';

const SORT_COLUMNS: Record<string, SortColumn> = {
  name: { expr: 'lower(s.name)', type: 'text' },
  createdAt: { expr: 's.created_at', type: 'timestamptz' },
  updatedAt: { expr: 's.updated_at', type: 'timestamptz' },
};

/** API field → column, for PATCH. */
const UPDATABLE: Record<keyof UpdateSite, string> = {
  name: 'name',
  address: 'address',
  city: 'city',
  country: 'country',
  latitude: 'latitude',
  longitude: 'longitude',
  accessNotes: 'access_notes',
};

export class SitesRepository {
  async insert(q: Queryable, input: CreateSite): Promise<SiteRow> {
    const { rows } = await q.query<SiteRow>(
      `INSERT INTO sites (customer_id, name, address, city, country, latitude, longitude, access_notes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ${RETURNING}`,
      [
        input.customerId,
        input.name,
        input.address ?? null,
        input.city ?? null,
        input.country ?? null,
        input.latitude ?? null,
        input.longitude ?? null,
        input.accessNotes ?? null,
      ],
    );
    return rows[0]!;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<SiteRow | undefined> {
    const { rows } = await q.query<SiteRow>(`SELECT ${COLUMNS} FROM sites s WHERE s.id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  }

  async exists(q: Queryable, id: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM sites WHERE id = $1', [id]);
    return rows.length > 0;
  }

  /** Applies the fields present in `patch`, bumps version and updated_at. */
  async update(q: Queryable, id: string, patch: UpdateSite): Promise<SiteRow> {
    const { set, params } = patchSet(patch, UPDATABLE);
    const { rows } = await q.query<SiteRow>(`UPDATE sites SET ${set} WHERE id = $1 ${RETURNING}`, [id, ...params]);
    return rows[0]!;
  }

  /** `scopeCustomerId` restricts the list to that customer's sites (customer principals). */
  async list(q: Queryable, query: ListSites, scopeCustomerId?: string): Promise<Page<SiteRow>> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (scopeCustomerId !== undefined) {
      params.push(scopeCustomerId);
      where.push(`s.customer_id = $${params.length}`);
    }
    if (query.customerId !== undefined) {
      params.push(query.customerId);
      where.push(`s.customer_id = $${params.length}`);
    }
    if (query.q !== undefined) {
      params.push(likePattern(query.q));
      where.push(`(s.name ILIKE $${params.length} OR s.city ILIKE $${params.length})`);
    }
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 's.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<SiteRow & { sort_key: string }>(
      `SELECT ${COLUMNS}, ${page.sortKeySelect} FROM sites s ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }
}
