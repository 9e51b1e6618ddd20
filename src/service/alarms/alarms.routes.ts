/** /api/v1/alarms — thin handlers: validate (zod), delegate to AlarmsService. */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { etagOf } from '../../kernel/http/etag.js';
import { actorOf } from '../../access/auth/principal.js';
import { alarmIdParams, alarmPage, alarmSchema, listAlarmsQuery } from './alarms.schemas.js';
import type { AlarmsService } from './alarms.service.js';

const read = { roles: ['admin', 'dispatcher', 'technician'] } as const;
const manage = { roles: ['admin', 'dispatcher'] } as const;
const tags = ['alarms'];

export async function alarmsRoutes(app: ZodApp, { alarms: service }: { alarms: AlarmsService }): Promise<void> {
  app.get(
    '/alarms',
    {
      config: read,
      schema: { tags, summary: 'List alarms (filters: assetId, state, faultCode, open)', querystring: listAlarmsQuery, response: { 200: alarmPage } },
    },
    async (request) => service.list(request.query),
  );

  app.get(
    '/alarms/:id',
    { config: read, schema: { tags, summary: 'Read an alarm with its evidence', params: alarmIdParams, response: { 200: alarmSchema } } },
    async (request, reply) => {
      const alarm = await service.get(request.params.id);
      return reply.header('etag', etagOf(alarm.version)).send(alarm);
    },
  );

  app.post(
    '/alarms/:id/acknowledge',
    {
      config: manage,
      schema: { tags, summary: 'Acknowledge an active alarm (409 once cleared)', params: alarmIdParams, response: { 200: alarmSchema } },
    },
    async (request, reply) => {
      const alarm = await service.acknowledge(request.params.id, actorOf(request));
      return reply.header('etag', etagOf(alarm.version)).send(alarm);
    },
  );
}
