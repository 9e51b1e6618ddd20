/** Activities API contract: the interaction history — calls, e-mails, meetings and notes. */
import { z } from 'zod';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';

export const ACTIVITY_KINDS = ['call', 'email', 'meeting', 'note'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];
export const ACTIVITY_DIRECTIONS = ['inbound', 'outbound', 'internal'] as const;
/** Kinds that must say whether they came in or went out. */
const DIRECTED: readonly ActivityKind[] = ['call', 'email'];

export const activityIdParams = z.object({ id: z.uuid() });

export const activitySchema = z.object({
  id: z.uuid(),
  kind: z.enum(ACTIVITY_KINDS),
  direction: z.enum(ACTIVITY_DIRECTIONS),
  subject: z.string(),
  body: z.string().nullable(),
  occurredAt: z.iso.datetime(),
  durationMinutes: z.number().int().nullable(),
  customerId: z.uuid().describe('Always set: given, or derived from the contact, asset or ticket'),
  contactId: z.uuid().nullable(),
  assetId: z.uuid().nullable(),
  ticketId: z.uuid().nullable(),
  author: z.object({ type: z.string(), id: z.string(), name: z.string().nullable().describe('The user name when the author is a user') }),
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Activity = z.infer<typeof activitySchema>;

const subject = z.string().trim().min(1).max(300);
const body = z.string().max(50_000);
const durationMinutes = z
  .number()
  .int()
  .min(0)
  .max(24 * 60);

export const createActivityBody = z
  .strictObject({
    kind: z.enum(ACTIVITY_KINDS),
    direction: z.enum(ACTIVITY_DIRECTIONS).optional().describe('Required for call and email; default internal for meeting and note'),
    subject,
    body: body.optional(),
    occurredAt: z.iso.datetime({ offset: true }).optional().describe('Default now'),
    durationMinutes: durationMinutes.optional(),
    customerId: z.uuid().optional(),
    contactId: z.uuid().optional(),
    assetId: z.uuid().optional(),
    ticketId: z.uuid().optional(),
  })
  .refine((a) => a.customerId ?? a.contactId ?? a.assetId ?? a.ticketId, {
    message: 'link the activity to at least one of customerId, contactId, assetId, ticketId',
    path: ['customerId'],
  })
  .refine((a) => a.direction !== undefined || !DIRECTED.includes(a.kind), { message: 'direction is required for calls and e-mails', path: ['direction'] })
  .describe('The author is the caller; all links must belong to the same customer');
export type CreateActivity = z.infer<typeof createActivityBody>;

/** PATCH: the content may be corrected; the links and the author are fixed. */
export const updateActivityBody = z.strictObject({
  direction: z.enum(ACTIVITY_DIRECTIONS).optional(),
  subject: subject.optional(),
  body: body.nullable().optional(),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
  durationMinutes: durationMinutes.nullable().optional(),
});
export type UpdateActivity = z.infer<typeof updateActivityBody>;

export const ACTIVITY_SORTS = ['occurredAt', 'createdAt'] as const;

export const listActivitiesQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(ACTIVITY_SORTS, '-occurredAt'),
  customerId: z.uuid().optional(),
  contactId: z.uuid().optional(),
  assetId: z.uuid().optional(),
  ticketId: z.uuid().optional(),
  kind: z.enum(ACTIVITY_KINDS).optional(),
});
export type ListActivities = z.infer<typeof listActivitiesQuery>;

export const activityPage = pageSchema(activitySchema);
