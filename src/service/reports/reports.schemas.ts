/** Contracts of /api/v1/reports/...: the row of each report and the common envelope. */
import { z } from 'zod';
import { money } from '../../access/auth/money.js';
import { PRIORITIES } from '../sla/sla.policy.js';
import { TICKET_STATUSES } from '../tickets/ticket-workflow.js';

const num = z.number().nullable();
const int = z.number().int();
const modelId = z.string().nullable().describe('Equipment model of the asset; null for tickets without an asset');

export const mttrRow = z.object({
  modelId,
  modelName: z.string().nullable(),
  ticketsResolved: int,
  mttrHours: num.describe('Mean of resolved_at − created_at, hours'),
  medianHours: num,
  minHours: num,
  maxHours: num,
});

export const mtbfRow = z.object({
  modelId: z.string(),
  modelName: z.string().nullable(),
  assets: int,
  operatingHours: num,
  failures: int,
  mtbfHours: num.describe('operatingHours / failures; null without failures'),
});

export const firstTimeFixRow = z.object({
  modelId,
  ticketsWithVisits: int,
  firstTimeFixed: int,
  firstTimeFixPct: num,
  visitsPerTicket: num,
});

export const slaRow = z.object({
  customerId: z.uuid().optional(),
  customerName: z.string().nullable().optional(),
  priority: z.enum(PRIORITIES).optional(),
  tickets: int,
  responseMet: int,
  responseBreached: int,
  responsePending: int,
  responseCompliancePct: num,
  resolutionMet: int,
  resolutionBreached: int,
  resolutionPending: int,
  resolutionCompliancePct: num,
});

export const utilisationRow = z.object({
  technicianId: z.uuid(),
  technicianName: z.string().nullable(),
  hoursSource: z.enum(['profile', 'default']).nullable().describe('profile: working hours from the technician profile; default: 8 h per weekday'),
  availableMinutes: num,
  plannedMinutes: num,
  actualVisitMinutes: num,
  labourMinutes: int,
  plannedUtilisationPct: num,
  actualUtilisationPct: num,
  labourUtilisationPct: num,
});

export const partsRow = z.object({
  sku: z.string(),
  modelId,
  description: z.string().nullable(),
  quantity: num,
  tickets: int,
  unitCost: money('partsReport.unitCost', num),
  cost: money('partsReport.cost', num),
});

export const profitabilityRow = z.object({
  contractId: z.uuid().nullable().optional().describe('null: work outside any contract (grouped per customer)'),
  contractNumber: z.string().nullable().optional(),
  customerId: z.uuid(),
  customerName: z.string().nullable(),
  invoicedRevenue: money('profitabilityReport.invoicedRevenue', num),
  contractRevenue: money('profitabilityReport.contractRevenue', num),
  revenue: money('profitabilityReport.revenue', num),
  invoicedCost: money('profitabilityReport.invoicedCost', num),
  uninvoicedCost: money('profitabilityReport.uninvoicedCost', num),
  cost: money('profitabilityReport.cost', num),
  margin: money('profitabilityReport.margin', num),
  marginPct: money('profitabilityReport.marginPct', num),
});

export const backlogRow = z.object({
  priority: z.enum(PRIORITIES),
  status: z.enum(TICKET_STATUSES),
  age0To1d: int,
  age1To3d: int,
  age3To7d: int,
  age7To30d: int,
  ageOver30d: int,
  openTickets: int,
  meanAgeDays: num,
  oldestAgeDays: num,
});

export const alarmOutcomeRow = z.object({
  ruleId: z.string(),
  modelId: z.string(),
  faultCode: z.string().nullable(),
  alarms: int,
  ticketed: int,
  falseAlarms: int,
  clearedBeforeDispatch: int,
  fixed: int,
  ticketedPct: num,
  falseAlarmPct: num,
  medianAlarmToFixHours: num,
  meanAlarmToFixHours: num,
});

/** The JSON envelope of every report; `rows` is typed per report. */
export function reportEnvelope<T extends z.ZodType>(row: T) {
  return z.object({
    report: z.string(),
    title: z.string(),
    period: z.object({ from: z.iso.datetime(), to: z.iso.datetime() }).nullable().describe('null for snapshot reports (backlog)'),
    generatedAt: z.iso.datetime(),
    filters: z.record(z.string(), z.unknown()),
    formula: z.string(),
    columns: z.array(z.string()).describe('Column order of the CSV form'),
    rows: z.array(row),
    summary: z.record(z.string(), z.unknown()).nullable().describe('The same figures over all rows (JSON only)'),
  });
}

export const reportCatalogSchema = z.object({
  items: z.array(
    z.object({ name: z.string(), path: z.string(), title: z.string(), formula: z.string(), roles: z.array(z.string()), columns: z.array(z.string()) }),
  ),
});
