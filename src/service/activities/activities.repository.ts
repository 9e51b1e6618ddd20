/** SQL for activities (with the author's name). Methods take the Queryable to run on. */
import { patchSet } from '../../kernel/db/patch-set.js';
import type { Actor } from '../../access/audit/audit.service.js';
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { Activity, ListActivities, UpdateActivity } from './activities.schemas.js';

export interface ActivityRow {
  id: string;
  kind: Activity['kind'];
  direction: Activity['direction'];
  subject: string;
  body: string | null;
  occurred_at: Date;
  duration_minutes: number | null;
  customer_id: string;
  contact_id: string | null;
  asset_id: string | null;
  ticket_id: string | null;
  author_type: string;
  author_id: string;
  author_name: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** Columns of `activities act` joined with the author (`LEFT JOIN users au`), see ACTIVITY_FROM. */
export const ACTIVITY_COLUMNS = `act.id, act.kind, act.direction, act.subject, act.body, act.occurred_at, act.duration_minutes,
  act.customer_id, act.contact_id, act.asset_id, act.ticket_id, act.author_type, act.author_id, au.name AS author_name,
  act.version, act.created_at, act.updated_at`;
export const ACTIVITY_FROM = `activities act
  LEFT JOIN users au ON au.id = (CASE WHEN act.author_type = 'user' THEN act.author_id::uuid END)`;

/** Internal notes stay internal: customer users never see them. */
export const CUSTOMER_VISIBLE = `act.kind <> 'note'`;

const SORT_COLUMNS: Record<string, SortColumn> = {
  occurredAt: { expr: 'act.occurred_at', type: 'timestamptz' },
  createdAt: { expr: 'act.created_at', type: 'timestamptz' },
};

const UPDATABLE: Record<keyof UpdateActivity, string> = {
  direction: 'direction',
  subject: 'subject',
  body: 'body',
  occurredAt: 'occurred_at',
  durationMinutes: 'duration_minutes',
};

export interface NewActivity {
  kind: Activity['kind'];
  direction: Activity['direction'];
  subject: string;
  body: string | null;
  occurredAt: Date;
  durationMinutes: number | null;
  customerId: string;
  contactId: string | null;
  assetId: string | null;
  ticketId: string | null;
  author: Actor;
}

/** The customer each link belongs to (null: no such record, or the link was not given). */
export interface LinkOwners {
  customer: string | null;
  contact: string | null;
  asset: string | null;
  ticket: string | null;
}

export class ActivitiesRepository {
  async insert(q: Queryable, a: NewActivity): Promise<ActivityRow> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO activities (kind, direction, subject, body, occurred_at, duration_minutes, customer_id, contact_id, asset_id, ticket_id, author_type, author_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [a.kind, a.direction, a.subject, a.body, a.occurredAt, a.durationMinutes, a.customerId, a.contactId, a.assetId, a.ticketId, a.author.type, a.author.id],
    );
    return (await this.find(q, rows[0]!.id))!;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<ActivityRow | undefined> {
    if (options.lock) await q.query('SELECT 1 FROM activities WHERE id = $1 FOR UPDATE', [id]);
    const { rows } = await q.query<ActivityRow>(`SELECT ${ACTIVITY_COLUMNS} FROM ${ACTIVITY_FROM} WHERE act.id = $1`, [id]);
    return rows[0];
  }

  /** One query: the customer owning each given link. */
  async linkOwners(
    q: Queryable,
    links: { customerId?: string | undefined; contactId?: string | undefined; assetId?: string | undefined; ticketId?: string | undefined },
  ): Promise<LinkOwners> {
    const { rows } = await q.query<LinkOwners>(
      `SELECT (SELECT id FROM customers WHERE id = $1::uuid) AS customer,
              (SELECT customer_id FROM contacts WHERE id = $2::uuid) AS contact,
              (SELECT s.customer_id FROM assets a JOIN sites s ON s.id = a.site_id WHERE a.id = $3::uuid) AS asset,
              (SELECT customer_id FROM tickets WHERE id = $4::uuid) AS ticket`,
      [links.customerId ?? null, links.contactId ?? null, links.assetId ?? null, links.ticketId ?? null],
    );
    return rows[0]!;
  }

  async update(q: Queryable, id: string, patch: UpdateActivity): Promise<ActivityRow> {
    const { set, params } = patchSet(patch, UPDATABLE);
    await q.query(`UPDATE activities SET ${set} WHERE id = $1`, [id, ...params]);
    return (await this.find(q, id))!;
  }

  /** Newest first by default; `scopeCustomerId` = a customer user's view (own customer, no internal notes). */
  async list(q: Queryable, query: ListActivities, scopeCustomerId?: string): Promise<Page<ActivityRow>> {
    const params: unknown[] = [];
    const where: string[] = [];
    const filters: [unknown, string][] = [
      [scopeCustomerId, 'act.customer_id'],
      [query.customerId, 'act.customer_id'],
      [query.contactId, 'act.contact_id'],
      [query.assetId, 'act.asset_id'],
      [query.ticketId, 'act.ticket_id'],
      [query.kind, 'act.kind'],
    ];
    for (const [value, column] of filters) {
      if (value === undefined) continue;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    }
    if (scopeCustomerId !== undefined) where.push(CUSTOMER_VISIBLE);
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 'act.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<ActivityRow & { sort_key: string }>(
      `SELECT ${ACTIVITY_COLUMNS}, ${page.sortKeySelect} FROM ${ACTIVITY_FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }
}

export function toActivity(row: ActivityRow): Activity {
  return {
    id: row.id,
    kind: row.kind,
    direction: row.direction,
    subject: row.subject,
    body: row.body,
    occurredAt: row.occurred_at.toISOString(),
    durationMinutes: row.duration_minutes,
    customerId: row.customer_id,
    contactId: row.contact_id,
    assetId: row.asset_id,
    ticketId: row.ticket_id,
    author: { type: row.author_type, id: row.author_id, name: row.author_name },
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
