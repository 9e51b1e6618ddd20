/** /api/v1/tickets — thin handlers: validate (zod), delegate to TicketsService, set ETag. */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { callerOf } from '../../access/auth/principal.js';
import type { TicketsService } from './tickets.service.js';
import {
  assignmentBody,
  createTicketBody,
  historySchema,
  listTicketsQuery,
  ticketIdParams,
  ticketPage,
  ticketCountsQuery,
  ticketCountsSchema,
  ticketSchema,
  transitionBody,
  updateTicketBody,
} from './tickets.schemas.js';

const create = { roles: ['admin', 'dispatcher', 'agent', 'customer'] } as const;
const read = { roles: ['admin', 'dispatcher', 'agent', 'technician', 'customer'] } as const;
const manage = { roles: ['admin', 'dispatcher'] } as const;
const move = { roles: ['admin', 'dispatcher', 'technician'] } as const;
const tags = ['tickets'];

export async function ticketsRoutes(app: ZodApp, { tickets: service }: { tickets: TicketsService }): Promise<void> {
  app.post(
    '/tickets',
    {
      config: create,
      schema: { tags, summary: 'Open a ticket (contract and SLA looked up automatically)', body: createTicketBody, response: { 201: ticketSchema } },
    },
    async (request, reply) => {
      const ticket = await service.create(request.body, callerOf(request));
      return reply.status(201).header('etag', etagOf(ticket.version)).header('location', `/api/v1/tickets/${ticket.id}`).send(ticket);
    },
  );

  app.get(
    '/tickets',
    { config: read, schema: { tags, summary: 'List tickets', querystring: listTicketsQuery, response: { 200: ticketPage } } },
    async (request) => service.list(request.query, callerOf(request)),
  );

  app.get(
    '/tickets/counts',
    {
      config: read,
      schema: {
        tags,
        summary: 'How many tickets match the list filters, by status and priority',
        querystring: ticketCountsQuery,
        response: { 200: ticketCountsSchema },
      },
    },
    async (request) => service.counts(request.query, callerOf(request)),
  );

  app.get(
    '/tickets/:id',
    { config: read, schema: { tags, summary: 'Read a ticket with its SLA state', params: ticketIdParams, response: { 200: ticketSchema } } },
    async (request, reply) => {
      const ticket = await service.get(request.params.id, callerOf(request));
      return reply.header('etag', etagOf(ticket.version)).send(ticket);
    },
  );

  app.patch(
    '/tickets/:id',
    {
      config: manage,
      schema: { tags, summary: 'Update a ticket', params: ticketIdParams, headers: ifMatchHeaders, body: updateTicketBody, response: { 200: ticketSchema } },
    },
    async (request, reply) => {
      const ticket = await service.update(request.params.id, request.body, callerOf(request), parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(ticket.version)).send(ticket);
    },
  );

  app.post(
    '/tickets/:id/transitions',
    {
      config: move,
      schema: {
        tags,
        summary: 'Move a ticket along its workflow (409 on a move the workflow does not allow)',
        params: ticketIdParams,
        headers: ifMatchHeaders,
        body: transitionBody,
        response: { 200: ticketSchema },
      },
    },
    async (request, reply) => {
      const ticket = await service.transition(request.params.id, request.body, callerOf(request), parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(ticket.version)).send(ticket);
    },
  );

  app.post(
    '/tickets/:id/assignment',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Assign (or unassign) a technician',
        params: ticketIdParams,
        headers: ifMatchHeaders,
        body: assignmentBody,
        response: { 200: ticketSchema },
      },
    },
    async (request, reply) => {
      const ticket = await service.assign(request.params.id, request.body, callerOf(request), parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(ticket.version)).send(ticket);
    },
  );

  app.get(
    '/tickets/:id/history',
    { config: read, schema: { tags, summary: 'Status history with time in each status', params: ticketIdParams, response: { 200: historySchema } } },
    async (request) => service.history(request.params.id, callerOf(request)),
  );
}
