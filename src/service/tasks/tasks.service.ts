/**
 * Task rules: the owner is an active staff user (default the caller); links to a customer,
 * contact and ticket must exist and belong to one customer (derived when not given); the
 * reminder defaults to `leadMinutes` before the due time, moves with the due time, and is re-armed
 * when it moves. Technicians see and change only the tasks they own or hold as a substitute.
 * Optimistic concurrency and an audit entry per change.
 */
import { diff, recordAudit } from '../../access/audit/audit.service.js';
import type { Caller } from '../../kernel/caller.js';
import type { Clock } from '../../kernel/clock.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import type { Page } from '../../kernel/db/keyset.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { AppError, invalidField, notFound } from '../../kernel/errors.js';
import { TasksRepository, toTask, type TaskChanges, type TaskRow } from './tasks.repository.js';
import type { CreateTask, ListTasks, Task, UpdateTask } from './tasks.schemas.js';

export interface TasksOptions {
  /** Minutes before the due time the reminder goes out by default (TASK_REMINDER_LEAD_MINUTES). */
  readonly leadMinutes: number;
}

export class TasksService {
  private readonly repo = new TasksRepository();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly options: TasksOptions,
  ) {}

  async create(input: CreateTask, caller: Caller): Promise<Task> {
    const now = this.clock.now();
    const ownerId = input.ownerId ?? userOf(caller, 'body.ownerId');
    if (caller.role === 'technician' && ownerId !== caller.userId) throw new AppError('FORBIDDEN', 'Technicians create tasks for themselves only');
    const dueAt = new Date(input.dueAt);
    const row = await this.db.transaction(async (tx) => {
      await checkOwner(tx, ownerId, 'body.ownerId');
      const customerId = await resolveCustomer(tx, input);
      const created = await this.repo.insert(tx, {
        title: input.title,
        note: input.note ?? null,
        dueAt,
        remindAt: input.remindAt === undefined ? this.defaultReminder(dueAt) : input.remindAt === null ? null : new Date(input.remindAt),
        ownerId,
        customerId,
        contactId: input.contactId ?? null,
        ticketId: input.ticketId ?? null,
        author: caller.actor,
        now,
      });
      await recordAudit(tx, caller.actor, { entity: 'task', entityId: created.id, action: 'create', changes: auditable(toTask(created)) });
      return created;
    });
    return toTask(row);
  }

  async get(id: string, caller: Caller): Promise<Task> {
    const row = await this.repo.find(this.db, id, this.clock.now());
    if (!row || !visible(row, caller)) throw notFound('task', id);
    return toTask(row);
  }

  async list(query: ListTasks, caller: Caller): Promise<Page<Task>> {
    const holder = caller.role === 'technician' || query.owner === 'me' ? userOf(caller, 'query.owner') : query.owner;
    const page = await this.repo.list(this.db, query, holder, this.clock.now());
    return { items: page.items.map(toTask), nextCursor: page.nextCursor };
  }

  async update(id: string, patch: UpdateTask, caller: Caller, ifMatch?: '*' | number[]): Promise<Task> {
    const now = this.clock.now();
    const row = await this.db.transaction(async (tx) => {
      const current = await this.repo.find(tx, id, now, { lock: true });
      if (!current || !visible(current, caller)) throw notFound('task', id);
      checkVersion(ifMatch, current.version, `task ${id}`);
      if (Object.values(patch).every((v) => v === undefined)) return current;
      if (patch.ownerId !== undefined && patch.ownerId !== current.owner_id) {
        if (caller.role === 'technician') throw new AppError('FORBIDDEN', 'Technicians cannot hand their tasks to someone else');
        await checkOwner(tx, patch.ownerId, 'body.ownerId');
      }
      const changes: TaskChanges = { title: patch.title, note: patch.note, owner_id: patch.ownerId };
      if (patch.dueAt !== undefined) changes.due_at = new Date(patch.dueAt);
      // A new due time carries the reminder along (unless the reminder is given too, or there is none).
      const remindAt =
        patch.remindAt !== undefined
          ? patch.remindAt === null
            ? null
            : new Date(patch.remindAt)
          : changes.due_at && current.remind_at
            ? this.defaultReminder(changes.due_at)
            : undefined;
      if (remindAt !== undefined && remindAt?.getTime() !== current.remind_at?.getTime()) {
        Object.assign(changes, { remind_at: remindAt, reminded_at: null, reminded_user_id: null });
      }
      if (patch.status !== undefined && patch.status !== current.status) {
        changes.status = patch.status;
        changes.closed_at = patch.status === 'open' ? null : now;
      }
      const updated = await this.repo.update(tx, id, changes, now);
      const changed = diff(auditable(toTask(current)), auditable(toTask(updated)));
      if (Object.keys(changed).length > 0) await recordAudit(tx, caller.actor, { entity: 'task', entityId: id, action: 'update', changes: changed });
      return updated;
    });
    return toTask(row);
  }

  private defaultReminder(dueAt: Date): Date {
    return new Date(dueAt.getTime() - this.options.leadMinutes * 60_000);
  }
}

/** The signed-in user behind `caller`; API keys and the admin token must name a user. */
function userOf(caller: Caller, field: string): string {
  if (caller.actor.type !== 'user' || !caller.userId) throw invalidField(field, 'name a user: the caller is not a signed-in user');
  return caller.userId;
}

/** Technicians see the tasks they own or hold; other staff see every task. */
function visible(row: TaskRow, caller: Caller): boolean {
  return caller.role !== 'technician' || row.owner_id === caller.userId || row.effective_owner_id === caller.userId;
}

/** Owners (and substitutes) are active users of a staff role. */
export async function checkOwner(q: Queryable, userId: string, field: string): Promise<void> {
  const { rows } = await q.query<{ role: string; active: boolean }>('SELECT role, active FROM users WHERE id = $1', [userId]);
  const user = rows[0];
  if (!user || !user.active || user.role === 'customer') throw invalidField(field, `${userId} is not an active staff user`);
}

/** The one customer the links belong to (null without links); VALIDATION_FAILED naming each bad link. */
async function resolveCustomer(q: Queryable, input: CreateTask): Promise<string | null> {
  const { rows } = await q.query<{ customer: string | null; contact: string | null; ticket: string | null }>(
    `SELECT (SELECT id FROM customers WHERE id = $1::uuid) AS customer, (SELECT customer_id FROM contacts WHERE id = $2::uuid) AS contact,
            (SELECT customer_id FROM tickets WHERE id = $3::uuid) AS ticket`,
    [input.customerId ?? null, input.contactId ?? null, input.ticketId ?? null],
  );
  const owners = rows[0]!;
  const fields: { field: string; message: string }[] = [];
  let customerId: string | null = null;
  for (const [link, field] of [
    ['customer', 'customerId'],
    ['contact', 'contactId'],
    ['ticket', 'ticketId'],
  ] as const) {
    const id = input[field];
    if (id === undefined) continue;
    const owner = owners[link];
    if (owner === null) fields.push({ field: `body.${field}`, message: `no ${link} ${id}` });
    else if (customerId === null) customerId = owner;
    else if (owner !== customerId) fields.push({ field: `body.${field}`, message: `the ${link} belongs to another customer than the other links` });
  }
  if (fields.length > 0) throw new AppError('VALIDATION_FAILED', `Invalid request: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
  return customerId;
}

function auditable(task: Task): Record<string, unknown> {
  const { id: _id, version: _v, createdAt: _c, updatedAt: _u, effectiveOwnerId: _e, handedOver: _h, remindedAt: _r, remindedUserId: _ru, ...fields } = task;
  return fields;
}
