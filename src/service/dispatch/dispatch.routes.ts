/**
 * Dispatch routes: technician suggestions, one-click dispatch, the schedule board, setting out
 * and ETA, visits' assignment history and the dispatch settings — thin handlers over the services.
 */
import type { ZodApp } from '../../kernel/http/http.types.js';
import type { Queryable } from '../../kernel/db/database.js';
import { callerOf } from '../../access/auth/principal.js';
import { DispatchRepository } from './dispatch.repository.js';
import {
  assignmentHistorySchema,
  dispatchBody,
  dispatchCheckBody,
  dispatchCheckSchema,
  dispatchResultSchema,
  enRouteBody,
  etaBody,
  etaSchema,
  scheduleQuery,
  scheduleSchema,
  settingsBody,
  settingsSchema,
  suggestionsQuery,
  suggestionsSchema,
  ticketParams,
  visitParams,
} from './dispatch.schemas.js';
import type { DispatchService } from './dispatch.service.js';
import type { EtaService } from './eta.service.js';
import type { ScheduleService } from './schedule.service.js';
import { notFound } from '../../kernel/errors.js';

const plan = { roles: ['admin', 'dispatcher'] } as const;
const field = { roles: ['admin', 'dispatcher', 'technician'] } as const;
const read = { roles: ['admin', 'dispatcher', 'technician', 'agent'] } as const;
const tags = ['dispatch'];

export interface DispatchRoutesDeps {
  readonly db: Queryable;
  readonly dispatch: DispatchService;
  readonly schedule: ScheduleService;
  readonly eta: EtaService;
}

export const dispatchRoutes = async (app: ZodApp, { db, dispatch, schedule, eta }: DispatchRoutesDeps): Promise<void> => {
  const repo = new DispatchRepository();

  app.get(
    '/tickets/:id/technician-suggestions',
    {
      config: plan,
      schema: {
        tags,
        summary: 'Ranked technicians and their earliest slot for a ticket, with reasons',
        params: ticketParams,
        querystring: suggestionsQuery,
        response: { 200: suggestionsSchema },
      },
    },
    async (request) => dispatch.suggest(request.params.id, request.query),
  );

  app.post(
    '/tickets/:id/dispatch',
    {
      config: plan,
      schema: {
        tags,
        summary: 'One-click dispatch: plan (or move) the visit and assign the ticket',
        params: ticketParams,
        body: dispatchBody,
        response: { 200: dispatchResultSchema },
      },
    },
    async (request) => dispatch.dispatch(request.params.id, request.body, callerOf(request)),
  );

  app.post(
    '/dispatch/check',
    {
      config: plan,
      schema: {
        tags,
        summary: 'Conflicts and working-hours violations of a window (or the plan one-click dispatch would book), without booking',
        body: dispatchCheckBody,
        response: { 200: dispatchCheckSchema },
      },
    },
    async (request) => dispatch.check(request.body),
  );

  app.get(
    '/schedule',
    {
      config: field,
      schema: {
        tags,
        summary: 'Schedule board: per technician, visits with travel and free gaps',
        querystring: scheduleQuery,
        response: { 200: scheduleSchema },
      },
    },
    async (request) => schedule.board(request.query.date, request.query.technicianId, callerOf(request)),
  );

  app.post(
    '/visits/:id/en-route',
    {
      config: field,
      schema: {
        tags,
        summary: 'The technician sets out: ticket en_route, ETA computed, customer told',
        params: visitParams,
        body: enRouteBody,
        response: { 200: etaSchema },
      },
    },
    async (request) => eta.enRoute(request.params.id, request.body, callerOf(request)),
  );

  app.put(
    '/visits/:id/eta',
    {
      config: { ...field, idempotency: true },
      schema: {
        tags,
        summary: 'Update the ETA; a delay beyond the threshold notifies the customer',
        params: visitParams,
        body: etaBody,
        response: { 200: etaSchema },
      },
    },
    async (request) => eta.updateEta(request.params.id, request.body, callerOf(request)),
  );

  app.get('/visits/:id/eta', { config: read, schema: { tags, summary: "A visit's ETA", params: visitParams, response: { 200: etaSchema } } }, async (request) =>
    eta.get(request.params.id, callerOf(request)),
  );

  app.get(
    '/visits/:id/assignments',
    {
      config: read,
      schema: { tags, summary: 'Who the visit was assigned to, and every reassignment', params: visitParams, response: { 200: assignmentHistorySchema } },
    },
    async (request) => {
      const found = await db.query('SELECT 1 FROM visits WHERE id = $1', [request.params.id]);
      if (found.rows.length === 0) throw notFound('visit', request.params.id);
      const rows = await repo.history(db, request.params.id);
      return {
        visitId: request.params.id,
        items: rows.map((r) => ({
          fromTechnicianId: r.from_technician_id,
          toTechnicianId: r.to_technician_id,
          at: r.at.toISOString(),
          actor: { type: r.actor_type, id: r.actor_id },
          reason: r.reason,
        })),
      };
    },
  );

  app.get(
    '/dispatch/settings',
    { config: plan, schema: { tags, summary: 'Dispatch settings (auto-assign policy, assumptions)', response: { 200: settingsSchema } } },
    async () => dispatch.settings(),
  );

  app.put(
    '/dispatch/settings',
    { config: { roles: ['admin'] }, schema: { tags, summary: 'Turn the auto-assign policy on or off', body: settingsBody, response: { 200: settingsSchema } } },
    async (request) => dispatch.updateSettings(request.body, callerOf(request)),
  );
};
