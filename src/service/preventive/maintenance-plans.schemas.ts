/** Maintenance plans API contract: preventive plans carried by a contract, their occurrences and the generation run. */
import { z } from 'zod';
import { money } from '../../access/auth/money.js';
import { PRIORITIES } from '../sla/sla.policy.js';
import { planChecklistItem } from './checklist-item.js';

export const contractPlansParams = z.object({ id: z.uuid() });
export const planParams = z.object({ id: z.uuid(), planId: z.uuid() });

const partSchema = z.strictObject({
  sku: z.string().trim().min(1).max(64),
  description: z.string().trim().min(1).max(300).optional(),
  quantity: z.number().positive().max(100_000),
  consumable: z.boolean().default(false).describe('Used up at every occurrence (filters, oil...): drives the consumables offer (default false)'),
  unitPrice: money('maintenancePlanPart.unitPrice', z.number().min(0).max(1_000_000)),
});
export type PlanPart = z.infer<typeof partSchema>;

export const planSchema = z.object({
  id: z.uuid(),
  contractId: z.uuid(),
  scope: z.enum(['contract', 'asset', 'model']).describe("contract: all the contract's assets; asset: assetId; model: the contract's assets of modelId"),
  assetId: z.uuid().nullable(),
  modelId: z.string().nullable(),
  name: z.string(),
  description: z.string().nullable(),
  checklist: z.array(planChecklistItem).describe('Items: a string, or {text, requires: note|photo} when ticking needs a note or a photo'),
  intervalMonths: z.number().int().nullable(),
  intervalRunningHours: z.number().nullable(),
  leadDays: z.number().int(),
  estimatedMinutes: z.number().int(),
  requiredSkill: z.string().nullable(),
  priority: z.enum(PRIORITIES),
  technicianId: z.uuid().nullable(),
  parts: z.array(partSchema),
  startsOn: z.iso.date().nullable().describe("Anchor of the first occurrence; null = the contract's start"),
  active: z.boolean(),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Plan = z.infer<typeof planSchema>;

const name = z.string().trim().min(1).max(200);
const description = z.string().max(20_000);
const checklist = z.array(planChecklistItem).max(200);
const months = z.number().int().min(1).max(120);
const hours = z.number().positive().max(1_000_000);
const leadDays = z.number().int().min(0).max(365);
const minutes = z.number().int().min(1).max(1440);
const skill = z.string().trim().min(1).max(64);
const intervalRequired = { message: 'intervalMonths or intervalRunningHours (or both) is required', path: ['intervalMonths'] };
const oneScope = { message: 'give assetId or modelId, not both', path: ['modelId'] };

export const createPlanBody = z
  .strictObject({
    name,
    description: description.optional(),
    checklist: checklist.default([]),
    assetId: z.uuid().optional().describe("One asset (one of the contract's assets)"),
    modelId: z.string().min(1).max(64).optional().describe("The contract's assets of this equipment model"),
    intervalMonths: months.optional().describe('Every N months (calendar)'),
    intervalRunningHours: hours.optional().describe('Every N running hours (telemetry counter running_hours)'),
    leadDays: leadDays.default(14).describe('Generate the ticket and visit this many days before the due date (default 14)'),
    estimatedMinutes: minutes.default(120).describe('Planned visit length (default 120)'),
    requiredSkill: skill.optional(),
    priority: z.enum(PRIORITIES).default('low').describe('Ticket priority (default low)'),
    technicianId: z.uuid().optional().describe('Preferred technician (used when free)'),
    parts: z.array(partSchema).max(100).default([]),
    startsOn: z.iso.date().optional().describe("Anchor of the first occurrence (default: the contract's start)"),
    active: z.boolean().default(true),
  })
  .refine((b) => b.intervalMonths !== undefined || b.intervalRunningHours !== undefined, intervalRequired)
  .refine((b) => b.assetId === undefined || b.modelId === undefined, oneScope);
export type CreatePlan = z.infer<typeof createPlanBody>;

/** PATCH: present fields are replaced; null clears. The scope (asset/model) is fixed at creation. */
export const updatePlanBody = z.strictObject({
  name: name.optional(),
  description: description.nullable().optional(),
  checklist: checklist.optional(),
  intervalMonths: months.nullable().optional(),
  intervalRunningHours: hours.nullable().optional(),
  leadDays: leadDays.optional(),
  estimatedMinutes: minutes.optional(),
  requiredSkill: skill.nullable().optional(),
  priority: z.enum(PRIORITIES).optional(),
  technicianId: z.uuid().nullable().optional(),
  parts: z.array(partSchema).max(100).optional(),
  startsOn: z.iso.date().nullable().optional(),
  active: z.boolean().optional(),
});
export type UpdatePlan = z.infer<typeof updatePlanBody>;

export const planListSchema = z.object({ items: z.array(planSchema) });

export const occurrenceSchema = z.object({
  id: z.uuid(),
  planId: z.uuid(),
  assetId: z.uuid(),
  seq: z.number().int().describe('1 for the first occurrence of the plan on the asset'),
  dueKey: z.string(),
  dueAt: z.iso.datetime(),
  basis: z.enum(['calendar', 'running_hours']).describe('Which interval made it due'),
  runningHours: z.number().nullable().describe('Hours run since the last service when generated (running-hours plans)'),
  dailyRateHours: z.number().nullable(),
  ticketId: z.uuid().nullable(),
  ticketNumber: z.string().nullable(),
  ticketStatus: z.string().nullable(),
  visitId: z.uuid().nullable(),
  technicianId: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
});
export type Occurrence = z.infer<typeof occurrenceSchema>;
export const occurrenceListSchema = z.object({ items: z.array(occurrenceSchema) });

export const runResultSchema = z.object({
  ranAt: z.iso.datetime(),
  checked: z.number().int().describe('Plan × asset pairs looked at'),
  created: z.array(occurrenceSchema).describe('Occurrences generated by this run (ticket + planned visit)'),
  waiting: z.number().int().describe('Pairs whose previous occurrence is still open (the next one follows its completion)'),
  notDue: z.number().int().describe('Pairs not yet within their lead time (or beyond the contract end, or idle)'),
  raced: z.number().int().describe('Due pairs another run or worker generated first (its occurrence key was taken)'),
  skipped: z
    .array(z.object({ planId: z.uuid(), assetId: z.uuid(), reason: z.string() }))
    .describe('Pairs that could not be evaluated (e.g. InfluxDB unavailable)'),
});
export type RunResult = z.infer<typeof runResultSchema>;
