/**
 * Opportunities API contract: offers raised by service (rules or by hand) with a stage and a
 * value. The value is money of kind `sales` (src/access/auth/money.ts): the back office sees what an
 * offer is worth; the front desk (agent), technicians and customers do not.
 */
import { z } from 'zod';
import { money } from '../../access/auth/money.js';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';
import { OPPORTUNITY_KINDS, OPPORTUNITY_STAGES } from './opportunity-stages.js';

export const opportunityIdParams = z.object({ id: z.uuid() });

const instant = z.iso.datetime();

export const opportunitySchema = z.object({
  id: z.uuid(),
  customerId: z.uuid(),
  assetId: z.uuid().nullable(),
  contractId: z.uuid().nullable(),
  kind: z.enum(OPPORTUNITY_KINDS),
  source: z.enum(['rule', 'manual']),
  ruleKey: z.string().nullable().describe('Set on rule-generated opportunities: the same rule and subject never create a second one'),
  stage: z.enum(OPPORTUNITY_STAGES),
  value: money('opportunity.value', z.number().nullable()),
  currency: money('opportunity.currency', z.string()),
  title: z.string(),
  reason: z.string().nullable(),
  ownerId: z.uuid().nullable(),
  expectedCloseOn: z.iso.date().nullable(),
  lostReason: z.string().nullable(),
  stageChangedAt: instant,
  closedAt: instant.nullable().describe('When it was won or lost'),
  createdBy: z.object({ type: z.string(), id: z.string() }),
  version: z.number().int(),
  createdAt: instant,
  updatedAt: instant,
});
export type Opportunity = z.infer<typeof opportunitySchema>;

const title = z.string().trim().min(1).max(300);
const reason = z.string().trim().min(1).max(5000);
const value = z.number().min(0).max(999_999_999_999).multipleOf(0.01);
const currency = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. EUR');

export const createOpportunityBody = z.strictObject({
  customerId: z.uuid(),
  assetId: z.uuid().optional().describe("One of the customer's assets"),
  contractId: z.uuid().optional().describe('A contract of the customer it relates to'),
  kind: z.enum(OPPORTUNITY_KINDS).default('other').describe('Default other'),
  title,
  reason: reason.optional(),
  value: value.nullable().optional(),
  currency: currency.default('EUR').describe('Default EUR'),
  ownerId: z.uuid().optional().describe('A staff user (not a customer user)'),
  expectedCloseOn: z.iso.date().optional(),
});
export type CreateOpportunity = z.infer<typeof createOpportunityBody>;

/** PATCH: present fields are replaced, null clears; `stage` moves along the pipeline (invalid move → 409). */
export const updateOpportunityBody = z
  .strictObject({
    stage: z.enum(OPPORTUNITY_STAGES).optional(),
    title: title.optional(),
    reason: reason.nullable().optional(),
    value: value.nullable().optional(),
    currency: currency.optional(),
    ownerId: z.uuid().nullable().optional(),
    expectedCloseOn: z.iso.date().nullable().optional(),
    lostReason: reason.optional().describe('With stage=lost'),
  })
  .refine((b) => b.lostReason === undefined || b.stage === 'lost', { message: 'lostReason goes with stage=lost', path: ['lostReason'] });
export type UpdateOpportunity = z.infer<typeof updateOpportunityBody>;

export const OPPORTUNITY_SORTS = ['createdAt', 'updatedAt', 'stageChangedAt'] as const;

export const listOpportunitiesQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(OPPORTUNITY_SORTS, '-createdAt'),
  customerId: z.uuid().optional(),
  assetId: z.uuid().optional(),
  stage: z.enum(OPPORTUNITY_STAGES).optional(),
  open: z.stringbool().optional().describe('true: new, qualified or proposed; false: won or lost'),
  kind: z.enum(OPPORTUNITY_KINDS).optional(),
  ownerId: z.uuid().optional(),
});
export type ListOpportunities = z.infer<typeof listOpportunitiesQuery>;

export const opportunityPage = pageSchema(opportunitySchema);

export const rulesRunSchema = z.object({
  ranAt: instant,
  created: z.array(opportunitySchema).describe('Opportunities created by this run (re-running creates nothing new)'),
  byRule: z.object({ contractOffer: z.number().int(), replacementOffer: z.number().int(), consumablesOffer: z.number().int() }),
});
export type RulesRun = z.infer<typeof rulesRunSchema>;
