/** /api/v1/reports/schedules (admin): scheduled reports and their run log. Thin handlers. */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { etagOf, ifMatchHeaders, parseIfMatch } from '../../kernel/http/etag.js';
import { assertSendableUrl, type EgressPolicy } from '../../kernel/egress/egress-policy.js';
import type { ReportSchedulesService } from './report-schedules.service.js';
import {
  createdScheduleSchema,
  createScheduleBody,
  runList,
  runsQuery,
  scheduleIdParams,
  scheduleList,
  scheduleListQuery,
  scheduleSchema,
  updateScheduleBody,
} from './report-schedules.schemas.js';

const admin = { roles: ['admin'] } as const;
const tags = ['reports'];

export interface ReportSchedulesRoutesDeps {
  readonly schedules: ReportSchedulesService;
  /** EGRESS_ALLOW: a webhook URL the scheduler could not POST to is refused up front. */
  readonly egress: EgressPolicy;
}

export async function reportSchedulesRoutes(app: ZodApp, { schedules: service, egress }: ReportSchedulesRoutesDeps): Promise<void> {
  app.post(
    '/reports/schedules',
    {
      // The response carries the webhook secret: never stored for idempotent replay.
      config: { ...admin, idempotency: false },
      schema: {
        tags,
        summary: 'Schedule a report for e-mail and/or webhook delivery (the webhook secret is shown once)',
        description:
          'Cadence: every_hours (UTC-aligned multiples of N hours), daily at HH:MM or weekly on a weekday at HH:MM in an IANA time zone. Each occurrence is delivered once (one run per schedule and period, whatever the number of workers), covering the params.lookbackDays (default 30) before it. Failed deliveries are retried with backoff; only the failed channel is retried.',
        body: createScheduleBody,
        response: { 201: createdScheduleSchema },
      },
    },
    async (request, reply) => {
      assertSendableUrl(egress, request.body.webhookUrl, 'body.webhookUrl');
      const created = await service.create(request.body);
      return reply.status(201).header('etag', etagOf(created.version)).header('location', `/api/v1/reports/schedules/${created.id}`).send(created);
    },
  );

  app.get(
    '/reports/schedules',
    { config: admin, schema: { tags, summary: 'List report schedules (oldest first)', querystring: scheduleListQuery, response: { 200: scheduleList } } },
    async (request) => service.list(request.query),
  );

  app.get(
    '/reports/schedules/:id',
    { config: admin, schema: { tags, summary: 'Read a report schedule', params: scheduleIdParams, response: { 200: scheduleSchema } } },
    async (request, reply) => {
      const schedule = await service.get(request.params.id);
      return reply.header('etag', etagOf(schedule.version)).send(schedule);
    },
  );

  app.patch(
    '/reports/schedules/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Change a report schedule',
        params: scheduleIdParams,
        headers: ifMatchHeaders,
        body: updateScheduleBody,
        response: { 200: scheduleSchema },
      },
    },
    async (request, reply) => {
      assertSendableUrl(egress, request.body.webhookUrl, 'body.webhookUrl');
      const schedule = await service.update(request.params.id, request.body, parseIfMatch(request.headers['if-match']));
      return reply.header('etag', etagOf(schedule.version)).send(schedule);
    },
  );

  app.delete(
    '/reports/schedules/:id',
    { config: admin, schema: { tags, summary: 'Delete a report schedule and its run log', params: scheduleIdParams } },
    async (request, reply) => {
      await service.remove(request.params.id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/reports/schedules/:id/runs',
    {
      config: admin,
      schema: { tags, summary: 'Runs of a schedule, newest first', params: scheduleIdParams, querystring: runsQuery, response: { 200: runList } },
    },
    async (request) => ({ items: await service.runs(request.params.id, request.query.limit) }),
  );
}
