/**
 * /api/v1/opportunities — offers raised by service, with stage and value. Readable and editable
 * by the front desk too, without the value: it is money of kind `sales`, which only the back office
 * sees (src/access/auth/money.ts). POST /api/v1/opportunities/run runs the rules now (admin).
 */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { callerOf } from '../../access/auth/principal.js';
import type { OpportunitiesService } from './opportunities.service.js';
import type { OpportunityRulesService } from './opportunity-rules.service.js';
import {
  createOpportunityBody,
  listOpportunitiesQuery,
  opportunityIdParams,
  opportunityPage,
  opportunitySchema,
  rulesRunSchema,
  updateOpportunityBody,
} from './opportunities.schemas.js';

const staff = { roles: ['admin', 'dispatcher', 'agent'] } as const;
const tags = ['opportunities'];

export async function opportunitiesRoutes(app: ZodApp, deps: { opportunities: OpportunitiesService; rules: OpportunityRulesService }): Promise<void> {
  const service = deps.opportunities;
  const { rules } = deps;

  app.post(
    '/opportunities',
    { config: staff, schema: { tags, summary: 'Record an opportunity', body: createOpportunityBody, response: { 201: opportunitySchema } } },
    async (request, reply) => {
      const opportunity = await service.create(request.body, callerOf(request).actor);
      return reply.status(201).header('etag', etagOf(opportunity.version)).header('location', `/api/v1/opportunities/${opportunity.id}`).send(opportunity);
    },
  );

  app.get(
    '/opportunities',
    {
      config: staff,
      schema: {
        tags,
        summary: 'List opportunities (filters: customer, stage, open, kind, owner, asset)',
        querystring: listOpportunitiesQuery,
        response: { 200: opportunityPage },
      },
    },
    async (request) => service.list(request.query),
  );

  app.get(
    '/opportunities/:id',
    { config: staff, schema: { tags, summary: 'Read an opportunity', params: opportunityIdParams, response: { 200: opportunitySchema } } },
    async (request, reply) => {
      const opportunity = await service.get(request.params.id);
      return reply.header('etag', etagOf(opportunity.version)).send(opportunity);
    },
  );

  app.patch(
    '/opportunities/:id',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Update an opportunity or move its stage (new → qualified → proposed → won/lost; invalid move → 409)',
        params: opportunityIdParams,
        headers: ifMatchHeaders,
        body: updateOpportunityBody,
        response: { 200: opportunitySchema },
      },
    },
    async (request, reply) => {
      const opportunity = await service.update(request.params.id, request.body, callerOf(request).actor, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(opportunity.version)).send(opportunity);
    },
  );

  app.post(
    '/opportunities/run',
    {
      config: { roles: ['admin'] },
      schema: { tags, summary: 'Run the opportunity rules now (idempotent); returns what was created', response: { 200: rulesRunSchema } },
    },
    async () => rules.run(),
  );
}
