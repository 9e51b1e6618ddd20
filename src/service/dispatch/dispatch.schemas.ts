/** Dispatch API contract: suggestions, one-click dispatch, the schedule board, ETA, assignment history, settings. */
import { z } from 'zod';
import { ticketSchema } from '../tickets/tickets.schemas.js';
import { visitSchema } from '../visits/visits.schemas.js';

const instant = z.iso.datetime({ offset: true });
const isoOut = z.iso.datetime();

export const ticketParams = z.object({ id: z.uuid().describe('Ticket id') });
export const visitParams = z.object({ id: z.uuid().describe('Visit id') });

export const suggestionsQuery = z.strictObject({
  date: z.iso.date().optional().describe("Day to plan (YYYY-MM-DD, each technician's local date); default today (UTC)"),
  skill: z.string().trim().min(1).max(64).optional().describe('Overrides the required skill (else from the auto-ticket prefill or the fault catalogue)'),
  limit: z.coerce.number().int().min(1).max(50).default(10).describe('Candidates returned. Default 10'),
});
export type SuggestionsQuery = z.infer<typeof suggestionsQuery>;

export const candidateSchema = z.object({
  technicianId: z.uuid(),
  name: z.string(),
  rank: z.number().int().describe('1 = best; the order comes from travel, waiting, load, parts on the van, SLA, territory and skill level (see reasons)'),
  slot: z.object({ start: isoOut, end: isoOut }).nullable(),
  distanceKm: z.number().nullable(),
  travelMinutes: z.number().int().nullable(),
  travelFrom: z.string().nullable().describe('Where travel starts: current location, previous visit, home base'),
  loadMinutes: z.number().int().describe('Minutes already booked that day'),
  partsOnVan: z.array(z.object({ sku: z.string(), needed: z.number(), onVan: z.number() })),
  allPartsOnVan: z.boolean(),
  skillLevel: z.number().int().nullable(),
  meetsSla: z.boolean().describe('The slot starts before the response due time (if not yet responded) and ends before the resolution due time'),
  substituteFor: z.uuid().optional().describe('The absent technician this one covers for'),
  reasons: z.array(z.string()).describe('Why, in words: the lead over the next best first, then skill, travel, slot, load, parts, SLA, territory'),
});
export type Candidate = z.infer<typeof candidateSchema>;

export const suggestionsSchema = z.object({
  ticketId: z.uuid(),
  date: z.iso.date(),
  requiredSkill: z.string().nullable(),
  skillSource: z.enum(['query', 'prefill', 'fault_catalogue', 'none']),
  labourMinutes: z.number().int(),
  parts: z.array(z.object({ sku: z.string(), quantity: z.number() })),
  candidates: z.array(candidateSchema),
  excluded: z.array(z.object({ technicianId: z.uuid(), name: z.string(), reason: z.string() })),
});
export type Suggestions = z.infer<typeof suggestionsSchema>;

