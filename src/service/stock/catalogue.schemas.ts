/** Parts catalogue and stock locations API contract. */
import { z } from 'zod';
import { money } from '../../access/auth/money.js';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';

export const idParams = z.object({ id: z.uuid() });

/** A stock quantity: positive, at most 3 decimals (numeric(12,3)). */
export const quantity = z
  .number()
  .positive()
  .max(999_999_999)
  .refine((v) => Math.abs(v * 1000 - Math.round(v * 1000)) < 1e-6, 'at most 3 decimals');
const amount = z
  .number()
  .min(0)
  .max(9_999_999_999)
  .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6, 'at most 2 decimals');
export const skuSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/, 'letters, digits and . _ / -, 1..64 characters');

// ---- Parts ------------------------------------------------------------------------------------

export const partSchema = z.object({
  id: z.uuid(),
  sku: z.string(),
  description: z.string(),
  unit: z.string().describe("Unit of measure, e.g. 'pcs', 'm', 'l'"),
  unitPrice: money('part.unitPrice', z.number()),
  unitCost: money('part.unitCost', z.number()),
  compatibleModels: z.array(z.string()).describe('Equipment model ids the part fits'),
  reorderPoint: z.number().nullable().describe('Reorder when the network position falls to this; null = not stocked to a point'),
  reorderQuantity: z.number().nullable().describe('Purchase lot size; null = order up to twice the reorder point'),
  supplier: z.string().nullable(),
  leadTimeDays: z.number().int().nullable(),
  active: z.boolean(),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Part = z.infer<typeof partSchema>;
export const partPage = pageSchema(partSchema);

const description = z.string().trim().min(1).max(500);
const unit = z.string().trim().min(1).max(16);
const modelIds = z.array(z.string().min(1).max(100)).max(200);
const supplier = z.string().trim().min(1).max(200);
const leadTimeDays = z.number().int().min(0).max(3650);

export const createPartBody = z.strictObject({
  sku: skuSchema,
  description,
  unit: unit.default('pcs').describe("Default 'pcs'"),
  unitPrice: amount,
  unitCost: amount,
  compatibleModels: modelIds.default([]).describe('Equipment model ids (default none)'),
  reorderPoint: quantity.or(z.literal(0)).nullable().default(null),
  reorderQuantity: quantity.nullable().default(null),
  supplier: supplier.nullable().default(null),
  leadTimeDays: leadTimeDays.nullable().default(null),
  active: z.boolean().default(true),
});
export type CreatePart = z.infer<typeof createPartBody>;

/** PATCH: fields present replace; the SKU never changes (visits and the ledger refer to it). */
export const updatePartBody = z.strictObject({
  description: description.optional(),
  unit: unit.optional(),
  unitPrice: amount.optional(),
  unitCost: amount.optional(),
  compatibleModels: modelIds.optional(),
  reorderPoint: quantity.or(z.literal(0)).nullable().optional(),
  reorderQuantity: quantity.nullable().optional(),
  supplier: supplier.nullable().optional(),
  leadTimeDays: leadTimeDays.nullable().optional(),
  active: z.boolean().optional(),
});
export type UpdatePart = z.infer<typeof updatePartBody>;

export const listPartsQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(['sku', 'description', 'createdAt'], 'sku'),
  q: z.string().trim().min(1).max(200).optional().describe('Matches SKU or description'),
  modelId: z.string().min(1).max(100).optional().describe('Only parts compatible with this equipment model'),
  active: z.stringbool().optional(),
});
export type ListParts = z.infer<typeof listPartsQuery>;

// ---- Locations --------------------------------------------------------------------------------

export const LOCATION_KINDS = ['central', 'local', 'van'] as const;

export const locationSchema = z.object({
  id: z.uuid(),
  code: z.string(),
  name: z.string(),
  kind: z.enum(LOCATION_KINDS),
  technicianId: z.uuid().nullable().describe('The technician whose van this is (kind van only)'),
  address: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  active: z.boolean(),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Location = z.infer<typeof locationSchema>;

const code = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'letters, digits and . _ -, 1..32 characters');
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);
const bothOrNone = { message: 'latitude and longitude go together', path: ['longitude'] };

export const createLocationBody = z
  .strictObject({
    code,
    name: z.string().trim().min(1).max(200),
    kind: z.enum(LOCATION_KINDS),
    technicianId: z.uuid().optional().describe('Required for a van, refused otherwise'),
    address: z.string().trim().max(500).nullable().default(null),
    latitude: latitude.nullable().default(null),
    longitude: longitude.nullable().default(null),
    active: z.boolean().default(true),
  })
  .refine((l) => (l.latitude === null) === (l.longitude === null), bothOrNone)
  .refine((l) => (l.kind === 'van') === (l.technicianId !== undefined), {
    message: 'a van needs a technicianId; a warehouse has none',
    path: ['technicianId'],
  });
export type CreateLocation = z.infer<typeof createLocationBody>;

export const updateLocationBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  address: z.string().trim().max(500).nullable().optional(),
  latitude: latitude.nullable().optional(),
  longitude: longitude.nullable().optional(),
  active: z.boolean().optional(),
});
export type UpdateLocation = z.infer<typeof updateLocationBody>;

export const listLocationsQuery = z.strictObject({
  kind: z.enum(LOCATION_KINDS).optional(),
  technicianId: z.uuid().optional(),
  active: z.stringbool().optional(),
});
export type ListLocations = z.infer<typeof listLocationsQuery>;
export const locationList = z.object({ items: z.array(locationSchema) });
