/** Service contracts API contract: validity, covered assets, coverage, SLA, calendar, prepaid minutes, value. */
import { z } from 'zod';
import { money } from '../../access/auth/money.js';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';
import { businessCalendarSchema } from '../sla/business-calendar.js';
import { slaTargetsSchema } from '../sla/sla.policy.js';

export const CONTRACT_STATUSES = ['draft', 'active', 'suspended', 'expired', 'terminated'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

export const contractIdParams = z.object({ id: z.uuid() });

const percent = z.number().min(0).max(100);
export const coverageSchema = z.strictObject({
  labourPercent: percent.default(0).describe('Share of labour covered by the contract (default 0)'),
  partsPercent: percent.default(0).describe('Share of parts covered (default 0)'),
  travelIncluded: z.boolean().default(false).describe('Travel covered (default false)'),
});

const prepaidSchema = z.object({
  purchasedMinutes: z.number().int().describe('Prepaid labour minutes bought over the contract life'),
  balanceMinutes: z.number().int().describe('Minutes left; never negative'),
});

export const contractSchema = z.object({
  id: z.uuid(),
  customerId: z.uuid(),
  number: z.string(),
  name: z.string(),
  status: z.enum(CONTRACT_STATUSES),
  startsOn: z.iso.date(),
  endsOn: z.iso.date().nullable(),
  assetIds: z.array(z.uuid()).describe('Covered assets; empty = a customer-level contract'),
  coverage: z.object({ labourPercent: z.number(), partsPercent: z.number(), travelIncluded: z.boolean() }),
  sla: slaTargetsSchema.nullable().describe('null = default targets'),
  calendar: businessCalendarSchema.nullable().describe('null = open 24x7 (UTC)'),
  prepaid: prepaidSchema,
  value: money('contract.value', z.number().nullable()),
  currency: money('contract.currency', z.string()),
  notes: z.string().nullable(),
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Contract = z.infer<typeof contractSchema>;

const name = z.string().trim().min(1).max(200);
const number = z.string().trim().min(1).max(64);
const date = z.iso.date();
const assetIds = z.array(z.uuid()).max(1000);
const value = z.number().min(0).max(999_999_999_999).multipleOf(0.01);
const currency = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. EUR');
const notes = z.string().max(10_000);
const endAfterStart = { message: 'endsOn must not be before startsOn', path: ['endsOn'] };

export const createContractBody = z
  .strictObject({
    customerId: z.uuid(),
    number: number.optional().describe('Unique; generated as CTR-000123 when absent'),
    name,
    status: z.enum(CONTRACT_STATUSES).default('active').describe('Default active'),
    startsOn: date,
    endsOn: date.nullable().optional(),
    assetIds: assetIds.default([]).describe("Covered assets (the customer's own)"),
    coverage: coverageSchema.default({ labourPercent: 0, partsPercent: 0, travelIncluded: false }),
    sla: slaTargetsSchema.nullable().default(null),
    calendar: businessCalendarSchema.nullable().default(null),
    prepaidMinutes: z.number().int().min(0).max(10_000_000).default(0).describe('Prepaid labour minutes purchased at signature (default 0)'),
    value: value.nullable().optional(),
    currency: currency.default('EUR'),
    notes: notes.nullable().optional(),
  })
  .refine((c) => !c.endsOn || c.endsOn >= c.startsOn, endAfterStart);
export type CreateContract = z.infer<typeof createContractBody>;

/** PATCH: fields present are replaced (assetIds replaces the whole list); null clears. */
export const updateContractBody = z.strictObject({
  name: name.optional(),
  status: z.enum(CONTRACT_STATUSES).optional(),
  startsOn: date.optional(),
  endsOn: date.nullable().optional(),
  assetIds: assetIds.optional(),
  coverage: coverageSchema.optional(),
  sla: slaTargetsSchema.nullable().optional(),
  calendar: businessCalendarSchema.nullable().optional(),
  value: value.nullable().optional(),
  currency: currency.optional(),
  notes: notes.nullable().optional(),
});
export type UpdateContract = z.infer<typeof updateContractBody>;

export const CONTRACT_SORTS = ['createdAt', 'updatedAt', 'startsOn', 'number'] as const;

export const listContractsQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(CONTRACT_SORTS, 'createdAt'),
  customerId: z.uuid().optional(),
  status: z.enum(CONTRACT_STATUSES).optional(),
  activeAt: date.optional().describe('Only contracts active (status and validity) on this date'),
  assetId: z.uuid().optional().describe('Only contracts covering this asset'),
});
export type ListContracts = z.infer<typeof listContractsQuery>;

export const contractPage = pageSchema(contractSchema);

export const prepaidChangeBody = z.strictObject({
  minutes: z.number().int().min(1).max(10_000_000),
  reason: z.string().trim().min(1).max(500).optional(),
  ticketId: z.uuid().optional().describe('Draw-downs only: the ticket the work was for'),
});
export type PrepaidChange = z.infer<typeof prepaidChangeBody>;

export const ledgerEntrySchema = z.object({
  id: z.string(),
  at: z.iso.datetime(),
  kind: z.enum(['purchase', 'top_up', 'draw_down']),
  minutes: z.number().int().describe('Signed: negative for draw-downs'),
  balanceAfter: z.number().int(),
  ticketId: z.uuid().nullable(),
  visitId: z.uuid().nullable(),
  labourEntryId: z.uuid().nullable(),
  actor: z.object({ type: z.string(), id: z.string() }),
  reason: z.string().nullable(),
});
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;
export const ledgerSchema = z.object({ contractId: z.uuid(), balanceMinutes: z.number().int(), entries: z.array(ledgerEntrySchema) });
