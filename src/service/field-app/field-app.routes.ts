/** The technician app's own routes: /me/jobs and a visit's checklist — thin handlers over the services. */
import type { FastifyInstance } from 'fastify';
import type { ZodApp } from '../../kernel/http/http.types.js';
import type { Database } from '../../kernel/db/database.js';
import type { Clock } from '../../kernel/clock.js';
import { callerOf } from '../../access/auth/principal.js';
import type { VisitsService } from '../visits/visits.service.js';
import { checklistItemBody, checklistItemParams, checklistParams, checklistSchema } from './checklist.schemas.js';
import type { ChecklistService } from './checklist.service.js';
import { jobsQuery, jobsSchema } from './field-app.schemas.js';
import type { FieldAppService } from './field-app.service.js';
import { registerVisitPreconditions } from './visit-precondition.js';

const field = { roles: ['admin', 'dispatcher', 'technician'] } as const;
const staff = { roles: ['admin', 'dispatcher', 'agent', 'technician'] } as const;

export interface FieldAppRoutesDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly fieldApp: FieldAppService;
  readonly checklists: ChecklistService;
  readonly visits: VisitsService;
}

export async function fieldAppRoutes(app: ZodApp, deps: FieldAppRoutesDeps): Promise<void> {
  const { db, clock, fieldApp, checklists } = deps;
  registerVisitPreconditions(app as unknown as FastifyInstance, { db, visits: deps.visits });

  app.get(
    '/me/jobs',
    {
      config: field,
      schema: {
        tags: ['technician app'],
        summary: "The technician's visits from today for N days, with everything needed offline (no prices)",
        querystring: jobsQuery,
        response: { 200: jobsSchema },
      },
    },
    async (request) => fieldApp.jobs(request.query, callerOf(request)),
  );

  app.get(
    '/visits/:id/checklist',
    {
      config: staff,
      schema: {
        tags: ['visits'],
        summary: "A visit's checklist (maintenance plan or fault actions)",
        params: checklistParams,
        response: { 200: checklistSchema },
      },
    },
    async (request) => checklists.get(db, request.params.id, callerOf(request)),
  );

  app.put(
    '/visits/:id/checklist/:itemId',
    {
      config: { ...field, idempotency: true },
      schema: {
        tags: ['visits'],
        summary: 'Tick (or untick) a checklist item, with a note or photo; 409 once the visit is closed',
        params: checklistItemParams,
        body: checklistItemBody,
        response: { 200: checklistSchema },
      },
    },
    async (request) => db.transaction((tx) => checklists.set(tx, request.params.id, request.params.itemId, request.body, callerOf(request), clock.now())),
  );
}
