/**
 * Task reminders: every open task whose reminder time has come gets one e-mail (the
 * notification outbox, sent by its worker with retries) to the task's effective owner — the
 * substitute while the owner is absent — and a `task.reminder` event on the live task stream.
 * The conditional UPDATE that marks the reminder sent (claimReminder) runs in the same
 * transaction as the outbox insert, so concurrent or repeated runs send it exactly once, and a
 * rolled-back run sends nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../../kernel/clock.js';
import type { Database } from '../../kernel/db/database.js';
import type { Logger } from '../../kernel/logger.js';
import { NotificationsRepository } from '../notifications/notifications.repository.js';
import { TasksRepository, toTask } from './tasks.repository.js';
import type { Task, TaskReminderEvent } from './tasks.schemas.js';

/** The Redis pub/sub channel of task events (GET /stream/tasks). */
export const taskEventsChannel = (prefix: string): string => `${prefix}:task-events`;

export interface TaskRemindersOptions {
  /** Publishes the live events; absent = e-mail only. */
  readonly redis?: Redis | undefined;
  /** REDIS_PREFIX. */
  readonly prefix: string;
  readonly logger: Logger;
  /** Reminders sent per run (the oldest first). Default 200. */
  readonly batch?: number;
}

interface Recipient {
  id: string;
  name: string;
  email: string;
}

export class TaskRemindersService {
  private readonly tasks = new TasksRepository();
  private readonly outbox = new NotificationsRepository();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly options: TaskRemindersOptions,
  ) {}

  /** One pass; returns how many reminders went out. */
  async run(): Promise<{ sent: number }> {
    const now = this.clock.now();
    let sent = 0;
    for (const id of await this.tasks.dueReminders(this.db, now, this.options.batch ?? 200)) {
      const reminded = await this.db.transaction(async (tx) => {
        const row = await this.tasks.find(tx, id, now, { lock: true });
        if (!row) return undefined;
        const userId = row.effective_owner_id;
        if (!(await this.tasks.claimReminder(tx, id, userId, now))) return undefined;
        const { rows } = await tx.query<Recipient>('SELECT id, name, email FROM users WHERE id = $1', [userId]);
        const recipient = rows[0]!;
        const { rows: owners } = await tx.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [row.owner_id]);
        const task = toTask((await this.tasks.find(tx, id, now))!);
        const message = reminderMessage(task, recipient, owners[0]?.name ?? null);
        await this.outbox.insert(tx, {
          dedupeKey: `task.reminder:${task.id}:${task.remindAt}`,
          event: 'task.reminder',
          ticketId: task.ticketId,
          visitId: null,
          recipient: `user:${recipient.id}`,
          contactId: null,
          technicianId: null,
          channel: 'email',
          address: recipient.email,
          language: 'en',
          subject: message.subject,
          body: message.body,
          html: null,
          data: { taskId: task.id, dueAt: task.dueAt, ownerId: task.ownerId, userId: recipient.id },
          at: now,
        });
        return { task, userId };
      });
      if (!reminded) continue;
      sent++;
      await this.publish({ id: randomUUID(), type: 'task.reminder', at: now.toISOString(), userId: reminded.userId, task: reminded.task });
    }
    return { sent };
  }

  /** Best effort: the e-mail is the reminder of record; a Redis hiccup only loses the live toast. */
  private async publish(event: TaskReminderEvent): Promise<void> {
    if (!this.options.redis) return;
    try {
      await this.options.redis.publish(taskEventsChannel(this.options.prefix), JSON.stringify(event));
    } catch (error) {
      this.options.logger.warn({ err: error, taskId: event.task.id }, 'task reminder not published on the stream');
    }
  }
}

function reminderMessage(task: Task, recipient: Recipient, ownerName: string | null): { subject: string; body: string } {
  const lines = [`Hello ${recipient.name},`, '', `Reminder: "${task.title}" is due at ${task.dueAt}.`];
  if (task.handedOver) lines.push(`You hold this task while ${ownerName ?? 'its owner'} is absent.`);
  if (task.note) lines.push('', task.note);
  lines.push('', `Task ${task.id}`);
  return { subject: `Reminder: ${task.title}`, body: lines.join('\n') };
}
