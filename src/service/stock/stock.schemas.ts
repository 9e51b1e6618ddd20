/** Stock API contract: availability, reservations per ticket, levels, receipts, adjustments, the ledger, backorders. */
import { z } from 'zod';
import { money } from '../../access/auth/money.js';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';
import { LOCATION_KINDS, quantity, skuSchema } from './catalogue.schemas.js';

const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);

export const locationStockSchema = z.object({
  locationId: z.uuid(),
  code: z.string(),
  name: z.string(),
  kind: z.enum(LOCATION_KINDS),
  technicianId: z.uuid().nullable(),
  onHand: z.number(),
  reserved: z.number(),
  available: z.number().describe('onHand - reserved'),
  distanceKm: z.number().nullable().describe('From the point asked about; null without coordinates'),
});
export type LocationStock = z.infer<typeof locationStockSchema>;

export const partAvailabilitySchema = z.object({
  sku: z.string(),
  partId: z.uuid().nullable().describe('null: not in the catalogue'),
  description: z.string().nullable(),
  totalAvailable: z.number(),
  nearest: locationStockSchema.nullable().describe('The nearest active location with some available'),
  locations: z.array(locationStockSchema).describe('Active locations holding the part, nearest first'),
});
export type PartAvailability = z.infer<typeof partAvailabilitySchema>;

export const availabilityQuery = z
  .strictObject({
    skus: z
      .string()
      .min(1)
      .max(2000)
      .transform((s) => [
        ...new Set(
          s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        ),
      ])
      .pipe(z.array(skuSchema).min(1).max(100))
      .describe('Comma-separated SKUs'),
    latitude: z.coerce.number().pipe(latitude).optional(),
    longitude: z.coerce.number().pipe(longitude).optional(),
  })
  .refine((q) => (q.latitude === undefined) === (q.longitude === undefined), { message: 'latitude and longitude go together', path: ['longitude'] });
export const availabilityList = z.object({ items: z.array(partAvailabilitySchema) });

// ---- Reservations -------------------------------------------------------------------------------

export const RESERVATION_STATUSES = ['active', 'consumed', 'released'] as const;

export const reservationLineSchema = z.object({
  reservationId: z.uuid(),
  locationId: z.uuid(),
  locationCode: z.string(),
  quantity: z.number().describe('Reserved'),
  consumed: z.number(),
  released: z.number(),
  outstanding: z.number().describe('Still held: quantity - consumed - released'),
  status: z.enum(RESERVATION_STATUSES),
  createdAt: z.iso.datetime(),
});
export type ReservationLine = z.infer<typeof reservationLineSchema>;

export const reservationSchema = z.object({
  sku: z.string(),
  partId: z.uuid().nullable(),
  requested: z.number(),
  held: z.number().describe('What the ticket holds for this SKU after the call (outstanding + consumed)'),
  added: z.number().describe('Newly reserved by this call (0 on a repeated call)'),
  shortfall: z.number().describe('requested - held, at least 0'),
  status: z.enum(['reserved', 'partial', 'unavailable', 'unknown_part']),
  lines: z.array(reservationLineSchema).describe("The ticket's reservations of this SKU not released"),
});
export type Reservation = z.infer<typeof reservationSchema>;

export const reserveBody = z
  .strictObject({
    items: z
      .array(z.strictObject({ sku: skuSchema, quantity }))
      .min(1)
      .max(100),
    latitude: latitude.optional().describe("Reserve nearest to this point (default: the ticket's site)"),
    longitude: longitude.optional(),
    allOrNothing: z.boolean().default(false).describe('true: any shortfall fails with INSUFFICIENT_STOCK and reserves nothing (default false: partial)'),
  })
  .refine((b) => (b.latitude === undefined) === (b.longitude === undefined), { message: 'latitude and longitude go together', path: ['longitude'] });
export const reserveResult = z.object({ ticketId: z.uuid(), items: z.array(reservationSchema) });
export const ticketReservationList = z.object({
  ticketId: z.uuid(),
  items: z.array(reservationLineSchema.extend({ sku: z.string(), partId: z.uuid() })),
});
export const releaseBody = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() });
export const releaseResult = z.object({ ticketId: z.uuid(), released: z.array(z.object({ reservationId: z.uuid(), sku: z.string(), quantity: z.number() })) });

