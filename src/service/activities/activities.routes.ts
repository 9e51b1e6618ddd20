/** /api/v1/activities — the interaction history; thin handlers over ActivitiesService. */
import { ALL_ROLES, type ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { principalOf, requestScope } from '../../access/auth/principal.js';
import type { ActivitiesService } from './activities.service.js';
import { activityIdParams, activityPage, activitySchema, createActivityBody, listActivitiesQuery, updateActivityBody } from './activities.schemas.js';

/** Staff who talk to customers log what happened; technicians read it. */
const write = { roles: ['admin', 'dispatcher', 'agent'] } as const;
/** Everyone reads; a customer user reads its own customer's activities, never internal notes. */
const read = { roles: ALL_ROLES };
const tags = ['activities'];

export async function activitiesRoutes(app: ZodApp, deps: { activities: ActivitiesService }): Promise<void> {
  const service = deps.activities;

  app.post(
    '/activities',
    { config: write, schema: { tags, summary: 'Log a call, e-mail, meeting or note', body: createActivityBody, response: { 201: activitySchema } } },
    async (request, reply) => {
      const activity = await service.create(request.body, principalOf(request).actor);
      return reply.status(201).header('etag', etagOf(activity.version)).header('location', `/api/v1/activities/${activity.id}`).send(activity);
    },
  );

  app.get(
    '/activities',
    {
      config: read,
      schema: {
        tags,
        summary: 'List activities (newest first)',
        description: 'Filter by customerId, contactId, assetId or ticketId for the history of one of them.',
        querystring: listActivitiesQuery,
        response: { 200: activityPage },
      },
    },
    async (request) => service.list(request.query, requestScope(request)),
  );

  app.get(
    '/activities/:id',
    { config: read, schema: { tags, summary: 'Read an activity', params: activityIdParams, response: { 200: activitySchema } } },
    async (request, reply) => {
      const activity = await service.get(request.params.id, requestScope(request));
      return reply.header('etag', etagOf(activity.version)).send(activity);
    },
  );

  app.patch(
    '/activities/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Correct an activity',
        params: activityIdParams,
        headers: ifMatchHeaders,
        body: updateActivityBody,
        response: { 200: activitySchema },
      },
    },
    async (request, reply) => {
      const activity = await service.update(request.params.id, request.body, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(activity.version)).send(activity);
    },
  );
}
