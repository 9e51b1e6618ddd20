/** SQL for tickets and their status history. Methods take the Queryable to run on. */
import type { Actor } from '../../access/audit/audit.service.js';
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, likePattern, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import { PRIORITIES, type Priority } from '../sla/sla.policy.js';
import type { ListTickets, TicketCounts } from './tickets.schemas.js';
import { OPEN_STATUSES, TICKET_STATUSES, type TicketStatus } from './ticket-workflow.js';
import { sqlFilter } from '../../kernel/db/sql-filter.js';

export interface TicketRow {
  id: string;
  number: string;
  channel: string;
  type: string;
  priority: Priority;
  title: string;
  description: string | null;
  customer_id: string;
  site_id: string | null;
  asset_id: string | null;
  contract_id: string | null;
  fault_code: string | null;
  status: TicketStatus;
  hold_reason: string | null;
  technician_id: string | null;
  sla_source: 'contract' | 'default';
  response_due_at: Date;
  resolution_due_at: Date;
  responded_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  cancelled_at: Date | null;
  sla_paused_at: Date | null;
  sla_paused_minutes: number;
  status_changed_at: Date;
  created_by_type: string;
  created_by_id: string;
  first_time_fix: boolean | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** Writable columns (snake_case) of a ticket row. */
export type TicketColumns = Partial<Omit<TicketRow, 'id' | 'number' | 'first_time_fix' | 'version' | 'created_by_type' | 'created_by_id'>>;

export interface HistoryRow {
  id: string;
  from_status: TicketStatus | null;
  to_status: TicketStatus;
  at: Date;
  actor_type: string;
  actor_id: string;
  reason: string | null;
  technician_id: string | null;
}

/** First-time fix: exactly one (non-cancelled) visit and it fixed the fault; null before any outcome. */
const FIRST_TIME_FIX = `(SELECT CASE WHEN count(*) FILTER (WHERE v.outcome IS NOT NULL) = 0 THEN NULL
    ELSE count(*) = 1 AND bool_and(v.outcome = 'fixed') END
  FROM visits v WHERE v.ticket_id = t.id AND v.status <> 'cancelled') AS first_time_fix`;

const COLUMNS = `t.*, ${FIRST_TIME_FIX}`;

const SORT_COLUMNS: Record<string, SortColumn> = {
  createdAt: { expr: 't.created_at', type: 'timestamptz' },
  updatedAt: { expr: 't.updated_at', type: 'timestamptz' },
  responseDueAt: { expr: 't.response_due_at', type: 'timestamptz' },
  resolutionDueAt: { expr: 't.resolution_due_at', type: 'timestamptz' },
  number: { expr: 't.number', type: 'text' },
  // The next due time that can still be missed: response (until responded), else resolution.
  slaDue: {
    expr: `(CASE WHEN t.responded_at IS NULL AND t.response_due_at < t.resolution_due_at THEN t.response_due_at ELSE t.resolution_due_at END)`,
    type: 'timestamptz',
  },
  priority: { expr: `(CASE t.priority WHEN 'low' THEN '1' WHEN 'medium' THEN '2' WHEN 'high' THEN '3' ELSE '4' END)`, type: 'text' },
};

/** SQL breach conditions, given the parameter number of "now" (mirrors sla.policy breaches()). */
const responseBreached = (n: number) => `(t.status <> 'cancelled' AND COALESCE(t.responded_at, $${n}::timestamptz) > t.response_due_at)`;
const resolutionBreached = (n: number) => `(t.status <> 'cancelled' AND COALESCE(t.resolved_at, t.sla_paused_at, $${n}::timestamptz) > t.resolution_due_at)`;

/** The list filters without paging and sort (shared by the list and the counts). */
export type TicketFilters = Omit<ListTickets, 'sort' | 'cursor' | 'limit'>;

/**
 * `q` matches the ticket number, title, description and fault code, and the names of its
 * customer and site and its asset's serial number (case-insensitive substring).
 */
function filterTickets(query: TicketFilters, now: Date) {
  const filter = sqlFilter();
  const { add } = filter;
  add(query.status, (n) => `t.status = $${n}`);
  add(query.open === undefined ? undefined : OPEN_STATUSES, (n) => `${query.open ? '' : 'NOT '}(t.status = ANY($${n}::text[]))`);
  add(query.priority, (n) => `t.priority = $${n}`);
  add(query.channel, (n) => `t.channel = $${n}`);
  add(query.type, (n) => `t.type = $${n}`);
  add(query.customerId, (n) => `t.customer_id = $${n}`);
  add(query.assetId, (n) => `t.asset_id = $${n}`);
  add(query.contractId, (n) => `t.contract_id = $${n}`);
  add(query.technicianId, (n) => `t.technician_id = $${n}`);
  add(query.unassigned, (n) => `((t.technician_id IS NULL) = $${n}::boolean)`);
  add(query.breached === undefined ? undefined : now, (n) =>
    query.breached ? `(${responseBreached(n)} OR ${resolutionBreached(n)})` : `NOT (${responseBreached(n)} OR ${resolutionBreached(n)})`,
  );
  add(
    query.q === undefined ? undefined : likePattern(query.q),
    (n) => `(t.number ILIKE $${n} OR t.title ILIKE $${n} OR t.description ILIKE $${n} OR t.fault_code ILIKE $${n}
      OR EXISTS (SELECT 1 FROM customers c WHERE c.id = t.customer_id AND c.name ILIKE $${n})
      OR EXISTS (SELECT 1 FROM sites s WHERE s.id = t.site_id AND s.name ILIKE $${n})
      OR EXISTS (SELECT 1 FROM assets a WHERE a.id = t.asset_id AND a.serial_number ILIKE $${n}))`,
  );
  return filter;
}

export class TicketsRepository {
  async insert(q: Queryable, values: TicketColumns & { created_by_type: string; created_by_id: string }): Promise<string> {
    const entries = Object.entries(values).filter(([, v]) => v !== undefined);
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO tickets (${entries.map(([k]) => k).join(', ')}) VALUES (${entries.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      entries.map(([, v]) => v),
    );
    return rows[0]!.id;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<TicketRow | undefined> {
    if (options.lock) await q.query('SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE', [id]);
    const { rows } = await q.query<TicketRow>(`SELECT ${COLUMNS} FROM tickets t WHERE t.id = $1`, [id]);
    return rows[0];
  }

  /** Sets the given columns, bumps version. */
  async update(q: Queryable, id: string, values: TicketColumns): Promise<void> {
    const params: unknown[] = [id];
    const sets: string[] = [];
    for (const [column, value] of Object.entries(values)) {
      if (value === undefined) continue;
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    }
    await q.query(`UPDATE tickets SET ${[...sets, 'version = version + 1'].join(', ')} WHERE id = $1`, params);
  }

  async list(q: Queryable, query: ListTickets, now: Date): Promise<Page<TicketRow>> {
    const { params, where } = filterTickets(query, now);
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 't.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<TicketRow & { sort_key: string }>(
      `SELECT ${COLUMNS}, ${page.sortKeySelect} FROM tickets t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }

  /** How many tickets match the list filters, by status and by priority. */
  async counts(q: Queryable, query: TicketFilters, now: Date): Promise<TicketCounts> {
    const { params, where } = filterTickets(query, now);
    const { rows } = await q.query<{ status: TicketStatus; priority: Priority; n: number }>(
      `SELECT t.status, t.priority, count(*)::int AS n FROM tickets t ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY t.status, t.priority`,
      params,
    );
    const out: TicketCounts = {
      total: 0,
      byStatus: Object.fromEntries(TICKET_STATUSES.map((k) => [k, 0])) as TicketCounts['byStatus'],
      byPriority: Object.fromEntries(PRIORITIES.map((k) => [k, 0])) as TicketCounts['byPriority'],
    };
    for (const r of rows) {
      out.total += r.n;
      out.byStatus[r.status] += r.n;
      out.byPriority[r.priority] += r.n;
    }
    return out;
  }

  async addHistory(
    q: Queryable,
    ticketId: string,
    entry: { from: TicketStatus | null; to: TicketStatus; at: Date; actor: Actor; reason?: string | undefined; technicianId: string | null },
  ): Promise<void> {
    await q.query(
      `INSERT INTO ticket_status_history (ticket_id, from_status, to_status, at, actor_type, actor_id, reason, technician_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [ticketId, entry.from, entry.to, entry.at, entry.actor.type, entry.actor.id, entry.reason ?? null, entry.technicianId],
    );
  }

  async history(q: Queryable, ticketId: string): Promise<HistoryRow[]> {
    const { rows } = await q.query<HistoryRow>(
      'SELECT id::text AS id, from_status, to_status, at, actor_type, actor_id, reason, technician_id FROM ticket_status_history WHERE ticket_id = $1 ORDER BY ticket_status_history.id',
      [ticketId],
    );
    return rows;
  }

  /** True when `userId` is an active user with role technician. */
  async isTechnician(q: Queryable, userId: string): Promise<boolean> {
    const { rows } = await q.query(`SELECT 1 FROM users WHERE id = $1 AND role = 'technician' AND active`, [userId]);
    return rows.length > 0;
  }
}
