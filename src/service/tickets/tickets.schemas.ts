/** Tickets API contract: service requests with their status workflow, SLA due times and breach flags. */
import { z } from 'zod';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';
import { PRIORITIES } from '../sla/sla.policy.js';
import { TICKET_STATUSES } from './ticket-workflow.js';

/** `portal`: raised by a customer user (always, whatever the request says). */
export const TICKET_CHANNELS = ['phone', 'email', 'web', 'iot', 'agent', 'portal'] as const;
/** `predictive`: opened from a trend finding before the equipment fails. */
export const TICKET_TYPES = ['breakdown', 'predictive', 'maintenance', 'installation', 'inspection', 'question', 'complaint', 'other'] as const;
/** Why a ticket is on hold; `customer` and `awaiting_quote` (the customer decides on a quote) pause the resolution clock. */
export const HOLD_REASONS = ['customer', 'parts', 'third_party', 'awaiting_quote'] as const;
/** Hold reasons that wait for the customer: the resolution clock pauses. */
export const CUSTOMER_HOLD_REASONS: readonly string[] = ['customer', 'awaiting_quote'];

export const ticketIdParams = z.object({ id: z.uuid() });

const instant = z.iso.datetime();
export const ticketSchema = z.object({
  id: z.uuid(),
  number: z.string().describe('Human-friendly, unique: TCK-000123'),
  channel: z.enum(TICKET_CHANNELS),
  type: z.enum(TICKET_TYPES),
  priority: z.enum(PRIORITIES),
  title: z.string(),
  description: z.string().nullable(),
  customerId: z.uuid(),
  siteId: z.uuid().nullable(),
  assetId: z.uuid().nullable(),
  contractId: z.uuid().nullable().describe('Looked up at creation: active contract covering the asset, else a customer-level one'),
  faultCode: z.string().nullable(),
  status: z.enum(TICKET_STATUSES),
  holdReason: z.enum(HOLD_REASONS).nullable(),
  technicianId: z.uuid().nullable(),
  slaSource: z.enum(['contract', 'default']).describe('default = no contract SLA: 24x7 calendar and default targets'),
  responseDueAt: instant,
  resolutionDueAt: instant.describe('Moves out by customer-hold pauses once they end'),
  respondedAt: instant.nullable(),
  resolvedAt: instant.nullable(),
  closedAt: instant.nullable(),
  cancelledAt: instant.nullable(),
  slaPausedSince: instant.nullable().describe('Set while on hold waiting for the customer: the resolution clock is paused'),
  slaPausedMinutes: z.number().describe('Business minutes of finished customer-hold pauses'),
  responseBreached: z.boolean(),
  resolutionBreached: z.boolean(),
  firstTimeFix: z.boolean().nullable().describe('null until a visit has an outcome'),
  statusChangedAt: instant,
  createdBy: z.object({ type: z.string(), id: z.string() }),
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  createdAt: instant,
  updatedAt: instant,
});
export type Ticket = z.infer<typeof ticketSchema>;

const title = z.string().trim().min(1).max(300);
const description = z.string().max(20_000);
const faultCode = z.string().trim().min(1).max(64);

export const createTicketBody = z
  .strictObject({
    channel: z.enum(TICKET_CHANNELS),
    type: z.enum(TICKET_TYPES),
    priority: z.enum(PRIORITIES).default('medium').describe('Default medium'),
    title,
    description: description.optional(),
    customerId: z.uuid().optional().describe("Defaults to the asset's customer"),
    siteId: z.uuid().optional().describe("Defaults to the asset's site"),
    assetId: z.uuid().optional(),
    contractId: z.uuid().optional().describe('Override the automatic lookup (must be a contract of the customer)'),
    faultCode: faultCode.optional(),
  })
  .describe('customerId or assetId is required (customer users: their own customer)');
export type CreateTicket = z.infer<typeof createTicketBody>;

