/** Sites API contract: the places where a customer's equipment is installed. */
import { z } from 'zod';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';

export const siteIdParams = z.object({ id: z.uuid() });

export const siteSchema = z.object({
  id: z.uuid(),
  customerId: z.uuid(),
  name: z.string(),
  address: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  accessNotes: z.string().nullable().describe('How a technician gets in: gate codes, contact on site, hours'),
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Site = z.infer<typeof siteSchema>;

const name = z.string().trim().min(1).max(200);
const text = z.string().trim().min(1).max(500);
const country = z.string().trim().min(2).max(64);
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);
const accessNotes = z.string().max(10_000);

export const createSiteBody = z.strictObject({
  customerId: z.uuid(),
  name,
  address: text.optional(),
  city: text.optional(),
  country: country.optional(),
  latitude: latitude.optional(),
  longitude: longitude.optional(),
  accessNotes: accessNotes.optional(),
});
export type CreateSite = z.infer<typeof createSiteBody>;

/** PATCH: every field optional; `null` clears an optional field. A site stays with its customer. */
export const updateSiteBody = z.strictObject({
  name: name.optional(),
  address: text.nullable().optional(),
  city: text.nullable().optional(),
  country: country.nullable().optional(),
  latitude: latitude.nullable().optional(),
  longitude: longitude.nullable().optional(),
  accessNotes: accessNotes.nullable().optional(),
});
export type UpdateSite = z.infer<typeof updateSiteBody>;

export const SITE_SORTS = ['name', 'createdAt', 'updatedAt'] as const;

export const listSitesQuery = z.strictObject({
  ...pageQueryShape,
  sort: sortQuery(SITE_SORTS, 'name'),
  customerId: z.uuid().optional().describe("Only this customer's sites"),
  q: z.string().trim().min(1).max(200).optional().describe('Case-insensitive substring of the name or city'),
});
export type ListSites = z.infer<typeof listSitesQuery>;

export const sitePage = pageSchema(siteSchema);
