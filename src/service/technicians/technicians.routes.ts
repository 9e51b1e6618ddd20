/** /api/v1/technicians — profiles, absences, location, MQTT credentials; thin handlers over the services. */
import { z } from 'zod';
import type { ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { assertSendableUrl, type EgressPolicy } from '../../kernel/egress/egress-policy.js';
import { callerOf } from '../../access/auth/principal.js';
import type { TechnicianLocationService } from './technician-location.service.js';
import {
  absenceIdParams,
  absenceListSchema,
  absenceResultSchema,
  absenceSchema,
  createAbsenceBody,
  locationHistorySchema,
  locationPayloadSchema,
  mqttCredentialsSchema,
  technicianIdParams,
  technicianListSchema,
  technicianProfileSchema,
  updateProfileBody,
} from './technicians.schemas.js';
import type { TechniciansService } from './technicians.service.js';

/** Money on a profile: removed from responses for roles that never see it (agent). */
const staff = { roles: ['admin', 'dispatcher'] } as const;
const field = { roles: ['admin', 'dispatcher', 'technician'] } as const;
const read = { roles: ['admin', 'dispatcher', 'technician', 'agent'] } as const;
const tags = ['technicians'];

export interface TechniciansRoutesDeps {
  readonly technicians: TechniciansService;
  readonly locations: TechnicianLocationService;
  /** Where technicians' push URLs may point (EGRESS_ALLOW). */
  readonly egress: EgressPolicy;
  /** Closes the app's MQTT session when its token is rotated (every broker process). */
  readonly mqttSessions?: { revoke(clientId: string): void } | undefined;
}

export const techniciansRoutes = async (app: ZodApp, { technicians: service, locations, egress, mqttSessions }: TechniciansRoutesDeps): Promise<void> => {
  app.get(
    '/technicians',
    { config: read, schema: { tags, summary: 'Active technicians with their profiles', response: { 200: technicianListSchema } } },
    async (request) => ({
      items: await service.list(callerOf(request)),
    }),
  );

  app.get(
    '/technicians/:id',
    { config: read, schema: { tags, summary: "A technician's profile", params: technicianIdParams, response: { 200: technicianProfileSchema } } },
    async (request, reply) => {
      const profile = await service.get(request.params.id, callerOf(request));
      return reply.header('etag', etagOf(profile.version)).send(profile);
    },
  );

  app.put(
    '/technicians/:id',
    {
      config: field,
      schema: {
        tags,
        summary: 'Create or update the profile (skills with levels, home base, hours...)',
        params: technicianIdParams,
        headers: ifMatchHeaders,
        body: updateProfileBody,
        response: { 200: technicianProfileSchema },
      },
    },
    async (request, reply) => {
      assertSendableUrl(egress, request.body.pushUrl, 'body.pushUrl');
      const profile = await service.update(request.params.id, request.body, callerOf(request), parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(profile.version)).send(profile);
    },
  );

  app.post(
    '/technicians/:id/absences',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Record an absence; planned visits inside it pass to the substitute',
        params: technicianIdParams,
        body: createAbsenceBody,
        response: { 201: absenceResultSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await service.addAbsence(request.params.id, request.body, callerOf(request))),
  );

  app.get(
    '/technicians/:id/absences',
    {
      config: field,
      schema: { tags, summary: 'Absences ending in the last 30 days or later', params: technicianIdParams, response: { 200: absenceListSchema } },
    },
    async (request) => ({ items: await service.listAbsences(request.params.id, callerOf(request)) }),
  );

  app.delete(
    '/technicians/:id/absences/:absenceId',
    { config: staff, schema: { tags, summary: 'Cancel an absence (moved visits stay moved)', params: absenceIdParams, response: { 200: absenceSchema } } },
    async (request) => service.cancelAbsence(request.params.id, request.params.absenceId, callerOf(request)),
  );

  app.post(
    '/technicians/:id/location',
    {
      config: field,
      schema: {
        tags,
        summary: 'Report a position (the technician, or a dispatcher)',
        params: technicianIdParams,
        body: locationPayloadSchema,
        response: { 200: technicianProfileSchema },
      },
    },
    async (request) => locations.record(request.params.id, request.body, callerOf(request)),
  );

  app.get(
    '/technicians/:id/locations',
    {
      config: staff,
      schema: {
        tags,
        summary: 'Recent positions, newest first',
        params: technicianIdParams,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: { 200: locationHistorySchema },
      },
    },
    async (request) => ({ items: await locations.history(request.params.id, request.query.limit) }),
  );

  app.post(
    '/technicians/:id/mqtt-token',
    {
      config: { ...field, idempotency: false },
      schema: {
        tags,
        summary: 'Issue or rotate the MQTT credentials of the mobile app (token shown once)',
        params: technicianIdParams,
        response: { 201: mqttCredentialsSchema },
      },
    },
    async (request, reply) => {
      const credentials = await locations.issueToken(request.params.id, callerOf(request));
      // A rotated token ends the session opened with the previous one (the app reconnects with the new one).
      mqttSessions?.revoke(credentials.clientId);
      return reply.status(201).send(credentials);
    },
  );
};
