/**
 * Custom field definitions: unique key per entity, fixed key and type once defined, options only
 * for enum fields, optimistic concurrency, audit of every change. Deleting a definition removes
 * its values from every record of the entity in the same transaction.
 */
import { recordAudit, type Actor } from '../../access/audit/audit.service.js';
import type { Database } from '../../kernel/db/database.js';
import { conflict, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { invalidField } from '../../kernel/errors.js';
import { isUniqueViolation } from '../../kernel/db/database-errors.js';
import { CUSTOM_FIELD_KEY_CONSTRAINT, CustomFieldsRepository, type CustomFieldRow } from './custom-fields.repository.js';
import { MAX_FIELDS_PER_ENTITY, type CreateCustomField, type CustomField, type ListCustomFields, type UpdateCustomField } from './custom-fields.schemas.js';

export class CustomFieldsService {
  private readonly repo = new CustomFieldsRepository();

  constructor(private readonly db: Database) {}

  async create(input: CreateCustomField, actor: Actor): Promise<CustomField> {
    try {
      const row = await this.db.transaction(async (tx) => {
        const existing = await this.repo.list(tx, input.entity);
        if (existing.length >= MAX_FIELDS_PER_ENTITY) throw invalidField('body.entity', `at most ${MAX_FIELDS_PER_ENTITY} custom fields per entity`);
        const created = await this.repo.insert(tx, input);
        await recordAudit(tx, actor, { entity: 'custom_field', entityId: created.id, action: 'create', changes: { ...input } });
        return created;
      });
      return toCustomField(row);
    } catch (error) {
      if (isUniqueViolation(error, CUSTOM_FIELD_KEY_CONSTRAINT)) {
        throw conflict(`A custom field ${input.key} already exists on ${input.entity}`, { field: 'key' });
      }
      throw error;
    }
  }

  async get(id: string): Promise<CustomField> {
    const row = await this.repo.find(this.db, id);
    if (!row) throw notFound('custom field', id);
    return toCustomField(row);
  }

  async list(query: ListCustomFields): Promise<{ items: CustomField[] }> {
    return { items: (await this.repo.list(this.db, query.entity)).map(toCustomField) };
  }

  async update(id: string, patch: UpdateCustomField, actor: Actor, ifMatch?: '*' | number[]): Promise<CustomField> {
    const row = await this.db.transaction(async (tx) => {
      const current = await this.repo.find(tx, id, { lock: true });
      if (!current) throw notFound('custom field', id);
      checkVersion(ifMatch, current.version, `custom field ${id}`);
      if (patch.options !== undefined && current.type !== 'enum') throw invalidField('body.options', 'options are only for enum fields');
      if (Object.values(patch).every((v) => v === undefined)) return current;
      const updated = await this.repo.update(tx, id, patch);
      await recordAudit(tx, actor, { entity: 'custom_field', entityId: id, action: 'update', changes: { ...patch } });
      return updated;
    });
    return toCustomField(row);
  }

  /** Returns how many records lost their value. */
  async delete(id: string, actor: Actor, ifMatch?: '*' | number[]): Promise<number> {
    return this.db.transaction(async (tx) => {
      const current = await this.repo.find(tx, id, { lock: true });
      if (!current) throw notFound('custom field', id);
      checkVersion(ifMatch, current.version, `custom field ${id}`);
      const cleared = await this.repo.delete(tx, current);
      await recordAudit(tx, actor, { entity: 'custom_field', entityId: id, action: 'delete', changes: { entity: current.entity, key: current.key, cleared } });
      return cleared;
    });
  }
}

function toCustomField(row: CustomFieldRow): CustomField {
  return {
    id: row.id,
    entity: row.entity,
    key: row.key,
    label: row.label,
    type: row.type,
    options: row.options,
    required: row.required,
    filterable: row.filterable,
    description: row.description,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