// ---- Levels, receipts, adjustments, ledger ---------------------------------------------------------

export const levelSchema = z.object({
  locationId: z.uuid(),
  locationCode: z.string(),
  kind: z.enum(LOCATION_KINDS),
  partId: z.uuid(),
  sku: z.string(),
  onHand: z.number(),
  reserved: z.number(),
  available: z.number(),
  defective: z.number().describe('Returned defective parts held here; never available'),
  inTransitIn: z.number().describe('Shipped to this location, not yet received'),
});
export const levelPage = pageSchema(levelSchema);
export const listLevelsQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(['sku', 'location'], 'sku'),
  locationId: z.uuid().optional(),
  sku: skuSchema.optional(),
  kind: z.enum(LOCATION_KINDS).optional(),
});
export type ListLevels = z.infer<typeof listLevelsQuery>;

export const receiptBody = z.strictObject({
  locationId: z.uuid(),
  reference: z.string().trim().min(1).max(200).optional().describe('Delivery note or purchase order number'),
  lines: z
    .array(z.strictObject({ sku: skuSchema, quantity, unitCost: z.number().min(0).max(9_999_999_999).optional().describe("Default: the part's unit cost") }))
    .min(1)
    .max(500),
});
export type ReceiptInput = z.infer<typeof receiptBody>;

export const adjustmentBody = z
  .strictObject({
    locationId: z.uuid(),
    sku: skuSchema,
    delta: z.number().min(-999_999_999).max(999_999_999).optional().describe('Signed change of on hand'),
    counted: z.number().min(0).max(999_999_999).optional().describe('Physical count: on hand becomes this'),
    reason: z.string().trim().min(1).max(500),
  })
  .refine((a) => (a.delta === undefined) !== (a.counted === undefined), { message: 'give exactly one of delta or counted', path: ['delta'] });
export type AdjustmentInput = z.infer<typeof adjustmentBody>;

export const MOVEMENT_KINDS = ['receipt', 'reservation', 'release', 'consumption', 'transfer_out', 'transfer_in', 'return', 'adjustment', 'disposal'] as const;
export const movementSchema = z.object({
  id: z.string(),
  partId: z.uuid(),
  sku: z.string(),
  locationId: z.uuid(),
  locationCode: z.string(),
  kind: z.enum(MOVEMENT_KINDS),
  bucket: z.enum(['on_hand', 'reserved', 'defective']),
  quantity: z.number().describe('Signed change of the bucket'),
  unitCost: money('stockMovement.unitCost', z.number().nullable()),
  ticketId: z.uuid().nullable(),
  visitId: z.uuid().nullable(),
  transferId: z.uuid().nullable(),
  reservationId: z.uuid().nullable(),
  returnId: z.uuid().nullable(),
  reference: z.string().nullable(),
  reason: z.string().nullable(),
  at: z.iso.datetime(),
  actor: z.object({ type: z.string(), id: z.string() }),
});
export const movementPage = pageSchema(movementSchema);
export const listMovementsQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(['at'], '-at'),
  sku: skuSchema.optional(),
  locationId: z.uuid().optional(),
  ticketId: z.uuid().optional(),
  kind: z.enum(MOVEMENT_KINDS).optional(),
});
export type ListMovements = z.infer<typeof listMovementsQuery>;
export const receiptResult = z.object({ items: z.array(movementSchema) });

// ---- Backorders ---------------------------------------------------------------------------------

export const backorderSchema = z.object({
  id: z.uuid(),
  partId: z.uuid(),
  sku: z.string(),
  locationId: z.uuid().nullable().describe('The van it was used from (null: the technician has no van)'),
  ticketId: z.uuid().nullable(),
  visitId: z.uuid().nullable(),
  quantity: z.number(),
  status: z.enum(['open', 'settled']),
  createdAt: z.iso.datetime(),
  settledAt: z.iso.datetime().nullable(),
  settledLocationId: z.uuid().nullable(),
});
export type Backorder = z.infer<typeof backorderSchema>;
export const backorderList = z.object({ items: z.array(backorderSchema) });
export const listBackordersQuery = z.strictObject({ status: z.enum(['open', 'settled']).optional(), sku: skuSchema.optional() });
export const settleBackorderBody = z.strictObject({ locationId: z.uuid().describe('Where the part is now booked out from') });