export const dispatchBody = z
  .strictObject({
    technicianId: z.uuid(),
    start: instant
      .optional()
      .describe(
        'Default: the suggested slot (searching up to 14 days ahead). Without end, a job that runs past the working hours is split into consecutive visits from start',
      ),
    end: instant.optional().describe('Default: start + the labour estimate'),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .refine((b) => !(b.end && !b.start), { message: 'end needs a start', path: ['end'] })
  .refine((b) => !(b.start && b.end && Date.parse(b.end) <= Date.parse(b.start)), { message: 'end must be after start', path: ['end'] });
export type DispatchInput = z.infer<typeof dispatchBody>;

export const dispatchResultSchema = z.object({
  ticket: ticketSchema,
  visit: visitSchema.describe('The first planned visit'),
  visits: z
    .array(visitSchema)
    .describe("Every visit planned, in order: the lead technician's consecutive visits (a job longer than a day's free time), then the crew's"),
});

export const dispatchCheckBody = z
  .strictObject({
    ticketId: z.uuid(),
    technicianId: z.uuid(),
    start: instant
      .optional()
      .describe(
        'The window to check; without it, the plan one-click dispatch would book is answered; without end, the visits a dispatch from start would book',
      ),
    end: instant.optional().describe('Default: start + the labour estimate'),
    visitId: z.uuid().optional().describe('The visit being moved (it does not clash with itself)'),
  })
  .refine((b) => !(b.end && !b.start), { message: 'end needs a start', path: ['end'] })
  .refine((b) => !(b.start && b.end && Date.parse(b.end) <= Date.parse(b.start)), { message: 'end must be after start', path: ['end'] });
export type DispatchCheckInput = z.infer<typeof dispatchCheckBody>;

export const dispatchCheckSchema = z.object({
  ok: z.boolean().describe('The window (or the plan) may be booked'),
  problems: z
    .array(z.object({ code: z.enum(['SCHEDULE_CONFLICT', 'OUTSIDE_WORKING_HOURS']), message: z.string(), details: z.record(z.string(), z.unknown()) }))
    .describe('Every rule broken: double booking (details.clash), absence (details.absence), outside working hours (details.workingHours)'),
  visits: z
    .array(
      z.object({
        technicianId: z.uuid(),
        start: isoOut,
        end: isoOut,
        travelMinutes: z.number().int().nullable(),
        helper: z.boolean().describe('A crew member joining the lead'),
      }),
    )
    .describe('What would be booked'),
});
export type DispatchCheck = z.infer<typeof dispatchCheckSchema>;

export const scheduleQuery = z.strictObject({
  date: z.iso.date().describe('YYYY-MM-DD, local date of each technician'),
  technicianId: z.uuid().optional(),
});

export const scheduleSchema = z.object({
  date: z.iso.date(),
  technicians: z.array(
    z.object({
      technicianId: z.uuid(),
      name: z.string(),
      timezone: z.string(),
      workingHours: z.array(z.object({ start: isoOut, end: isoOut })),
      absent: z.boolean().describe('An absence overlaps the working day'),
      absences: z.array(z.object({ id: z.uuid(), start: isoOut, end: isoOut, reason: z.string().nullable(), substituteId: z.uuid().nullable() })),
      visits: z.array(
        z.object({
          visitId: z.uuid(),
          ticketId: z.uuid(),
          ticketNumber: z.string(),
          title: z.string(),
          start: isoOut,
          end: isoOut,
          status: z.string(),
          siteName: z.string().nullable(),
          travelMinutesBefore: z.number().int().nullable().describe('From the previous visit (or the start location) at the speed assumption'),
        }),
      ),
      bookedMinutes: z.number().int(),
      gaps: z.array(z.object({ start: isoOut, end: isoOut, minutes: z.number().int() })).describe('Free working time (not booked, not absent)'),
    }),
  ),
});
export type Schedule = z.infer<typeof scheduleSchema>;

export const enRouteBody = z
  .strictObject({
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
  })
  .refine((b) => (b.lat === undefined) === (b.lon === undefined), { message: 'lat and lon go together', path: ['lon'] });

export const etaBody = z
  .strictObject({
    etaAt: instant.optional().describe('The new ETA; or give a position (lat, lon) to recompute it'),
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .refine((b) => (b.lat === undefined) === (b.lon === undefined), { message: 'lat and lon go together', path: ['lon'] })
  .refine((b) => b.etaAt !== undefined || b.lat !== undefined, { message: 'etaAt or a position (lat, lon) is required', path: ['etaAt'] });
export type EtaInput = z.infer<typeof etaBody>;

export const etaSchema = z.object({
  visitId: z.uuid(),
  ticketId: z.uuid(),
  technicianId: z.uuid(),
  ticketStatus: z.string(),
  enRouteAt: isoOut.nullable(),
  etaAt: isoOut.nullable(),
  etaAnnouncedAt: isoOut.nullable().describe('The last ETA told to the customer'),
  travelMinutes: z.number().int().nullable(),
  distanceKm: z.number().nullable(),
  basis: z.string().describe('How the ETA was obtained'),
  delayed: z.boolean().describe('A visit.delayed notification was queued by this change'),
  delayMinutes: z.number().int().nullable(),
});
export type Eta = z.infer<typeof etaSchema>;

export const assignmentHistorySchema = z.object({
  visitId: z.uuid(),
  items: z.array(
    z.object({
      fromTechnicianId: z.uuid().nullable(),
      toTechnicianId: z.uuid(),
      at: isoOut,
      actor: z.object({ type: z.string(), id: z.string() }),
      reason: z.string().nullable(),
    }),
  ),
});

export const settingsSchema = z.object({
  autoAssign: z.boolean().describe('New auto-tickets are dispatched to the top candidate'),
  autoAssignRequiresSla: z.boolean().describe('Only a candidate whose slot meets the SLA is auto-assigned'),
  speedKmh: z.number(),
  delayThresholdMinutes: z.number(),
  locationFreshMinutes: z.number(),
  version: z.number().int(),
  updatedAt: isoOut,
});
export const settingsBody = z.strictObject({ autoAssign: z.boolean().optional(), autoAssignRequiresSla: z.boolean().optional() });
