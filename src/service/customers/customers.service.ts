/**
 * Customer rules: unique code, optimistic concurrency, every change in the audit log (who, what,
 * field-by-field diff) in the same transaction. Reads take a Scope: a customer principal sees
 * only its own customer (another one is NOT_FOUND). One transaction per change. Custom field
 * values are validated against their definitions (custom-fields.validator.ts); the tier is
 * computed on read (customer-tier.ts).
 */
import type { Database } from '../../kernel/db/database.js';
import { diff, recordAudit, type Actor } from '../../access/audit/audit.service.js';
import { UNSCOPED, type Scope } from '../../access/auth/principal.js';
import { conflict, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { isUniqueViolation } from '../../kernel/db/database-errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import { customFilterJson, validateCustomFields } from '../custom-fields/custom-fields.validator.js';
import { customFiltersOf } from '../custom-fields/custom-fields.schemas.js';
import { tierOf } from './customer-tier.js';
import { CustomersRepository, type CustomerRow } from './customers.repository.js';
import type { CreateCustomer, Customer, ListCustomers, UpdateCustomer } from './customers.schemas.js';

export class CustomersService {
  private readonly repo = new CustomersRepository();

  constructor(private readonly db: Database) {}

  async create(input: CreateCustomer, actor: Actor): Promise<Customer> {
    try {
      const row = await this.db.transaction(async (tx) => {
        const custom = await validateCustomFields(tx, 'customer', input.custom);
        const created = await this.repo.insert(tx, input, custom);
        await recordAudit(tx, actor, { entity: 'customer', entityId: created.id, action: 'create', changes: auditable(toCustomer(created)) });
        return created;
      });
      return toCustomer(row);
    } catch (error) {
      throw codeConflict(error, input.code);
    }
  }

  async get(id: string, scope: Scope = UNSCOPED): Promise<Customer> {
    const row = await this.repo.find(this.db, id);
    if (!row || (scope.customerId !== undefined && row.id !== scope.customerId)) throw notFound('customer', id);
    return toCustomer(row);
  }

  async list(query: ListCustomers, scope: Scope = UNSCOPED): Promise<Page<Customer>> {
    const customMatch = await customFilterJson(this.db, 'customer', customFiltersOf(query));
    const page = await this.repo.list(this.db, query, scope.customerId, customMatch);
    return { items: page.items.map(toCustomer), nextCursor: page.nextCursor };
  }

  /** `ifMatch` from parseIfMatch(); a stale version fails with PRECONDITION_FAILED. */
  async update(id: string, patch: UpdateCustomer, options: { actor: Actor; ifMatch?: '*' | number[] | undefined }): Promise<Customer> {
    try {
      const row = await this.db.transaction(async (tx) => {
        const current = await this.repo.find(tx, id, { lock: true });
        if (!current) throw notFound('customer', id);
        checkVersion(options.ifMatch, current.version, `customer ${id}`);
        if (Object.values(patch).every((v) => v === undefined)) return current;
        const custom = patch.custom === undefined ? undefined : await validateCustomFields(tx, 'customer', patch.custom, { current: current.custom });
        const updated = await this.repo.update(tx, id, patch, custom);
        const changes = diff(auditable(toCustomer(current)), auditable(toCustomer(updated)));
        if (Object.keys(changes).length > 0) await recordAudit(tx, options.actor, { entity: 'customer', entityId: id, action: 'update', changes });
        return updated;
      });
      return toCustomer(row);
    } catch (error) {
      throw codeConflict(error, patch.code);
    }
  }
}

function codeConflict(error: unknown, code: string | null | undefined): unknown {
  if (isUniqueViolation(error, 'customers_code_key')) {
    return conflict(`A customer with code ${code} already exists`, { field: 'code' });
  }
  return error;
}

/** What the audit log records of a customer: its business fields, not the bookkeeping (nor the computed tier). */
function auditable(customer: Customer): Record<string, unknown> {
  const { id: _id, version: _version, createdAt: _created, updatedAt: _updated, tier: _tier, ...fields } = customer;
  return fields;
}

export function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    name: row.name,
    code: row.code,
    email: row.email,
    phone: row.phone,
    notes: row.notes,
    tier: tierOf({ activeContracts: row.active_contracts, activeContractValue: Number(row.active_contract_value) }),
    custom: row.custom,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
