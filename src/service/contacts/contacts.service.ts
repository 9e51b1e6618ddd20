/**
 * Contact rules: the customer must exist, custom values follow their definitions, a preferred
 * channel cannot be one the contact opted out of, at most one primary contact per customer
 * (making one primary demotes the previous one in the same transaction). Optimistic concurrency
 * and an audit entry per change. Reads take a Scope (customer users: own customer only).
 */
import { diff, recordAudit, type Actor } from '../../access/audit/audit.service.js';
import { UNSCOPED, type Scope } from '../../access/auth/principal.js';
import { CustomersRepository } from '../customers/customers.repository.js';
import { customFilterJson, validateCustomFields } from '../custom-fields/custom-fields.validator.js';
import { customFiltersOf } from '../custom-fields/custom-fields.schemas.js';
import type { Database } from '../../kernel/db/database.js';
import { conflict, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { invalidField } from '../../kernel/errors.js';
import { isUniqueViolation } from '../../kernel/db/database-errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import { ContactsRepository, toContact } from './contacts.repository.js';
import type { Contact, CreateContact, ListContacts, UpdateContact } from './contacts.schemas.js';

export class ContactsService {
  private readonly repo = new ContactsRepository();
  private readonly customers = new CustomersRepository();

  constructor(private readonly db: Database) {}

  async create(input: CreateContact, actor: Actor): Promise<Contact> {
    checkPreferred(input.preferredChannel, input.optOuts);
    try {
      const row = await this.db.transaction(async (tx) => {
        if (!(await this.customers.exists(tx, input.customerId))) throw invalidField('body.customerId', `no customer ${input.customerId}`);
        const custom = await validateCustomFields(tx, 'contact', input.custom);
        if (input.isPrimary) await this.repo.demotePrimary(tx, input.customerId);
        const created = await this.repo.insert(tx, input, custom);
        await recordAudit(tx, actor, { entity: 'contact', entityId: created.id, action: 'create', changes: auditable(toContact(created)) });
        return created;
      });
      return toContact(row);
    } catch (error) {
      throw primaryConflict(error);
    }
  }

  /** With a customer scope, another customer's contact is NOT_FOUND. */
  async get(id: string, scope: Scope = UNSCOPED): Promise<Contact> {
    const row = await this.repo.find(this.db, id);
    if (!row || (scope.customerId !== undefined && row.customer_id !== scope.customerId)) throw notFound('contact', id);
    return toContact(row);
  }

  async list(query: ListContacts, scope: Scope = UNSCOPED): Promise<Page<Contact>> {
    const customMatch = await customFilterJson(this.db, 'contact', customFiltersOf(query));
    const page = await this.repo.list(this.db, query, scope.customerId, customMatch);
    return { items: page.items.map(toContact), nextCursor: page.nextCursor };
  }

  async update(id: string, patch: UpdateContact, actor: Actor, ifMatch?: '*' | number[]): Promise<Contact> {
    try {
      const row = await this.db.transaction(async (tx) => {
        const current = await this.repo.find(tx, id, { lock: true });
        if (!current) throw notFound('contact', id);
        checkVersion(ifMatch, current.version, `contact ${id}`);
        const preferred = patch.preferredChannel === undefined ? current.preferred_channel : patch.preferredChannel;
        checkPreferred(preferred, patch.optOuts ?? current.opt_outs);
        if (Object.values(patch).every((v) => v === undefined)) return current;
        const custom = patch.custom === undefined ? undefined : await validateCustomFields(tx, 'contact', patch.custom, { current: current.custom });
        if (patch.isPrimary) await this.repo.demotePrimary(tx, current.customer_id, id);
        const updated = await this.repo.update(tx, id, patch, custom);
        const changes = diff(auditable(toContact(current)), auditable(toContact(updated)));
        if (Object.keys(changes).length > 0) await recordAudit(tx, actor, { entity: 'contact', entityId: id, action: 'update', changes });
        return updated;
      });
      return toContact(row);
    } catch (error) {
      throw primaryConflict(error);
    }
  }
}

function checkPreferred(preferred: string | null | undefined, optOuts: readonly string[]): void {
  if (preferred && optOuts.includes(preferred)) {
    throw invalidField('body.preferredChannel', `the contact opted out of ${preferred}; choose another channel or remove the opt-out`);
  }
}

function primaryConflict(error: unknown): unknown {
  if (isUniqueViolation(error, 'contacts_primary_idx'))
    return conflict('Another contact of this customer became primary at the same time; retry', { field: 'isPrimary' });
  return error;
}

function auditable(contact: Contact): Record<string, unknown> {
  const { id: _id, version: _version, createdAt: _created, updatedAt: _updated, ...fields } = contact;
  return fields;
}
