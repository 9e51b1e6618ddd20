/**
 * Custom fields API contract: an admin defines typed fields per entity; the values travel in a
 * `custom` object on that entity's bodies and responses, and lists filter on `custom.<key>=value`.
 */
import { z } from 'zod';

export const CUSTOM_ENTITIES = ['customer', 'site', 'asset', 'contact', 'ticket'] as const;
export type CustomEntity = (typeof CUSTOM_ENTITIES)[number];

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'boolean', 'date', 'enum'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

/** Stored custom values: text, enum and date (YYYY-MM-DD) are strings. */
export type CustomValue = string | number | boolean;
export type CustomValues = Record<string, CustomValue>;

/** Field keys: lower snake case, starting with a letter, at most 40 characters. */
export const CUSTOM_KEY_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
/** Longest text value. */
export const MAX_TEXT_LENGTH = 2000;
/** Most fields one entity may define (and values one body may carry). */
export const MAX_FIELDS_PER_ENTITY = 100;

export const customFieldIdParams = z.object({ id: z.uuid() });

export const customFieldSchema = z.object({
  id: z.uuid(),
  entity: z.enum(CUSTOM_ENTITIES),
  key: z.string().describe('Name in `custom` and in filters: `custom.<key>=value`'),
  label: z.string(),
  type: z.enum(CUSTOM_FIELD_TYPES),
  options: z.array(z.string()).describe('Allowed values of an enum field; empty for other types'),
  required: z.boolean(),
  filterable: z.boolean(),
  description: z.string().nullable(),
  version: z.number().int().describe('Increments on every change; also sent as the ETag'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type CustomField = z.infer<typeof customFieldSchema>;

const label = z.string().trim().min(1).max(200);
const description = z.string().max(2000);
const options = z
  .array(z.string().trim().min(1).max(200))
  .min(1)
  .max(200)
  .refine((o) => new Set(o).size === o.length, 'options must be unique');

export const createCustomFieldBody = z
  .strictObject({
    entity: z.enum(CUSTOM_ENTITIES),
    key: z.string().regex(CUSTOM_KEY_PATTERN, 'lower snake case, a letter first, at most 40 characters'),
    label,
    type: z.enum(CUSTOM_FIELD_TYPES),
    options: options.optional().describe('Required for type enum, refused otherwise'),
    required: z.boolean().default(false).describe('Must be present on create (and whenever `custom` is changed); default false'),
    filterable: z.boolean().default(false).describe('Lists accept `custom.<key>=value` (default false)'),
    description: description.optional(),
  })
  .refine((f) => f.type !== 'enum' || f.options !== undefined, { message: 'options are required for an enum field', path: ['options'] })
  .refine((f) => f.type === 'enum' || f.options === undefined, { message: 'options are only for enum fields', path: ['options'] });
export type CreateCustomField = z.infer<typeof createCustomFieldBody>;

/** PATCH: entity, key and type are fixed once defined; options only for enum fields. */
export const updateCustomFieldBody = z.strictObject({
  label: label.optional(),
  options: options.optional(),
  required: z.boolean().optional(),
  filterable: z.boolean().optional(),
  description: description.nullable().optional(),
});
export type UpdateCustomField = z.infer<typeof updateCustomFieldBody>;

export const listCustomFieldsQuery = z.strictObject({
  entity: z.enum(CUSTOM_ENTITIES).optional(),
});
export type ListCustomFields = z.infer<typeof listCustomFieldsQuery>;

export const customFieldList = z.object({ items: z.array(customFieldSchema) });

/**
 * The `custom` object of an entity's create/update body. The shape is checked here; the keys
 * and types are checked against the definitions by `validateCustomFields` (400 naming
 * `body.custom.<key>`). In a PATCH, `null` removes a value.
 */
export const customValuesBody = z
  .record(z.string().min(1).max(64), z.union([z.string().max(MAX_TEXT_LENGTH), z.number(), z.boolean(), z.null()]))
  .refine((o) => Object.keys(o).length <= MAX_FIELDS_PER_ENTITY, `at most ${MAX_FIELDS_PER_ENTITY} custom values`)
  .describe('Custom field values by key (GET /api/v1/custom-fields?entity=...)');

/** The `custom` object of an entity's response. */
export const customValuesSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).describe('Custom field values by key');

const FILTER_KEY = /^custom\.[a-z][a-z0-9_]{0,39}$/;

/**
 * A list querystring that also accepts `custom.<key>=value` filters (other unknown parameters
 * stay refused, as with a strict object). Read them back with `customFiltersOf(query)`.
 */
export function withCustomFilters<S extends z.ZodRawShape>(shape: S) {
  return z
    .object(shape)
    .catchall(z.string().min(1).max(200))
    .superRefine((query, ctx) => {
      for (const key of Object.keys(query)) {
        if (!(key in shape) && !FILTER_KEY.test(key)) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'unknown query parameter (custom fields filter as custom.<key>=value)' });
        }
      }
    });
}

/** The `custom.<key>` filters of a parsed querystring, by key (without the `custom.` prefix). */
export function customFiltersOf(query: object): Record<string, string> {
  const filters: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (FILTER_KEY.test(name) && typeof value === 'string') filters[name.slice('custom.'.length)] = value;
  }
  return filters;
}
