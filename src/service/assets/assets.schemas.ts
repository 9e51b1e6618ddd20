/** Assets API contract: installed equipment, one equipment model and serial number each. */
import { z } from 'zod';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';
import { customValuesBody, customValuesSchema, withCustomFilters } from '../custom-fields/custom-fields.schemas.js';

export const assetIdParams = z.object({ id: z.uuid() });

export const assetSchema = z.object({
  id: z.uuid(),
  siteId: z.uuid(),
  customerId: z.uuid().describe("The site's customer"),
  modelId: z.string().describe('Equipment model id (GET /api/v1/models)'),
  serialNumber: z.string(),
  name: z.string().nullable(),
  installDate: z.iso.date().nullable(),
  warrantyEnd: z.iso.date().nullable(),
  custom: customValuesSchema,
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Asset = z.infer<typeof assetSchema>;

const serialNumber = z.string().trim().min(1).max(128);
const name = z.string().trim().min(1).max(200);
const date = z.iso.date();
const warrantyAfterInstall = {
  message: 'warrantyEnd must not be before installDate',
  path: ['warrantyEnd'],
};

export const createAssetBody = z
  .strictObject({
    siteId: z.uuid(),
    modelId: z.string().min(1).max(64),
    serialNumber: serialNumber.describe('Unique per equipment model'),
    name: name.optional(),
    installDate: date.optional(),
    warrantyEnd: date.optional(),
    custom: customValuesBody.optional(),
  })
  .refine((a) => !a.installDate || !a.warrantyEnd || a.warrantyEnd >= a.installDate, warrantyAfterInstall);
export type CreateAsset = z.infer<typeof createAssetBody>;

/** PATCH: every field optional; `null` clears an optional field. The model is fixed at creation. */
export const updateAssetBody = z
  .strictObject({
    siteId: z.uuid().optional().describe('Move the asset to another site'),
    serialNumber: serialNumber.optional(),
    name: name.nullable().optional(),
    installDate: date.nullable().optional(),
    warrantyEnd: date.nullable().optional(),
    custom: customValuesBody.optional().describe('Merged into the stored values; null removes one'),
  })
  .refine((a) => !a.installDate || !a.warrantyEnd || a.warrantyEnd >= a.installDate, warrantyAfterInstall);
export type UpdateAsset = z.infer<typeof updateAssetBody>;

export const ASSET_SORTS = ['serialNumber', 'createdAt', 'updatedAt'] as const;

/** Also accepts `custom.<key>=value` for filterable custom fields of assets. */
export const listAssetsQuery = withCustomFilters({
  ...pageQueryShape,
  sort: sortQuery(ASSET_SORTS, 'createdAt'),
  siteId: z.uuid().optional(),
  customerId: z.uuid().optional(),
  modelId: z.string().min(1).max(64).optional(),
  serialNumber: z.string().min(1).max(128).optional().describe('Exact serial number'),
});
export type ListAssets = z.infer<typeof listAssetsQuery>;

export const assetPage = pageSchema(assetSchema);

export const assetHistoryQuery = z.object({
  before: z.iso.datetime({ offset: true }).optional().describe('Only events before this time (nextBefore of the previous page)'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const assetHistorySchema = z.object({
  items: z.array(
    z.object({
      at: z.string(),
      kind: z.string(),
      title: z.string(),
      ref: z.object({ type: z.string(), id: z.string() }).nullable(),
    }),
  ),
  nextBefore: z.string().nullable(),
});
