/**
 * Custom field values checked against the admin's definitions. Any feature whose entity has a
 * `custom` column uses it the same way (customers and assets do):
 *
 * - schema: `custom: customValuesBody.optional()` in the create and update bodies,
 *   `custom: customValuesSchema` in the response;
 * - create: `const custom = await validateCustomFields(tx, 'site', body.custom)` and store it;
 * - update (only when `patch.custom` is present): `await validateCustomFields(tx, 'site',
 *   patch.custom, { current: row.custom })` returns the merged object to store;
 * - list: build the query with `withCustomFilters({...})`, then
 *   `await customFilterJson(q, 'site', customFiltersOf(query))` gives a JSON object to match with
 *   `<alias>.custom @> $n::jsonb` (null when there is no filter).
 *
 * Rules: every key must be defined for the entity; values must match the type (text: string,
 * number: finite number, boolean, date: YYYY-MM-DD, enum: one of the options); required fields
 * must be present after a create and after any update that touches `custom`; `null` in an update
 * removes a value. All problems are reported at once as VALIDATION_FAILED naming
 * `body.custom.<key>` (filters: `query.custom.<key>`).
 */
import type { Queryable } from '../../kernel/db/database.js';
import { AppError } from '../../kernel/errors.js';
import { CustomFieldsRepository, type CustomFieldRow } from './custom-fields.repository.js';
import { MAX_TEXT_LENGTH, type CustomEntity, type CustomValue, type CustomValues } from './custom-fields.schemas.js';

const repo = new CustomFieldsRepository();

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function isIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** The problem with `value` for `field`, or undefined when it fits. */
function problemOf(field: CustomFieldRow, value: unknown): string | undefined {
  switch (field.type) {
    case 'text':
      return typeof value === 'string' && value.length <= MAX_TEXT_LENGTH ? undefined : `expected text of at most ${MAX_TEXT_LENGTH} characters`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'expected a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'expected true or false';
    case 'date':
      return typeof value === 'string' && isIsoDate(value) ? undefined : 'expected a date YYYY-MM-DD';
    case 'enum':
      return typeof value === 'string' && field.options.includes(value) ? undefined : `expected one of ${field.options.join(', ')}`;
    default: {
      const unreachable: never = field.type;
      return unreachable;
    }
  }
}

export interface ValidateOptions {
  /** The stored values of the record being updated: the result is them merged with `values`. */
  readonly current?: CustomValues | undefined;
  /** Prefix of the field names in errors (default `body.custom`). */
  readonly path?: string;
}

/**
 * Checks `values` (a body's `custom` object; undefined = none) against the definitions of
 * `entity` and returns the object to store. Throws VALIDATION_FAILED naming every bad field.
 */
export async function validateCustomFields(
  q: Queryable,
  entity: CustomEntity,
  values: Record<string, unknown> | undefined,
  options: ValidateOptions = {},
): Promise<CustomValues> {
  const path = options.path ?? 'body.custom';
  const definitions = new Map((await repo.list(q, entity)).map((d) => [d.key, d]));
  const result: CustomValues = { ...(options.current ?? {}) };
  const fields: { field: string; message: string }[] = [];
  for (const [key, value] of Object.entries(values ?? {})) {
    const definition = definitions.get(key);
    if (!definition) {
      fields.push({ field: `${path}.${key}`, message: `unknown custom field of ${entity}` });
      continue;
    }
    if (value === null || value === undefined) {
      delete result[key];
      continue;
    }
    const problem = problemOf(definition, value);
    if (problem) fields.push({ field: `${path}.${key}`, message: problem });
    else result[key] = value as CustomValue;
  }
  for (const definition of definitions.values()) {
    if (definition.required && result[definition.key] === undefined && !fields.some((f) => f.field === `${path}.${definition.key}`)) {
      fields.push({ field: `${path}.${definition.key}`, message: 'required' });
    }
  }
  if (fields.length > 0) {
    throw new AppError('VALIDATION_FAILED', `Invalid request: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
  }
  return result;
}

/** Parses a filter's text according to the field type; undefined when it cannot be one. */
function filterValue(field: CustomFieldRow, text: string): CustomValue | undefined {
  switch (field.type) {
    case 'number': {
      const n = Number(text);
      return text.trim() !== '' && Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    default:
      return problemOf(field, text) === undefined ? text : undefined;
  }
}

/**
 * Turns `custom.<key>=value` filters (from customFiltersOf) into one JSON object for a
 * containment match (`custom @> $n::jsonb`, served by the GIN index), or null without filters.
 * Only fields defined as filterable may be used; values are parsed by type.
 */
export async function customFilterJson(q: Queryable, entity: CustomEntity, filters: Record<string, string>): Promise<string | null> {
  const keys = Object.keys(filters);
  if (keys.length === 0) return null;
  const definitions = new Map((await repo.list(q, entity)).map((d) => [d.key, d]));
  const match: CustomValues = {};
  const fields: { field: string; message: string }[] = [];
  for (const key of keys) {
    const definition = definitions.get(key);
    const field = `query.custom.${key}`;
    if (!definition) fields.push({ field, message: `unknown custom field of ${entity}` });
    else if (!definition.filterable) fields.push({ field, message: 'this custom field is not filterable' });
    else {
      const value = filterValue(definition, filters[key]!);
      if (value === undefined) fields.push({ field, message: problemOf(definition, null) ?? 'invalid' });
      else match[key] = value;
    }
  }
  if (fields.length > 0) {
    throw new AppError('VALIDATION_FAILED', `Invalid request: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
  }
  return JSON.stringify(match);
}
