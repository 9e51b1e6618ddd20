/** Quotes API contract: a priced offer for a ticket's work, sent to the customer, accepted or declined. */
import { z } from 'zod';
import { money } from '../../access/auth/money.js';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';
import { LINE_KINDS } from '../invoicing/invoice-calculator.js';

/** Stored statuses. */
export const STORED_QUOTE_STATUSES = ['draft', 'sent', 'accepted', 'declined', 'withdrawn'] as const;
/** As read: a sent quote past its validUntil day is `expired`. */
export const QUOTE_STATUSES = [...STORED_QUOTE_STATUSES, 'expired'] as const;
export type QuoteStatus = (typeof QUOTE_STATUSES)[number];
export type StoredQuoteStatus = (typeof STORED_QUOTE_STATUSES)[number];

export const DECISION_CHANNELS = ['portal', 'phone'] as const;

export const quoteIdParams = z.object({ id: z.uuid() });
export const ticketQuoteParams = z.object({ id: z.uuid().describe('Ticket id') });

const text = (max: number) => z.string().trim().min(1).max(max);

/** What a quote is priced from; the same pricing as an invoice (labour rate of the skill, catalogue part price, coverage). */
export const quoteItemInput = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('labour'),
    hours: z.number().positive().max(1000).describe('Estimated hours, priced at the labour rate of the skill'),
    skill: text(64).optional().describe("Default: the '*' rate"),
    description: text(500).optional(),
    overtime: z.boolean().optional().describe('Priced at the overtime multiplier (default false)'),
  }),
  z.strictObject({
    kind: z.literal('parts'),
    sku: text(64),
    quantity: z.number().positive().max(100_000),
    description: text(500).optional().describe('Default: the catalogue description'),
    unitPrice: z.number().min(0).max(10_000_000).multipleOf(0.01).optional().describe('Default: the catalogue price'),
  }),
  z.strictObject({ kind: z.literal('travel').describe('One visit, charged by the travel policy (covered when the contract includes travel)') }),
]);
export type QuoteItem = z.infer<typeof quoteItemInput>;

const quoteItemSchema = z.object({
  kind: z.enum(['labour', 'parts', 'travel']),
  hours: z.number().optional(),
  skill: z.string().optional(),
  description: z.string().optional(),
  overtime: z.boolean().optional(),
  sku: z.string().optional(),
  quantity: z.number().optional(),
  unitPrice: money('quoteItem.unitPrice', z.number()),
});

export const quoteLineSchema = z.object({
  position: z.number().int(),
  kind: z.enum(LINE_KINDS).describe('labour/overtime/parts/travel: charges; coverage: negative, what warranty or contract covers'),
  description: z.string(),
  quantity: z.number().describe('Hours for labour and overtime; units for parts; 1 for travel'),
  unitPrice: money('quoteLine.unitPrice', z.number()),
  amount: money('quoteLine.amount', z.number()),
  minutes: z.number().int().nullable(),
  sku: z.string().nullable(),
  skill: z.string().nullable(),
});

const actorSchema = z.object({ type: z.string(), id: z.string(), name: z.string().nullable().describe('The user’s name, when a user acted') });

export const quoteSchema = z.object({
  id: z.uuid(),
  number: z.string().describe('QUO-<year>-<6 digits>'),
  status: z.enum(QUOTE_STATUSES).describe('draft → sent → accepted | declined; withdrawn from draft or sent; a sent quote past validUntil reads expired'),
  ticketId: z.uuid(),
  ticketNumber: z.string(),
  customerId: z.uuid(),
  customerName: z.string(),
  contractId: z.uuid().nullable(),
  contractNumber: z.string().nullable(),
  currency: money('quote.currency', z.string()),
  subtotal: money('quote.subtotal', z.number()),
  coveredAmount: money('quote.coveredAmount', z.number()),
  total: money('quote.total', z.number()),
  estimate: z.array(quoteItemSchema).describe('What the lines were priced from (PATCH lines replaces it)'),
  lines: z.array(quoteLineSchema),
  warnings: z.array(z.string()).optional().describe('Back-office notes (unpriced parts, no diagnosis); hidden from customers'),
  validUntil: z.iso.date().describe('Last day the quote can be accepted'),
  note: z.string().nullable(),
  sentAt: z.iso.datetime().nullable(),
  ticketHeld: z.boolean().describe('Sending put the ticket on hold (awaiting_quote); acceptance lets it proceed'),
  decision: z
    .object({
      at: z.iso.datetime(),
      by: actorSchema,
      channel: z.enum(DECISION_CHANNELS).describe('portal: the customer; phone: recorded by staff'),
      onBehalfOf: z.string().nullable().describe('The customer’s contact who decided (phone)'),
      reason: z.string().nullable(),
    })
    .nullable(),
  withdrawnAt: z.iso.datetime().nullable(),
  createdBy: actorSchema,
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Quote = z.infer<typeof quoteSchema>;

export const createQuoteBody = z
  .strictObject({
    lines: z
      .array(quoteItemInput)
      .max(100)
      .optional()
      .describe("Default: from the ticket's diagnosis (labour hours × the skill's rate, reserved or proposed parts, one travel)"),
    validUntil: z.iso.date().optional().describe('Default: today + QUOTE_VALIDITY_DAYS'),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .optional()
      .describe("Default: the contract's currency, else EUR"),
    note: text(2000).optional().describe('Printed on the quote'),
  })
  .nullish()
  .describe('Optional body');
export type CreateQuote = z.infer<typeof createQuoteBody>;

export const updateQuoteBody = z.strictObject({
  lines: z.array(quoteItemInput).max(100).optional().describe('Replaces the estimate; the quote is priced again'),
  validUntil: z.iso.date().optional(),
  note: text(2000).nullable().optional(),
});
export type UpdateQuote = z.infer<typeof updateQuoteBody>;

export const decisionBody = z
  .strictObject({
    reason: text(2000).optional(),
    onBehalfOf: text(200).optional().describe('Staff on the phone: the customer’s contact who decided (required for staff)'),
  })
  .nullish()
  .describe('Optional body for customers');
export type Decision = z.infer<typeof decisionBody>;

export const withdrawBody = z
  .strictObject({ reason: text(2000).optional() })
  .nullish()
  .describe('Optional body');
export type Withdraw = z.infer<typeof withdrawBody>;

export const QUOTE_SORTS = ['createdAt', 'validUntil', 'number'] as const;
export const listQuotesQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(QUOTE_SORTS, '-createdAt'),
  status: z.enum(QUOTE_STATUSES).optional(),
  customerId: z.uuid().optional(),
  ticketId: z.uuid().optional(),
});
export type ListQuotes = z.infer<typeof listQuotesQuery>;
export const quotePage = pageSchema(quoteSchema);

export const quoteHistorySchema = z.object({
  quoteId: z.uuid(),
  entries: z.array(
    z.object({
      id: z.string(),
      from: z.enum(QUOTE_STATUSES).nullable(),
      to: z.enum(QUOTE_STATUSES),
      at: z.iso.datetime(),
      actor: z.object({ type: z.string(), id: z.string() }),
      reason: z.string().nullable(),
      channel: z.enum(DECISION_CHANNELS).nullable(),
      onBehalfOf: z.string().nullable(),
    }),
  ),
});
export type QuoteHistory = z.infer<typeof quoteHistorySchema>;
