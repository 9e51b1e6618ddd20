/** /api/v1/tasks — the desk's follow-ups; /stream/tasks — the caller's reminders, live. Thin handlers over the services. */
import { callerOf, principalOf } from '../../access/auth/principal.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import type { ZodApp } from '../../kernel/http/http.types.js';
import { z } from 'zod';
import { registerEventStream, type EventStreamDeps } from '../delivery/event-stream.route.js';
import { taskEventsChannel, type TaskRemindersService } from './task-reminders.service.js';
import type { TasksService } from './tasks.service.js';
import { createTaskBody, listTasksQuery, taskIdParams, taskPage, taskSchema, updateTaskBody } from './tasks.schemas.js';

/** Staff; technicians only see and change the tasks they own or hold. */
const staff = { roles: ['admin', 'dispatcher', 'agent', 'technician'] } as const;
const admin = { roles: ['admin'] } as const;
const tags = ['tasks'];

export interface TasksRouteDeps {
  readonly tasks: TasksService;
  readonly reminders: TaskRemindersService;
  readonly stream: EventStreamDeps;
}

export async function tasksRoutes(app: ZodApp, deps: TasksRouteDeps): Promise<void> {
  const { tasks } = deps;

  app.post(
    '/tasks',
    { config: staff, schema: { tags, summary: 'Create a follow-up task', body: createTaskBody, response: { 201: taskSchema } } },
    async (request, reply) => {
      const task = await tasks.create(request.body, callerOf(request));
      return reply.status(201).header('etag', etagOf(task.version)).header('location', `/api/v1/tasks/${task.id}`).send(task);
    },
  );

  app.get(
    '/tasks',
    {
      config: staff,
      schema: {
        tags,
        summary: 'List tasks',
        description: 'Filters: owner (me or a user id; includes tasks held as a substitute), status, dueBefore, customerId, ticketId.',
        querystring: listTasksQuery,
        response: { 200: taskPage },
      },
    },
    async (request) => tasks.list(request.query, callerOf(request)),
  );

  app.get(
    '/tasks/:id',
    { config: staff, schema: { tags, summary: 'Read a task', params: taskIdParams, response: { 200: taskSchema } } },
    async (request, reply) => {
      const task = await tasks.get(request.params.id, callerOf(request));
      return reply.header('etag', etagOf(task.version)).send(task);
    },
  );

  app.patch(
    '/tasks/:id',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Update, complete or cancel a task',
        params: taskIdParams,
        headers: ifMatchHeaders,
        body: updateTaskBody,
        response: { 200: taskSchema },
      },
    },
    async (request, reply) => {
      const task = await tasks.update(request.params.id, request.body, callerOf(request), parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(task.version)).send(task);
    },
  );

  app.post(
    '/tasks/reminders/run',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Send the due reminders now (the worker does it every TASK_REMINDER_INTERVAL_MS)',
        response: { 200: z.object({ sent: z.number().int() }) },
      },
    },
    async () => deps.reminders.run(),
  );

  registerEventStream(app, deps.stream, {
    url: '/stream/tasks',
    name: 'the task stream',
    config: staff,
    schema: { tags, summary: "Server-sent events: task.reminder, the caller's own reminders (as owner or substitute; no replay)" },
    channel: taskEventsChannel,
    filter: (request) => {
      const userId = principalOf(request).actor.id;
      return (raw) => (JSON.parse(raw) as { userId?: string }).userId === userId;
    },
  });
}
