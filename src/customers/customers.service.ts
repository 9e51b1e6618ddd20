/** Customer rules: unique code, optimistic concurrency. One transaction per change. */
import type { Database } from '../platform/db/database.js';
import { conflict, notFound } from '../platform/errors.js';
import { checkVersion, isUniqueViolation, type Page } from '../platform/http/pagination.js';
import { CustomersRepository, type CustomerRow } from './customers.repository.js';
import type { CreateCustomer, Customer, ListCustomers, UpdateCustomer } from './customers.schemas.js';

export class CustomersService {
  private readonly repo = new CustomersRepository();

  constructor(private readonly db: Database) {}

  async create(input: CreateCustomer): Promise<Customer> {
    try {
      return toCustomer(await this.db.transaction((tx) => this.repo.insert(tx, input)));
    } catch (error) {
      throw codeConflict(error, input.code);
    }
  }

  async get(id: string): Promise<Customer> {
    const row = await this.repo.find(this.db, id);
    if (!row) throw notFound('customer', id);
    return toCustomer(row);
  }

  async list(query: ListCustomers): Promise<Page<Customer>> {
    const page = await this.repo.list(this.db, query);
    return { items: page.items.map(toCustomer), nextCursor: page.nextCursor };
  }

  /** `ifMatch` from parseIfMatch(); a stale version fails with PRECONDITION_FAILED. */
  async update(id: string, patch: UpdateCustomer, ifMatch?: '*' | number[]): Promise<Customer> {
    try {
      const row = await this.db.transaction(async (tx) => {
        const current = await this.repo.find(tx, id, { lock: true });
        if (!current) throw notFound('customer', id);
        checkVersion(ifMatch, current.version, `customer ${id}`);
        if (Object.values(patch).every((v) => v === undefined)) return current;
        return this.repo.update(tx, id, patch);
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

function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    name: row.name,
    code: row.code,
    email: row.email,
    phone: row.phone,
    notes: row.notes,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
