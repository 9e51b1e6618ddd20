/** SQL for custom field definitions. Methods take the Queryable to run on. */
import { patchSet } from '../../kernel/db/patch-set.js';
import type { Queryable } from '../../kernel/db/database.js';
import type { CreateCustomField, CustomEntity, CustomFieldType, UpdateCustomField } from './custom-fields.schemas.js';

export interface CustomFieldRow {
  id: string;
  entity: CustomEntity;
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
  required: boolean;
  filterable: boolean;
  description: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export const CUSTOM_FIELD_KEY_CONSTRAINT = 'custom_field_definitions_entity_key_key';

/** Table holding the `custom` column of each entity (fixed names: never user input). */
export const ENTITY_TABLES: Readonly<Record<CustomEntity, string>> = Object.freeze({
  customer: 'customers',
  site: 'sites',
  asset: 'assets',
  contact: 'contacts',
  ticket: 'tickets',
});

const COLUMNS = 'id, entity, key, label, type, options, required, filterable, description, version, created_at, updated_at';

const UPDATABLE: Record<keyof UpdateCustomField, string> = {
  label: 'label',
  options: 'options',
  required: 'required',
  filterable: 'filterable',
  description: 'description',
};

export class CustomFieldsRepository {
  async insert(q: Queryable, input: CreateCustomField): Promise<CustomFieldRow> {
    const { rows } = await q.query<CustomFieldRow>(
      `INSERT INTO custom_field_definitions (entity, key, label, type, options, required, filterable, description)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [input.entity, input.key, input.label, input.type, JSON.stringify(input.options ?? []), input.required, input.filterable, input.description ?? null],
    );
    return rows[0]!;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<CustomFieldRow | undefined> {
    const { rows } = await q.query<CustomFieldRow>(`SELECT ${COLUMNS} FROM custom_field_definitions WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  }

  /** Every definition, or those of one entity, ordered by entity and key. */
  async list(q: Queryable, entity?: CustomEntity): Promise<CustomFieldRow[]> {
    const { rows } = await q.query<CustomFieldRow>(
      `SELECT ${COLUMNS} FROM custom_field_definitions ${entity ? 'WHERE entity = $1' : ''} ORDER BY entity, key`,
      entity ? [entity] : [],
    );
    return rows;
  }

  async update(q: Queryable, id: string, patch: UpdateCustomField): Promise<CustomFieldRow> {
    const { set, params } = patchSet(patch, UPDATABLE, { json: new Set([UPDATABLE.options]) });
    const { rows } = await q.query<CustomFieldRow>(`UPDATE custom_field_definitions SET ${set} WHERE id = $1 RETURNING ${COLUMNS}`, [id, ...params]);
    return rows[0]!;
  }

  /** Deletes the definition and removes its values from every record of the entity (their version is bumped). */
  async delete(q: Queryable, row: CustomFieldRow): Promise<number> {
    const table = ENTITY_TABLES[row.entity];
    const { rowCount } = await q.query(`UPDATE ${table} SET custom = custom - $1::text, version = version + 1, updated_at = now() WHERE custom ? $1::text`, [
      row.key,
    ]);
    await q.query('DELETE FROM custom_field_definitions WHERE id = $1', [row.id]);
    return rowCount;
  }
}
