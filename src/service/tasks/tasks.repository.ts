/**
 * SQL for tasks. The effective owner is computed on read: the substitute of an absence of the
 * owner covering `now` (not cancelled, with a substitute), else the owner. Methods take the
 * Queryable to run on, so a service can compose a transaction.
 */
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { Actor } from '../../kernel/caller.js';
import type { ListTasks, Task, TaskStatus } from './tasks.schemas.js';

export interface TaskRow {
  id: string;
  title: string;
  note: string | null;
  due_at: Date;
  remind_at: Date | null;
  owner_id: string;
  effective_owner_id: string;
  customer_id: string | null;
  contact_id: string | null;
  ticket_id: string | null;
  status: TaskStatus;
  closed_at: Date | null;
  reminded_at: Date | null;
  reminded_user_id: string | null;
  author_type: string;
  author_id: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** The substitute of the owner's absence covering `now` ($1 in every query below). */
const SUBSTITUTE = `LEFT JOIN LATERAL (
    SELECT a.substitute_id FROM technician_absences a
    WHERE a.technician_id = t.owner_id AND a.cancelled_at IS NULL AND a.substitute_id IS NOT NULL AND a.starts_at <= $1 AND a.ends_at > $1
    ORDER BY a.starts_at DESC, a.id LIMIT 1
  ) sub ON t.status = 'open'`;

const COLUMNS = `t.id, t.title, t.note, t.due_at, t.remind_at, t.owner_id, COALESCE(sub.substitute_id, t.owner_id) AS effective_owner_id,
  t.customer_id, t.contact_id, t.ticket_id, t.status, t.closed_at, t.reminded_at, t.reminded_user_id, t.author_type, t.author_id,
  t.version, t.created_at, t.updated_at`;

const SORT_COLUMNS: Record<string, SortColumn> = {
  dueAt: { expr: 't.due_at', type: 'timestamptz' },
  createdAt: { expr: 't.created_at', type: 'timestamptz' },
};

export interface NewTask {
  title: string;
  note: string | null;
  dueAt: Date;
  remindAt: Date | null;
  ownerId: string;
  customerId: string | null;
  contactId: string | null;
  ticketId: string | null;
  author: Actor;
  now: Date;
}

export interface TaskChanges {
  title?: string;
  note?: string | null;
  due_at?: Date;
  remind_at?: Date | null;
  owner_id?: string;
  status?: TaskStatus;
  closed_at?: Date | null;
  /** Cleared when the reminder time changes (the new one fires again). */
  reminded_at?: null;
  reminded_user_id?: null;
}

export class TasksRepository {
  async insert(q: Queryable, input: NewTask): Promise<TaskRow> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO tasks (title, note, due_at, remind_at, owner_id, customer_id, contact_id, ticket_id, author_type, author_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
      [
        input.title,
        input.note,
        input.dueAt,
        input.remindAt,
        input.ownerId,
        input.customerId,
        input.contactId,
        input.ticketId,
        input.author.type,
        input.author.id,
        input.now,
      ],
    );
    return (await this.find(q, rows[0]!.id, input.now))!;
  }

  async find(q: Queryable, id: string, now: Date, options: { lock?: boolean } = {}): Promise<TaskRow | undefined> {
    const { rows } = await q.query<TaskRow>(`SELECT ${COLUMNS} FROM tasks t ${SUBSTITUTE} WHERE t.id = $2${options.lock ? ' FOR UPDATE OF t' : ''}`, [now, id]);
    return rows[0];
  }

  async update(q: Queryable, id: string, changes: TaskChanges, now: Date): Promise<TaskRow> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
    const params: unknown[] = [id, now, ...entries.map(([, v]) => v)];
    const set = entries.map(([column], i) => `${column} = $${i + 3}`);
    await q.query(`UPDATE tasks SET ${[...set, 'updated_at = $2', 'version = version + 1'].join(', ')} WHERE id = $1`, params);
    return (await this.find(q, id, now))!;
  }

  /** `holder`: tasks that user owns or holds now as a substitute. */
  async list(q: Queryable, query: ListTasks, holder: string | undefined, now: Date): Promise<Page<TaskRow>> {
    const params: unknown[] = [now];
    const where: string[] = [];
    const add = (value: unknown, sql: (n: number) => string) => {
      if (value === undefined || value === null) return;
      params.push(value);
      where.push(sql(params.length));
    };
    add(holder, (n) => `(t.owner_id = $${n} OR sub.substitute_id = $${n})`);
    add(query.status, (n) => `t.status = $${n}`);
    add(query.dueBefore === undefined ? undefined : new Date(query.dueBefore), (n) => `t.due_at < $${n}`);
    add(query.customerId, (n) => `t.customer_id = $${n}`);
    add(query.ticketId, (n) => `t.ticket_id = $${n}`);
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 't.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<TaskRow & { sort_key: string }>(
      `SELECT ${COLUMNS}, ${page.sortKeySelect} FROM tasks t ${SUBSTITUTE} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }

  /** Open tasks whose reminder is due and not sent, oldest first. */
  async dueReminders(q: Queryable, now: Date, limit: number): Promise<string[]> {
    const { rows } = await q.query<{ id: string }>(
      `SELECT id FROM tasks WHERE status = 'open' AND reminded_at IS NULL AND remind_at <= $1 ORDER BY remind_at, id LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Marks the reminder sent to `userId` unless it was already (or the task closed, or its
   * reminder moved past `now`): the one statement that makes a reminder go out once.
   */
  async claimReminder(q: Queryable, id: string, userId: string, now: Date): Promise<boolean> {
    const { rows } = await q.query(
      `UPDATE tasks SET reminded_at = $3, reminded_user_id = $2
       WHERE id = $1 AND status = 'open' AND reminded_at IS NULL AND remind_at <= $3 RETURNING id`,
      [id, userId, now],
    );
    return rows.length > 0;
  }
}

export function toTask(row: TaskRow): Task {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: row.id,
    title: row.title,
    note: row.note,
    dueAt: row.due_at.toISOString(),
    remindAt: iso(row.remind_at),
    ownerId: row.owner_id,
    effectiveOwnerId: row.effective_owner_id,
    handedOver: row.effective_owner_id !== row.owner_id,
    customerId: row.customer_id,
    contactId: row.contact_id,
    ticketId: row.ticket_id,
    status: row.status,
    closedAt: iso(row.closed_at),
    remindedAt: iso(row.reminded_at),
    remindedUserId: row.reminded_user_id,
    author: { type: row.author_type, id: row.author_id },
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
