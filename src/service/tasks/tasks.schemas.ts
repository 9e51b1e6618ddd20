/** Tasks API contract: the desk's follow-ups with a due time, an owner and a reminder. */
import { z } from 'zod';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';

export const TASK_STATUSES = ['open', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const taskIdParams = z.object({ id: z.uuid() });

export const taskSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  note: z.string().nullable(),
  dueAt: z.iso.datetime(),
  remindAt: z.iso.datetime().nullable().describe('When the reminder goes out; null = no reminder'),
  ownerId: z.uuid(),
  effectiveOwnerId: z.uuid().describe("Who holds the task now: the owner, or while the owner is absent the absence's substitute (who also gets the reminder)"),
  handedOver: z.boolean().describe('true while the task is with the substitute of its absent owner'),
  customerId: z.uuid().nullable(),
  contactId: z.uuid().nullable(),
  ticketId: z.uuid().nullable(),
  status: z.enum(TASK_STATUSES),
  closedAt: z.iso.datetime().nullable().describe('When it was done or cancelled'),
  remindedAt: z.iso.datetime().nullable().describe('When the reminder was sent (once); a new remindAt re-arms it'),
  remindedUserId: z.uuid().nullable().describe('Who the reminder went to'),
  author: z.object({ type: z.string(), id: z.string() }),
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Task = z.infer<typeof taskSchema>;

const title = z.string().trim().min(1).max(300);
const note = z.string().max(10_000);
const instant = z.iso.datetime({ offset: true });

export const createTaskBody = z
  .strictObject({
    title,
    note: note.optional(),
    dueAt: instant,
    remindAt: instant.nullable().optional().describe('Default dueAt − TASK_REMINDER_LEAD_MINUTES; null = no reminder'),
    ownerId: z.uuid().optional().describe('A staff user; default the caller'),
    customerId: z.uuid().optional(),
    contactId: z.uuid().optional(),
    ticketId: z.uuid().optional(),
  })
  .describe('Links must belong to one customer; the customer is derived from the contact or ticket when not given');
export type CreateTask = z.infer<typeof createTaskBody>;

/** PATCH: fields present are replaced; a new dueAt without remindAt moves the reminder with it. */
export const updateTaskBody = z.strictObject({
  title: title.optional(),
  note: note.nullable().optional(),
  dueAt: instant.optional(),
  remindAt: instant.nullable().optional(),
  ownerId: z.uuid().optional(),
  status: z.enum(TASK_STATUSES).optional(),
});
export type UpdateTask = z.infer<typeof updateTaskBody>;

export const TASK_SORTS = ['dueAt', 'createdAt'] as const;

export const listTasksQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(TASK_SORTS, 'dueAt'),
  owner: z
    .union([z.literal('me'), z.uuid()])
    .optional()
    .describe("`me` or a user id: tasks that user owns or holds as a substitute (a technician's list is always `me`)"),
  status: z.enum(TASK_STATUSES).optional(),
  dueBefore: instant.optional().describe('Due strictly before this instant'),
  customerId: z.uuid().optional(),
  ticketId: z.uuid().optional(),
});
export type ListTasks = z.infer<typeof listTasksQuery>;

export const taskPage = pageSchema(taskSchema);

/** What the live stream (`GET /stream/tasks`) and the e-mail say when a reminder fires. */
export interface TaskReminderEvent {
  readonly id: string;
  readonly type: 'task.reminder';
  readonly at: string;
  /** The user reminded (the stream delivers it to that user only). */
  readonly userId: string;
  readonly task: Task;
}
