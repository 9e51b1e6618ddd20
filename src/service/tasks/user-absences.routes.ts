/** /api/v1/users/{id}/absences — any user's absences and substitute (admin or the user themself changes them). */
import { callerOf } from '../../access/auth/principal.js';
import type { ZodApp } from '../../kernel/http/http.types.js';
import type { UserAbsencesService } from './user-absences.service.js';
import {
  createUserAbsenceBody,
  userAbsenceIdParams,
  userAbsenceListSchema,
  userAbsenceResultSchema,
  userAbsenceSchema,
  userIdParams,
} from './user-absences.schemas.js';

/** Staff; the service lets only an admin or the user themself record or cancel. */
const staff = { roles: ['admin', 'dispatcher', 'agent', 'technician'] } as const;
const tags = ['users'];

export async function userAbsencesRoutes(app: ZodApp, deps: { absences: UserAbsencesService }): Promise<void> {
  app.post(
    '/users/:id/absences',
    {
      config: staff,
      schema: {
        tags,
        summary: "Record a user's absence; their open tasks and reminders go to the substitute meanwhile (a technician's planned visits too)",
        params: userIdParams,
        body: createUserAbsenceBody,
        response: { 201: userAbsenceResultSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await deps.absences.add(request.params.id, request.body, callerOf(request))),
  );

  app.get(
    '/users/:id/absences',
    {
      config: staff,
      schema: { tags, summary: "A user's absences ending in the last 30 days or later", params: userIdParams, response: { 200: userAbsenceListSchema } },
    },
    async (request) => ({ items: await deps.absences.list(request.params.id) }),
  );

  app.delete(
    '/users/:id/absences/:absenceId',
    {
      config: staff,
      schema: { tags, summary: 'Cancel an absence (the user holds their tasks again)', params: userAbsenceIdParams, response: { 200: userAbsenceSchema } },
    },
    async (request) => deps.absences.cancel(request.params.id, request.params.absenceId, callerOf(request)),
  );
}
