/** Contracts of /api/v1/reports/schedules: scheduled reports and their runs (admin). */
import { z } from 'zod';
import { webhookUrl } from '../delivery/webhooks.schemas.js';
import { pageQueryShape, pageSchema } from '../../kernel/http/paging.schemas.js';
import { MAX_PERIOD_DAYS, REPORT_FORMATS } from './report-period.js';
import { cadenceSchema } from './report-cadence.js';
import { REPORT_NAMES } from './reports.catalog.js';

/** Default report period of a scheduled run: the 30 days before the occurrence. */
export const DEFAULT_LOOKBACK_DAYS = 30;

export const scheduleParamsSchema = z
  .record(z.string(), z.unknown())
  .default({})
  .describe(
    `Report filters as on the report's route (customerId, modelId, groupBy, technicianId...) plus lookbackDays (1..${MAX_PERIOD_DAYS}, default ${DEFAULT_LOOKBACK_DAYS}): each run covers the lookbackDays before its occurrence`,
  );

const recipients = z.array(z.email().max(320)).max(50);

export const createScheduleBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    report: z.enum(REPORT_NAMES),
    params: scheduleParamsSchema,
    format: z.enum(REPORT_FORMATS).default('csv').describe('csv (default: attached to the e-mail, rows in the webhook JSON too) or json'),
    cadence: cadenceSchema,
    emailTo: recipients.default([]).describe('E-mail recipients; the report is attached'),
    webhookUrl: webhookUrl.nullable().optional().describe('POSTed the report as JSON, signed with X-Telemend-Signature'),
    /** 16–200 characters; generated when a webhook URL is given without one. Returned once, at creation. */
    webhookSecret: z.string().min(16).max(200).optional(),
    active: z.boolean().default(true),
  })
  .refine((b) => b.emailTo.length > 0 || !!b.webhookUrl, { message: 'give at least one e-mail recipient or a webhook URL', path: ['emailTo'] });
export type CreateSchedule = z.infer<typeof createScheduleBody>;

export const updateScheduleBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  format: z.enum(REPORT_FORMATS).optional(),
  cadence: cadenceSchema.optional(),
  emailTo: recipients.optional(),
  webhookUrl: webhookUrl.nullable().optional(),
  webhookSecret: z.string().min(16).max(200).optional(),
  active: z.boolean().optional(),
});
export type UpdateSchedule = z.infer<typeof updateScheduleBody>;

export const scheduleSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  report: z.string(),
  params: z.record(z.string(), z.unknown()),
  format: z.enum(REPORT_FORMATS),
  cadence: z.record(z.string(), z.unknown()),
  emailTo: z.array(z.string()),
  webhookUrl: z.string().nullable(),
  active: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z.number().int(),
});
export type Schedule = z.infer<typeof scheduleSchema>;

/** The creation response: the only time the webhook secret is shown. */
export const createdScheduleSchema = scheduleSchema.extend({ webhookSecret: z.string().nullable() });

export const scheduleIdParams = z.object({ id: z.uuid() });
export const scheduleListQuery = z.object({ ...pageQueryShape });
export const scheduleList = pageSchema(scheduleSchema);

export const RUN_STATUSES = ['running', 'delivered', 'failed', 'gave_up'] as const;
export const runSchema = z.object({
  id: z.number().int(),
  periodKey: z.string(),
  scheduledFor: z.iso.datetime(),
  status: z.enum(RUN_STATUSES),
  attempts: z.number().int(),
  nextAttemptAt: z.iso.datetime().nullable(),
  emailDeliveredAt: z.iso.datetime().nullable(),
  webhookDeliveredAt: z.iso.datetime().nullable(),
  rowCount: z.number().int().nullable(),
  lastError: z.string().nullable(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
});
export type Run = z.infer<typeof runSchema>;
export const runsQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50).describe('Newest first, 1..200 (default 50)') });
export const runList = z.object({ items: z.array(runSchema) });
