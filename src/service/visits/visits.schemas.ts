/** Visits (work orders) API contract: technician, planned window, actuals, labour, parts, outcome, acceptance. */
import { z } from 'zod';
import { money } from '../../access/auth/money.js';

export const VISIT_STATUSES = ['planned', 'in_progress', 'completed', 'cancelled'] as const;
export const VISIT_OUTCOMES = ['fixed', 'another_visit_needed', 'not_fixed'] as const;

export const visitIdParams = z.object({ id: z.uuid() });
export const ticketVisitsParams = z.object({ id: z.uuid().describe('Ticket id') });

const instant = z.iso.datetime({ offset: true });

export const labourEntrySchema = z.object({
  id: z.uuid(),
  minutes: z.number().int(),
  skill: z.string().nullable(),
  overtime: z.boolean(),
  description: z.string().nullable(),
  prepaidMinutes: z.number().int().describe('Minutes drawn from the contract prepaid balance'),
  recordedAt: z.iso.datetime(),
});

export const partUsedSchema = z.object({
  id: z.uuid(),
  sku: z.string(),
  description: z.string().nullable(),
  quantity: z.number(),
  unitPrice: money('visitPart.unitPrice', z.number().nullable()),
  recordedAt: z.iso.datetime(),
});

export const visitSchema = z.object({
  id: z.uuid(),
  ticketId: z.uuid(),
  technicianId: z.uuid(),
  status: z.enum(VISIT_STATUSES).describe('planned → in_progress (actualStart) → completed (outcome); or cancelled'),
  plannedStart: z.iso.datetime(),
  plannedEnd: z.iso.datetime(),
  actualStart: z.iso.datetime().nullable(),
  actualEnd: z.iso.datetime().nullable(),
  outcome: z.enum(VISIT_OUTCOMES).nullable(),
  firstTimeFix: z.boolean().nullable().describe('Fixed on the first (non-cancelled) visit of the ticket; null without outcome'),
  notes: z.string().nullable(),
  labour: z.array(labourEntrySchema),
  parts: z.array(partUsedSchema),
  labourMinutes: z.number().int(),
  acceptance: z.object({ name: z.string(), confirmation: z.string().nullable(), signature: z.string().nullable(), at: z.iso.datetime() }).nullable(),
  etaAt: z.iso.datetime().nullable().optional().describe('Current ETA at the site once the technician set out (POST /visits/{id}/en-route)'),
  travelMinutes: z.number().int().nullable().optional().describe('Planned travel before the visit, at the speed assumption'),
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Visit = z.infer<typeof visitSchema>;
export const visitListSchema = z.object({ items: z.array(visitSchema) });

const notes = z.string().max(20_000);
const windowOrder = { message: 'plannedEnd must be after plannedStart', path: ['plannedEnd'] };

export const createVisitBody = z
  .strictObject({
    technicianId: z.uuid().describe('A user with role technician'),
    plannedStart: instant,
    plannedEnd: instant,
    notes: notes.optional(),
  })
  .refine((v) => !(Date.parse(v.plannedEnd) <= Date.parse(v.plannedStart)), windowOrder);
export type CreateVisit = z.infer<typeof createVisitBody>;

/** PATCH: an outcome completes the visit (actualEnd defaults to now); status `cancelled` cancels a visit not started. */
export const updateVisitBody = z
  .strictObject({
    technicianId: z.uuid().optional(),
    plannedStart: instant.optional(),
    plannedEnd: instant.optional(),
    actualStart: instant.nullable().optional(),
    actualEnd: instant.nullable().optional(),
    outcome: z.enum(VISIT_OUTCOMES).nullable().optional(),
    notes: notes.nullable().optional(),
    status: z.literal('cancelled').optional(),
  })
  .refine((v) => !v.actualStart || !v.actualEnd || Date.parse(v.actualEnd) >= Date.parse(v.actualStart), {
    message: 'actualEnd must not be before actualStart',
    path: ['actualEnd'],
  });
export type UpdateVisit = z.infer<typeof updateVisitBody>;

export const labourBody = z.strictObject({
  minutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  skill: z.string().trim().min(1).max(64).optional(),
  overtime: z.boolean().default(false).describe('Default false; drawn from prepaid 1:1 like normal time'),
  description: z.string().trim().min(1).max(2000).optional(),
});
export type LabourInput = z.infer<typeof labourBody>;

export const partBody = z.strictObject({
  sku: z.string().trim().min(1).max(64),
  quantity: z.number().positive().max(1_000_000).multipleOf(0.001),
  unitPrice: z
    .number()
    .min(0)
    .max(10_000_000)
    .multipleOf(0.01)
    .optional()
    .describe('Overrides the catalogue price (used at invoicing when absent). Admin and dispatcher only (403 for others); audited as price_override'),
  description: z.string().trim().min(1).max(500).optional(),
});
export type PartInput = z.infer<typeof partBody>;

const SIGNATURE = /^data:image\/(png|jpeg|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$/;
export const acceptanceBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).describe('Who accepted on behalf of the customer'),
    confirmation: z.string().trim().min(1).max(2000).optional().describe('Typed confirmation'),
    signature: z.string().max(500_000).regex(SIGNATURE, 'expected a base64 data URL of a PNG, JPEG or SVG image').optional(),
  })
  .refine((a) => a.confirmation || a.signature, { message: 'confirmation or signature is required', path: ['confirmation'] });
export type AcceptanceInput = z.infer<typeof acceptanceBody>;
