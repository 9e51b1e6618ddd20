/** Transfers between stock locations and returns of defective parts: API contract. */
import { z } from 'zod';
import { quantity, skuSchema } from './catalogue.schemas.js';

export const TRANSFER_STATUSES = ['requested', 'shipped', 'received', 'cancelled'] as const;

export const transferSchema = z.object({
  id: z.uuid(),
  number: z.string(),
  fromLocationId: z.uuid(),
  fromLocationCode: z.string(),
  toLocationId: z.uuid(),
  toLocationCode: z.string(),
  status: z.enum(TRANSFER_STATUSES).describe('requested → shipped (leaves the source) → received (arrives); cancelled only before shipping'),
  ticketId: z.uuid().nullable(),
  note: z.string().nullable(),
  lines: z.array(z.object({ partId: z.uuid(), sku: z.string(), quantity: z.number() })),
  requestedAt: z.iso.datetime(),
  shippedAt: z.iso.datetime().nullable(),
  receivedAt: z.iso.datetime().nullable(),
  cancelledAt: z.iso.datetime().nullable(),
  version: z.number().int(),
});
export type Transfer = z.infer<typeof transferSchema>;

export const createTransferBody = z
  .strictObject({
    fromLocationId: z.uuid(),
    toLocationId: z.uuid(),
    lines: z
      .array(z.strictObject({ sku: skuSchema, quantity }))
      .min(1)
      .max(200),
    ticketId: z.uuid().optional().describe('The ticket the parts are moved for, if any'),
    note: z.string().trim().max(2000).optional(),
  })
  .refine((t) => t.fromLocationId !== t.toLocationId, { message: 'source and destination must differ', path: ['toLocationId'] })
  .refine((t) => new Set(t.lines.map((l) => l.sku)).size === t.lines.length, { message: 'each SKU once per transfer', path: ['lines'] });
export type CreateTransfer = z.infer<typeof createTransferBody>;

export const listTransfersQuery = z.strictObject({
  status: z.enum(TRANSFER_STATUSES).optional(),
  locationId: z.uuid().optional().describe('Source or destination'),
});
export type ListTransfers = z.infer<typeof listTransfersQuery>;
export const transferList = z.object({ items: z.array(transferSchema) });

export const RETURN_STATUSES = ['received', 'repaired', 'scrapped', 'returned_to_supplier'] as const;

export const returnSchema = z.object({
  id: z.uuid(),
  partId: z.uuid(),
  sku: z.string(),
  fromLocationId: z.uuid().nullable().describe('The van it came from; null = straight from a site'),
  toLocationId: z.uuid(),
  quantity: z.number(),
  reason: z.string(),
  ticketId: z.uuid().nullable(),
  visitId: z.uuid().nullable(),
  status: z.enum(RETURN_STATUSES).describe('received (held as defective) → repaired (back in stock) | scrapped | returned_to_supplier'),
  receivedAt: z.iso.datetime(),
  closedAt: z.iso.datetime().nullable(),
});
export type StockReturn = z.infer<typeof returnSchema>;

export const createReturnBody = z.strictObject({
  sku: skuSchema,
  quantity,
  toLocationId: z.uuid().describe('A warehouse (central or local)'),
  fromLocationId: z.uuid().optional().describe('A van (or warehouse) the defective part leaves; absent = removed at a site'),
  ticketId: z.uuid().optional(),
  visitId: z.uuid().optional(),
  reason: z.string().trim().min(1).max(2000),
});
export type CreateReturn = z.infer<typeof createReturnBody>;
export const dispositionBody = z.strictObject({ outcome: z.enum(['repaired', 'scrapped', 'returned_to_supplier']) });
export const listReturnsQuery = z.strictObject({ status: z.enum(RETURN_STATUSES).optional() });
export const returnList = z.object({ items: z.array(returnSchema) });
