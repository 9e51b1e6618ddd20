/**
 * The technician app's contract: GET /me/jobs answers everything a day's visits need offline in
 * one document. No money field anywhere (technicians see no prices: src/access/auth/money.ts).
 */
import { z } from 'zod';
import { PRIORITIES } from '../sla/sla.policy.js';
import { VISIT_STATUSES } from '../visits/visits.schemas.js';
import { checklistSchema } from './checklist.schemas.js';

const instant = z.iso.datetime();

export const jobsQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(31).default(7).describe('Days from today (the technician’s time zone); default 7, at most 31'),
  technicianId: z.uuid().optional().describe('Admin and dispatcher only: whose jobs (technicians always get their own)'),
});

const faultSchema = z.object({
  code: z.string(),
  title: z.string(),
  diagnosis: z.string().nullable(),
  probableCauses: z.array(z.string()),
  actions: z.array(z.string()),
});

const reservedPartSchema = z.object({
  sku: z.string(),
  description: z.string(),
  unit: z.string(),
  quantity: z.number().describe('Still reserved (not yet used or released)'),
  where: z.object({
    kind: z.enum(['van', 'central', 'local']),
    mine: z.boolean().describe('true: in this technician’s own van'),
    code: z.string(),
    name: z.string(),
    address: z.string().nullable(),
  }),
});

export const jobSchema = z.object({
  visit: z.object({
    id: z.uuid(),
    status: z.enum(VISIT_STATUSES),
    plannedStart: instant,
    plannedEnd: instant,
    actualStart: instant.nullable(),
    actualEnd: instant.nullable(),
    etaAt: instant.nullable(),
    notes: z.string().nullable(),
    version: z.number().int().describe('Send as If-Match: "<version>" with the visit’s actions'),
    etag: z.string(),
  }),
  ticket: z.object({
    id: z.uuid(),
    number: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    priority: z.enum(PRIORITIES),
    status: z.string(),
    responseDueAt: instant,
    resolutionDueAt: instant.describe('SLA due time'),
  }),
  customer: z.object({ id: z.uuid(), name: z.string() }),
  contact: z.object({ name: z.string().nullable(), phone: z.string().nullable() }),
  site: z
    .object({
      id: z.uuid(),
      name: z.string(),
      address: z.string().nullable(),
      city: z.string().nullable(),
      country: z.string().nullable(),
      latitude: z.number().nullable(),
      longitude: z.number().nullable(),
      accessNotes: z.string().nullable(),
      navigationUrl: z.string().nullable().describe('OpenStreetMap directions to the coordinates, or a search for the address'),
    })
    .nullable(),
  diagnosis: faultSchema.nullable().describe('The fault: from the auto-ticket’s prefill, or the model’s fault catalogue for the ticket’s fault code'),
  reservedParts: z.array(reservedPartSchema),
  asset: z
    .object({
      id: z.uuid(),
      serialNumber: z.string(),
      name: z.string().nullable(),
      modelId: z.string(),
      modelName: z.string().nullable(),
      latestReading: z
        .object({ time: instant, metrics: z.record(z.string(), z.number()) })
        .nullable()
        .describe('null when none or telemetry is unavailable'),
      openAlarms: z.array(
        z.object({
          id: z.uuid(),
          ruleId: z.string(),
          faultCode: z.string().nullable(),
          kind: z.string(),
          severity: z.string().nullable(),
          state: z.string(),
          lastSeenAt: instant,
        }),
      ),
      history: z.array(z.object({ at: instant, kind: z.string(), title: z.string() })).describe('The 5 newest entries'),
    })
    .nullable(),
  knowledge: z.array(z.object({ id: z.uuid(), title: z.string(), excerpt: z.string() })),
  checklist: checklistSchema,
});
export type Job = z.infer<typeof jobSchema>;

export const jobsSchema = z.object({
  technicianId: z.uuid(),
  timeZone: z.string(),
  from: instant.describe('Start of today in the technician’s time zone'),
  to: instant,
  generatedAt: instant,
  items: z.array(jobSchema),
});
export type Jobs = z.infer<typeof jobsSchema>;
