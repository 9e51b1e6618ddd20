/** Site rules: the customer must exist; optimistic concurrency. One transaction per change. */
import type { Database } from '../../kernel/db/database.js';
import { notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { invalidField } from '../../kernel/errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import { CustomersRepository } from '../customers/customers.repository.js';
import { UNSCOPED, type Scope } from '../../access/auth/principal.js';
import { SitesRepository, type SiteRow } from './sites.repository.js';
import type { CreateSite, ListSites, Site, UpdateSite } from './sites.schemas.js';

export class SitesService {
  private readonly repo = new SitesRepository();
  private readonly customers = new CustomersRepository();

  constructor(private readonly db: Database) {}

  async create(input: CreateSite): Promise<Site> {
    const row = await this.db.transaction(async (tx) => {
      if (!(await this.customers.exists(tx, input.customerId))) {
        throw invalidField('body.customerId', `no customer ${input.customerId}`);
      }
      return this.repo.insert(tx, input);
    });
    return toSite(row);
  }

  /** With a customer scope, another customer's site is NOT_FOUND. */
  async get(id: string, scope: Scope = UNSCOPED): Promise<Site> {
    const row = await this.repo.find(this.db, id);
    if (!row || (scope.customerId !== undefined && row.customer_id !== scope.customerId)) throw notFound('site', id);
    return toSite(row);
  }

  async list(query: ListSites, scope: Scope = UNSCOPED): Promise<Page<Site>> {
    const page = await this.repo.list(this.db, query, scope.customerId);
    return { items: page.items.map(toSite), nextCursor: page.nextCursor };
  }

  /** `ifMatch` from parseIfMatch(); a stale version fails with PRECONDITION_FAILED. */
  async update(id: string, patch: UpdateSite, ifMatch?: '*' | number[]): Promise<Site> {
    const row = await this.db.transaction(async (tx) => {
      const current = await this.repo.find(tx, id, { lock: true });
      if (!current) throw notFound('site', id);
      checkVersion(ifMatch, current.version, `site ${id}`);
      if (Object.values(patch).every((v) => v === undefined)) return current;
      return this.repo.update(tx, id, patch);
    });
    return toSite(row);
  }
}

function toSite(row: SiteRow): Site {
  return {
    id: row.id,
    customerId: row.customer_id,
    name: row.name,
    address: row.address,
    city: row.city,
    country: row.country,
    latitude: row.latitude,
    longitude: row.longitude,
    accessNotes: row.access_notes,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
