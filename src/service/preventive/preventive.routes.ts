/**
 * /api/v1/contracts/{id}/maintenance-plans — preventive plans of a contract (admin, dispatcher);
 * POST /api/v1/maintenance-plans/run — generate due preventive visits now (admin).
 */
import { z } from 'zod';
import type { ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { callerOf } from '../../access/auth/principal.js';
import type { PreventiveGenerationService } from './preventive-generation.service.js';
import type { MaintenancePlansService } from './maintenance-plans.service.js';
import {
  contractPlansParams,
  createPlanBody,
  occurrenceListSchema,
  planListSchema,
  planParams,
  planSchema,
  runResultSchema,
  updatePlanBody,
} from './maintenance-plans.schemas.js';

const manage = { roles: ['admin', 'dispatcher'] } as const;
const tags = ['maintenance plans'];

export const preventiveRoutes = async (
  app: ZodApp,
  { plans, generation }: { plans: MaintenancePlansService; generation: PreventiveGenerationService },
): Promise<void> => {
  app.post(
    '/contracts/:id/maintenance-plans',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add a preventive maintenance plan to a contract',
        params: contractPlansParams,
        body: createPlanBody,
        response: { 201: planSchema },
      },
    },
    async (request, reply) => {
      const plan = await plans.create(request.params.id, request.body, callerOf(request).actor);
      return reply
        .status(201)
        .header('etag', etagOf(plan.version))
        .header('location', `/api/v1/contracts/${plan.contractId}/maintenance-plans/${plan.id}`)
        .send(plan);
    },
  );

  app.get(
    '/contracts/:id/maintenance-plans',
    { config: manage, schema: { tags, summary: "A contract's maintenance plans", params: contractPlansParams, response: { 200: planListSchema } } },
    async (request) => plans.list(request.params.id),
  );

  app.get(
    '/contracts/:id/maintenance-plans/:planId',
    { config: manage, schema: { tags, summary: 'Read a maintenance plan', params: planParams, response: { 200: planSchema } } },
    async (request, reply) => {
      const plan = await plans.get(request.params.id, request.params.planId);
      return reply.header('etag', etagOf(plan.version)).send(plan);
    },
  );

  app.patch(
    '/contracts/:id/maintenance-plans/:planId',
    {
      config: manage,
      schema: { tags, summary: 'Update a maintenance plan', params: planParams, headers: ifMatchHeaders, body: updatePlanBody, response: { 200: planSchema } },
    },
    async (request, reply) => {
      const { id, planId } = request.params;
      const plan = await plans.update(id, planId, request.body, callerOf(request).actor, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(plan.version)).send(plan);
    },
  );

  app.delete(
    '/contracts/:id/maintenance-plans/:planId',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Delete a plan without occurrences (409 otherwise: deactivate it)',
        params: planParams,
        response: { 204: z.null().describe('Deleted') },
      },
    },
    async (request, reply) => {
      await plans.delete(request.params.id, request.params.planId, callerOf(request).actor);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/contracts/:id/maintenance-plans/:planId/occurrences',
    {
      config: manage,
      schema: { tags, summary: 'Generated occurrences of a plan (ticket, visit, due)', params: planParams, response: { 200: occurrenceListSchema } },
    },
    async (request) => plans.occurrences(request.params.id, request.params.planId),
  );

  app.post(
    '/maintenance-plans/run',
    {
      config: { roles: ['admin'] },
      schema: {
        tags,
        summary: 'Generate the due preventive tickets and visits now (idempotent); returns what was created',
        response: { 200: runResultSchema },
      },
    },
    async () => generation.run(),
  );
};