/** PATCH: changing priority, asset or contract recomputes the SLA due times from creation. */
export const updateTicketBody = z.strictObject({
  type: z.enum(TICKET_TYPES).optional(),
  priority: z.enum(PRIORITIES).optional(),
  title: title.optional(),
  description: description.nullable().optional(),
  siteId: z.uuid().nullable().optional(),
  assetId: z.uuid().nullable().optional(),
  contractId: z.uuid().nullable().optional(),
  faultCode: faultCode.nullable().optional(),
});
export type UpdateTicket = z.infer<typeof updateTicketBody>;

export const transitionBody = z
  .strictObject({
    to: z.enum(TICKET_STATUSES),
    reason: z.string().trim().min(1).max(1000).optional(),
    holdReason: z.enum(HOLD_REASONS).optional().describe('Required with to=on_hold; only customer pauses the resolution clock'),
    technicianId: z.uuid().optional().describe('Assign this technician in the same step (admin and dispatcher), e.g. new → assigned'),
  })
  .refine((b) => b.to !== 'on_hold' || b.holdReason, { message: 'holdReason is required when to is on_hold', path: ['holdReason'] })
  .refine((b) => b.to === 'on_hold' || !b.holdReason, { message: 'holdReason is only for to=on_hold', path: ['holdReason'] });
export type TransitionRequest = z.infer<typeof transitionBody>;

export const assignmentBody = z.strictObject({
  technicianId: z.uuid().nullable().describe('A user with role technician; null unassigns'),
  reason: z.string().trim().min(1).max(1000).optional(),
});
export type AssignmentRequest = z.infer<typeof assignmentBody>;

/** `slaDue`: the next due time that can still be missed (response until responded, else resolution), i.e. time to breach. */
export const TICKET_SORTS = ['createdAt', 'updatedAt', 'priority', 'responseDueAt', 'resolutionDueAt', 'number', 'slaDue'] as const;

export const listTicketsQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(TICKET_SORTS, '-createdAt'),
  status: z.enum(TICKET_STATUSES).optional(),
  open: z.stringbool().optional().describe('true: only open statuses (every status but resolved, closed, cancelled)'),
  unassigned: z.stringbool().optional().describe('true: no technician; false: a technician'),
  priority: z.enum(PRIORITIES).optional(),
  channel: z.enum(TICKET_CHANNELS).optional(),
  type: z.enum(TICKET_TYPES).optional(),
  customerId: z.uuid().optional(),
  assetId: z.uuid().optional(),
  contractId: z.uuid().optional(),
  technicianId: z.uuid().optional(),
  breached: z.stringbool().optional().describe('true: response or resolution breached now; false: neither'),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe('Text (case-insensitive) in the number, title, description, fault code, customer name, site name or asset serial number'),
});
export type ListTickets = z.infer<typeof listTicketsQuery>;

export const ticketCountsQuery = listTicketsQuery.omit({ sort: true, cursor: true, limit: true });

export const ticketCountsSchema = z.object({
  total: z.number().int(),
  byStatus: z.record(z.enum(TICKET_STATUSES), z.number().int()).describe('Every status (0 when none)'),
  byPriority: z.record(z.enum(PRIORITIES), z.number().int()).describe('Every priority (0 when none)'),
});
export type TicketCounts = z.infer<typeof ticketCountsSchema>;

export const ticketPage = pageSchema(ticketSchema);

export const historyEntrySchema = z.object({
  id: z.string(),
  from: z.enum(TICKET_STATUSES).nullable().describe('null for the creation'),
  to: z.enum(TICKET_STATUSES),
  at: instant,
  actor: z.object({ type: z.string(), id: z.string() }),
  reason: z.string().nullable(),
  technicianId: z.uuid().nullable(),
  durationSeconds: z.number().describe('Time spent in `to` (until the next change, or until now)'),
  current: z.boolean(),
});
export const historySchema = z.object({
  ticketId: z.uuid(),
  entries: z.array(historyEntrySchema),
  timeInStatus: z.record(z.string(), z.number()).describe('Seconds per status, summed over every stay'),
});
export type TicketHistory = z.infer<typeof historySchema>;
