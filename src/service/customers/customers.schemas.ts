/** Customers API contract: one zod schema per request part and response (drives OpenAPI too). */
import { z } from 'zod';
import { pageQueryShape, pageSchema, sortQuery } from '../../kernel/http/paging.schemas.js';
import { customValuesBody, customValuesSchema, withCustomFilters } from '../custom-fields/custom-fields.schemas.js';
import { CUSTOMER_TIERS } from './customer-tier.js';

export const customerIdParams = z.object({ id: z.uuid() });

export const customerSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  code: z.string().nullable().describe('Optional business key, unique (e.g. the ERP customer number)'),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  notes: z.string().nullable(),
  tier: z
    .enum(CUSTOMER_TIERS)
    .describe('From the active contracts today: platinum = value ≥ 100 000 or ≥ 5 contracts, gold = ≥ 25 000 or ≥ 3, silver = any, bronze = none'),
  custom: customValuesSchema,
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Customer = z.infer<typeof customerSchema>;

const name = z.string().trim().min(1).max(200);
const code = z.string().trim().min(1).max(64);
const email = z.email().max(254);
const phone = z.string().trim().min(1).max(64);
const notes = z.string().max(10_000);

export const createCustomerBody = z.strictObject({
  name,
  code: code.optional(),
  email: email.optional(),
  phone: phone.optional(),
  notes: notes.optional(),
  custom: customValuesBody.optional(),
});
export type CreateCustomer = z.infer<typeof createCustomerBody>;

/** PATCH: every field optional; `null` clears an optional field. */
export const updateCustomerBody = z.strictObject({
  name: name.optional(),
  code: code.nullable().optional(),
  email: email.nullable().optional(),
  phone: phone.nullable().optional(),
  notes: notes.nullable().optional(),
  custom: customValuesBody.optional().describe('Merged into the stored values; null removes one'),
});
export type UpdateCustomer = z.infer<typeof updateCustomerBody>;

export const CUSTOMER_SORTS = ['name', 'createdAt', 'updatedAt'] as const;

/** Also accepts `custom.<key>=value` for filterable custom fields of customers. */
export const listCustomersQuery = withCustomFilters({
  ...pageQueryShape,
  sort: sortQuery(CUSTOMER_SORTS, 'name'),
  q: z.string().trim().min(1).max(200).optional().describe('Case-insensitive substring of the name'),
});
export type ListCustomers = z.infer<typeof listCustomersQuery>;

export const customerPage = pageSchema(customerSchema);
