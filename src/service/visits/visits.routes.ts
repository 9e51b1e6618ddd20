/** /api/v1/tickets/{id}/visits and /api/v1/visits/{id} — thin handlers over VisitsService. */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { callerOf } from '../../access/auth/principal.js';
import type { VisitsService } from './visits.service.js';
import {
  acceptanceBody,
  createVisitBody,
  labourBody,
  partBody,
  ticketVisitsParams,
  updateVisitBody,
  visitIdParams,
  visitListSchema,
  visitSchema,
} from './visits.schemas.js';

const plan = { roles: ['admin', 'dispatcher'] } as const;
const read = { roles: ['admin', 'dispatcher', 'agent', 'technician', 'customer'] } as const;
const work = { roles: ['admin', 'dispatcher', 'technician'] } as const;
const tags = ['visits'];

export async function visitsRoutes(app: ZodApp, { visits: service }: { visits: VisitsService }): Promise<void> {
  app.post(
    '/tickets/:id/visits',
    {
      config: plan,
      schema: { tags, summary: 'Plan a visit (work order) for a ticket', params: ticketVisitsParams, body: createVisitBody, response: { 201: visitSchema } },
    },
    async (request, reply) => {
      const visit = await service.create(request.params.id, request.body, callerOf(request));
      return reply.status(201).header('etag', etagOf(visit.version)).header('location', `/api/v1/visits/${visit.id}`).send(visit);
    },
  );

  app.get(
    '/tickets/:id/visits',
    { config: read, schema: { tags, summary: "A ticket's visits", params: ticketVisitsParams, response: { 200: visitListSchema } } },
    async (request) => ({ items: await service.listByTicket(request.params.id, callerOf(request)) }),
  );

  app.get(
    '/visits/:id',
    { config: read, schema: { tags, summary: 'Read a visit with labour and parts', params: visitIdParams, response: { 200: visitSchema } } },
    async (request, reply) => {
      const visit = await service.get(request.params.id, callerOf(request));
      return reply.header('etag', etagOf(visit.version)).send(visit);
    },
  );

  app.patch(
    '/visits/:id',
    {
      // Idempotency-Key opt-in: the technician app replays arrival and outcome from its offline queue.
      config: { ...work, idempotency: true },
      schema: {
        tags,
        summary: 'Update a visit: window, actuals, outcome',
        params: visitIdParams,
        headers: ifMatchHeaders,
        body: updateVisitBody,
        response: { 200: visitSchema },
      },
    },
    async (request, reply) => {
      const visit = await service.update(request.params.id, request.body, callerOf(request), parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(visit.version)).send(visit);
    },
  );

  app.post(
    '/visits/:id/labour',
    {
      config: work,
      schema: {
        tags,
        summary: 'Record labour (draws prepaid minutes; 409 when insufficient)',
        params: visitIdParams,
        body: labourBody,
        response: { 201: visitSchema },
      },
    },
    async (request, reply) => {
      const visit = await service.addLabour(request.params.id, request.body, callerOf(request));
      return reply.status(201).header('etag', etagOf(visit.version)).send(visit);
    },
  );

  app.post(
    '/visits/:id/parts',
    { config: work, schema: { tags, summary: 'Record a part used', params: visitIdParams, body: partBody, response: { 201: visitSchema } } },
    async (request, reply) => {
      const visit = await service.addPart(request.params.id, request.body, callerOf(request));
      return reply.status(201).header('etag', etagOf(visit.version)).send(visit);
    },
  );

  app.post(
    '/visits/:id/acceptance',
    {
      config: work,
      schema: { tags, summary: 'Record customer acceptance (typed or signed)', params: visitIdParams, body: acceptanceBody, response: { 200: visitSchema } },
    },
    async (request, reply) => {
      const visit = await service.accept(request.params.id, request.body, callerOf(request));
      return reply.header('etag', etagOf(visit.version)).send(visit);
    },
  );
}
