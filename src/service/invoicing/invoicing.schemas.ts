/** Invoicing API contract: invoices with their lines, lifecycle actions, ERP export, labour rates. */
import { z } from 'zod';
import { money } from '../../access/auth/money.js';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';
import { LINE_KINDS } from './invoice-calculator.js';

export const INVOICE_STATUSES = ['draft', 'issued', 'paid', 'void'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export const invoiceIdParams = z.object({ id: z.uuid() });
export const ticketInvoiceParams = z.object({ id: z.uuid().describe('Ticket id') });

export const invoiceLineSchema = z.object({
  id: z.uuid(),
  position: z.number().int(),
  kind: z
    .enum(LINE_KINDS)
    .describe('labour/overtime/parts/travel: charges; prepaid: zero-charge prepaid minutes; coverage: negative, what warranty or contract covers'),
  description: z.string(),
  quantity: z.number().describe('Hours for labour, overtime and prepaid; units for parts; 1 or km for travel'),
  unitPrice: money('invoiceLine.unitPrice', z.number()),
  amount: money('invoiceLine.amount', z.number()),
  cost: money('invoiceLine.cost', z.number()),
  minutes: z.number().int().nullable(),
  sku: z.string().nullable(),
  skill: z.string().nullable(),
  visitId: z.uuid().nullable(),
  labourEntryId: z.uuid().nullable(),
  partEntryId: z.uuid().nullable(),
});
export type InvoiceLine = z.infer<typeof invoiceLineSchema>;

export const invoiceSchema = z.object({
  id: z.uuid(),
  number: z.string().nullable().describe('INV-<year>-<6 digits>, gap-free per year; given at issue'),
  status: z.enum(INVOICE_STATUSES).describe('draft → issued → paid; void from draft or issued'),
  ticketId: z.uuid(),
  ticketNumber: z.string(),
  customerId: z.uuid(),
  customerName: z.string(),
  contractId: z.uuid().nullable(),
  contractNumber: z.string().nullable(),
  currency: money('invoice.currency', z.string()),
  subtotal: money('invoice.subtotal', z.number()),
  coveredAmount: money('invoice.coveredAmount', z.number()),
  total: money('invoice.total', z.number()),
  costTotal: money('invoice.costTotal', z.number()),
  prepaidMinutes: z.number().int().describe('Prepaid labour minutes applied (drawn at recording or at issue)'),
  warnings: z.array(z.string()).optional().describe('Back-office notes (unpriced parts, projected prepaid draws); hidden from customers'),
  notes: z.string().nullable(),
  lines: z.array(invoiceLineSchema),
  issuedAt: z.iso.datetime().nullable(),
  paidAt: z.iso.datetime().nullable(),
  paymentReference: z.string().nullable(),
  voidedAt: z.iso.datetime().nullable(),
  voidReason: z.string().nullable(),
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Invoice = z.infer<typeof invoiceSchema>;

export const createInvoiceBody = z
  .strictObject({ notes: z.string().trim().min(1).max(2000).optional().describe('Printed on the invoice') })
  .nullish()
  .describe('Optional body');
export type CreateInvoice = z.infer<typeof createInvoiceBody>;

export const payInvoiceBody = z.strictObject({
  paidAt: z.iso.datetime({ offset: true }).optional().describe('Default now'),
  reference: z.string().trim().min(1).max(200).optional().describe('Payment reference (bank transfer, ERP document)'),
});
export type PayInvoice = z.infer<typeof payInvoiceBody>;

export const voidInvoiceBody = z.strictObject({ reason: z.string().trim().min(3).max(1000) });
export type VoidInvoice = z.infer<typeof voidInvoiceBody>;

export const INVOICE_SORTS = ['createdAt', 'issuedAt', 'number'] as const;

export const listInvoicesQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(INVOICE_SORTS, '-createdAt'),
  status: z.enum(INVOICE_STATUSES).optional(),
  customerId: z.uuid().optional(),
  ticketId: z.uuid().optional(),
  contractId: z.uuid().optional(),
});
export type ListInvoices = z.infer<typeof listInvoicesQuery>;
export const invoicePage = pageSchema(invoiceSchema);

/** Most invoices one export returns (default 1000). */
export const EXPORT_MAX_LIMIT = 10_000;

const dayOrInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
export const exportInvoicesQuery = z
  .strictObject({
    format: z.enum(['csv', 'json']).default('csv').describe('Default csv: one row per invoice line, header row, RFC 4180 quoting, CRLF'),
    status: z.enum(INVOICE_STATUSES).optional().describe('Default: issued and paid'),
    from: dayOrInstant.optional().describe('Issued at or after (drafts: created); a date means its 00:00 UTC'),
    to: dayOrInstant.optional().describe('Issued before (exclusive); a date means the whole day is included'),
    limit: z.coerce.number().int().min(1).max(EXPORT_MAX_LIMIT).default(1000).describe(`Invoices, 1..${EXPORT_MAX_LIMIT} (default 1000); oldest first`),
  })
  .refine((q) => !q.from || !q.to || rangeEnd(q.to) > rangeStart(q.from), { message: 'to must be after from', path: ['to'] });
export type ExportInvoices = z.infer<typeof exportInvoicesQuery>;

export const exportJsonSchema = z.object({
  items: z.array(invoiceSchema),
  truncated: z.boolean().describe('More invoices matched than `limit`: narrow the range'),
});

/** Start instant of a `from` bound. */
export function rangeStart(value: string): Date {
  return new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
}

/** Exclusive end instant of a `to` bound (a date includes its whole day). */
export function rangeEnd(value: string): Date {
  return value.length === 10 ? new Date(Date.parse(`${value}T00:00:00Z`) + 86_400_000) : new Date(value);
}

export const labourRateSchema = z.object({
  skill: z.string().describe("'*' = every skill without its own rate"),
  hourlyRate: money('labourRate.hourlyRate', z.number()),
  overtimeMultiplier: money('labourRate.overtimeMultiplier', z.number()),
  version: z.number().int(),
  updatedAt: z.iso.datetime(),
});
export type LabourRate = z.infer<typeof labourRateSchema>;
export const labourRateListSchema = z.object({ items: z.array(labourRateSchema) });
export const labourRateParams = z.object({ skill: z.string().trim().min(1).max(64) });
export const putLabourRateBody = z.strictObject({
  hourlyRate: z.number().min(0).max(100_000).multipleOf(0.01),
  overtimeMultiplier: z.number().min(1).max(10).multipleOf(0.01).default(1.5).describe('Default 1.5'),
});
export type PutLabourRate = z.infer<typeof putLabourRateBody>;
