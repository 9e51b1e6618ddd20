/** Auto-ticket contract: the structured prefill stored with the ticket and served by GET /tickets/{id}/diagnosis. */
import { z } from 'zod';
import { PRIORITIES } from '../sla/sla.policy.js';
import { CUSTOMER_TIERS } from '../customers/customer-tier.js';
import { candidateSchema } from '../dispatch/dispatch.schemas.js';

const instant = z.iso.datetime();

/** A candidate stored by the former territory-distance ranking (tickets opened before the rankings were unified). */
const legacyCandidateSchema = z.object({
  technicianId: z.uuid(),
  name: z.string(),
  rank: z.number().int(),
  score: z.number(),
  territoryMatch: z.boolean(),
  distanceKm: z.number().nullable(),
  distanceFrom: z.string().nullable(),
  openTickets: z.number().int(),
  reason: z.string(),
});

export const prefillSchema = z.object({
  generatedAt: instant,
  finding: z.object({
    ruleId: z.string(),
    kind: z.string(),
    severity: z.string().nullable(),
    at: instant,
    alarmId: z.uuid(),
    /** Learned baselines: which metrics made the readings unusual, in words. */
    summary: z.string().optional(),
  }),
  fault: z.object({
    code: z.string(),
    inCatalogue: z.boolean().describe('false: the model has no catalogue entry for this code (diagnosis fields empty)'),
    title: z.string(),
    diagnosis: z.string().nullable(),
    probableCauses: z.array(z.string()),
    actions: z.array(z.string()),
  }),
  parts: z.array(
    z.object({
      sku: z.string(),
      description: z.string(),
      quantity: z.number(),
      availability: z
        .enum(['unknown', 'reserved', 'partial', 'unavailable', 'unknown_part'])
        .describe(
          'unknown: not looked up yet; reserved: the whole quantity is held for this ticket; partial / unavailable: stock fell short; unknown_part: the SKU is not in the parts catalogue',
        ),
      reserved: z.boolean().describe('The whole quantity is reserved for this ticket'),
      reservedQuantity: z.number().optional(),
      locations: z
        .array(z.object({ code: z.string(), quantity: z.number() }))
        .optional()
        .describe('Where the reserved units are held (nearest stock first)'),
    }),
  ),
  labourHours: z.number().nullable(),
  requiredSkill: z.string().nullable(),
  priority: z.object({ value: z.enum(PRIORITIES), base: z.enum(PRIORITIES), tier: z.enum(CUSTOMER_TIERS), reasons: z.array(z.string()) }),
  sla: z.object({ contractId: z.uuid().nullable(), source: z.enum(['contract', 'default']), responseDueAt: instant, resolutionDueAt: instant }),
  predictive: z
    .object({
      projectedFailureAt: instant,
      latestVisitBy: instant.describe('projectedFailureAt minus the margin, never before the ticket was opened'),
      marginHours: z.number(),
    })
    .nullable(),
  knowledge: z.array(z.object({ id: z.uuid(), title: z.string(), match: z.enum(['model_and_fault', 'fault']), updatedAt: instant })),
  pastResolutions: z.array(
    z.object({
      ticketId: z.uuid(),
      number: z.string(),
      assetId: z.uuid().nullable(),
      closedAt: instant,
      resolution: z.string().nullable().describe('Reason given when the ticket was resolved'),
      visits: z.array(z.object({ outcome: z.string().nullable(), notes: z.string().nullable(), endedAt: instant.nullable() })),
      partsUsed: z.array(z.object({ sku: z.string(), description: z.string().nullable(), quantity: z.number() })),
    }),
  ),
  technicians: z.object({
    requiredSkill: z.string().nullable(),
    excludedForSkill: z.number().int().describe('Active technicians left out because they lack the skill'),
    basis: z.string(),
    candidates: z
      .array(z.union([candidateSchema, legacyCandidateSchema]))
      .describe('Best first, ranked as GET /tickets/{id}/technician-suggestions ranks them (tickets opened before that: the former territory ranking)'),
  }),
});
export type Prefill = z.infer<typeof prefillSchema>;

export const diagnosisSchema = z.object({
  ticketId: z.uuid(),
  alarmId: z.uuid().nullable(),
  ruleId: z.string(),
  kind: z.string(),
  predictive: z.boolean(),
  prefill: prefillSchema,
  evidenceCount: z.number().int().describe('Distinct findings appended to the ticket (the first included)'),
  lastEvidenceAt: instant.nullable(),
  conditionClearedAt: instant.nullable().describe('Set when the condition cleared before anyone was dispatched'),
  evidence: z
    .array(z.object({ at: instant, ruleId: z.string(), kind: z.string(), alarmId: z.uuid().nullable(), evidence: z.record(z.string(), z.unknown()) }))
    .describe('Newest first, at most 50'),
});
export type Diagnosis = z.infer<typeof diagnosisSchema>;
