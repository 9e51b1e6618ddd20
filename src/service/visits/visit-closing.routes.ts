/**
 * Closing a visit, thin handlers over VisitClosingService: /visits/{id}/close, /visits/{id}/closure,
 * /visits/{id}/knowledge-proposal.
 */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { etagOf } from '../../kernel/http/etag.js';
import { callerOf } from '../../access/auth/principal.js';
import { closeVisitBody, closeVisitResponse, closureSchema, knowledgeProposalBody, knowledgeProposalSchema } from './visit-closing.schemas.js';
import type { VisitClosingService } from './visit-closing.service.js';
import { visitIdParams } from './visits.schemas.js';

const closeConfig = { roles: ['admin', 'dispatcher', 'technician'] } as const;
const closureRead = { roles: ['admin', 'dispatcher', 'agent', 'technician', 'customer'] } as const;
const visitTags = ['visits'];

export async function visitClosingRoutes(app: ZodApp, { closing }: { closing: VisitClosingService }): Promise<void> {
  app.post(
    '/visits/:id/close',
    {
      config: closeConfig,
      schema: {
        tags: visitTags,
        summary: 'Close a visit: outcome, acceptance, resolution notes, first-time fix; fixed resolves the ticket (409 when already closed)',
        params: visitIdParams,
        body: closeVisitBody,
        response: { 200: closeVisitResponse },
      },
    },
    async (request, reply) => {
      const result = await closing.close(request.params.id, request.body, callerOf(request));
      return reply.header('etag', etagOf(result.visit.version)).send(result);
    },
  );

  app.get(
    '/visits/:id/closure',
    { config: closureRead, schema: { tags: visitTags, summary: "A closed visit's closure record", params: visitIdParams, response: { 200: closureSchema } } },
    async (request) => closing.closure(request.params.id, callerOf(request)),
  );

  app.post(
    '/visits/:id/knowledge-proposal',
    {
      config: closeConfig,
      schema: {
        tags: visitTags,
        summary: "Propose a closed visit's resolution as a draft knowledge-base article (once per visit)",
        params: visitIdParams,
        body: knowledgeProposalBody,
        response: { 201: knowledgeProposalSchema },
      },
    },
    async (request, reply) => {
      const proposal = await closing.proposeKnowledge(request.params.id, request.body, callerOf(request));
      return reply.status(201).header('location', `/api/v1/knowledge/articles/${proposal.articleId}`).send(proposal);
    },
  );
}
