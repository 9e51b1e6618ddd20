/**
 * Catalogue rules: SKUs and location codes are unique, compatible models are known equipment
 * models, a van belongs to one active technician (and a technician has at most one van),
 * optimistic concurrency on updates, an audit row with every change.
 */
import { diff, recordAudit, type Actor } from '../../access/audit/audit.service.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { conflict, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { invalidField } from '../../kernel/errors.js';
import { isUniqueViolation } from '../../kernel/db/database-errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { CatalogueRepository, type LocationRow, type PartRow } from './catalogue.repository.js';
import type { CreateLocation, CreatePart, ListLocations, ListParts, Location, Part, UpdateLocation, UpdatePart } from './catalogue.schemas.js';

export class CatalogueService {
  private readonly repo = new CatalogueRepository();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  async createPart(input: CreatePart, actor: Actor): Promise<Part> {
    try {
      return toPart(
        await this.db.transaction(async (tx) => {
          await this.checkModels(tx, input.compatibleModels);
          const id = await this.repo.insertPart(tx, input, this.clock.now());
          const row = (await this.repo.findPart(tx, id))!;
          await recordAudit(tx, actor, { entity: 'part', entityId: id, action: 'create', changes: toPart(row) });
          return row;
        }),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A part with SKU ${input.sku} already exists`, { sku: input.sku });
      throw error;
    }
  }

  async getPart(id: string): Promise<Part> {
    const row = await this.repo.findPart(this.db, id);
    if (!row) throw notFound('part', id);
    return toPart(row);
  }

  async listParts(query: ListParts): Promise<Page<Part>> {
    const page = await this.repo.listParts(this.db, query);
    return { items: page.items.map(toPart), nextCursor: page.nextCursor };
  }

  async updatePart(id: string, patch: UpdatePart, actor: Actor, ifMatch?: '*' | number[]): Promise<Part> {
    return toPart(
      await this.db.transaction(async (tx) => {
        const current = await this.repo.findPart(tx, id, { lock: true });
        if (!current) throw notFound('part', id);
        checkVersion(ifMatch, current.version, `part ${id}`);
        if (Object.values(patch).every((v) => v === undefined)) return current;
        if (patch.compatibleModels) await this.checkModels(tx, patch.compatibleModels);
        await this.repo.updatePart(tx, id, patch, this.clock.now());
        const updated = (await this.repo.findPart(tx, id))!;
        const { version: _v, updatedAt: _u, ...after } = toPart(updated);
        await recordAudit(tx, actor, { entity: 'part', entityId: id, action: 'update', changes: diff(toPart(current), after) });
        return updated;
      }),
    );
  }

  async createLocation(input: CreateLocation, actor: Actor): Promise<Location> {
    try {
      return toLocation(
        await this.db.transaction(async (tx) => {
          if (input.technicianId) {
            const tech = await tx.query(`SELECT 1 FROM users WHERE id = $1 AND role = 'technician' AND active`, [input.technicianId]);
            if (tech.rows.length === 0) throw invalidField('body.technicianId', `${input.technicianId} is not an active technician`);
          }
          const id = await this.repo.insertLocation(tx, input, this.clock.now());
          const row = (await this.repo.findLocation(tx, id))!;
          await recordAudit(tx, actor, { entity: 'stock_location', entityId: id, action: 'create', changes: toLocation(row) });
          return row;
        }),
      );
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw conflict(
          input.technicianId
            ? `Location code ${input.code} is taken, or technician ${input.technicianId} already has a van`
            : `Location code ${input.code} is taken`,
          {
            code: input.code,
          },
        );
      }
      throw error;
    }
  }

  async getLocation(id: string): Promise<Location> {
    const row = await this.repo.findLocation(this.db, id);
    if (!row) throw notFound('stock location', id);
    return toLocation(row);
  }

  async listLocations(query: ListLocations): Promise<Location[]> {
    return (await this.repo.listLocations(this.db, query)).map(toLocation);
  }

  async updateLocation(id: string, patch: UpdateLocation, actor: Actor, ifMatch?: '*' | number[]): Promise<Location> {
    return toLocation(
      await this.db.transaction(async (tx) => {
        const current = await this.repo.findLocation(tx, id, { lock: true });
        if (!current) throw notFound('stock location', id);
        checkVersion(ifMatch, current.version, `stock location ${id}`);
        if (Object.values(patch).every((v) => v === undefined)) return current;
        const lat = patch.latitude === undefined ? current.latitude : patch.latitude;
        const lon = patch.longitude === undefined ? current.longitude : patch.longitude;
        if ((lat === null) !== (lon === null)) throw invalidField('body.longitude', 'latitude and longitude go together');
        await this.repo.updateLocation(tx, id, patch, this.clock.now());
        const updated = (await this.repo.findLocation(tx, id))!;
        const { version: _v, updatedAt: _u, ...after } = toLocation(updated);
        await recordAudit(tx, actor, { entity: 'stock_location', entityId: id, action: 'update', changes: diff(toLocation(current), after) });
        return updated;
      }),
    );
  }

  private async checkModels(q: Queryable, modelIds: readonly string[]): Promise<void> {
    const unknown = await this.repo.unknownModels(q, modelIds);
    if (unknown.length > 0) throw invalidField('body.compatibleModels', `unknown equipment models: ${unknown.join(', ')}`);
  }
}

export function toPart(r: PartRow): Part {
  return {
    id: r.id,
    sku: r.sku,
    description: r.description,
    unit: r.unit,
    unitPrice: r.unit_price,
    unitCost: r.unit_cost,
    compatibleModels: r.compatible_models,
    reorderPoint: r.reorder_point,
    reorderQuantity: r.reorder_quantity,
    supplier: r.supplier,
    leadTimeDays: r.lead_time_days,
    active: r.active,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function toLocation(r: LocationRow): Location {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    kind: r.kind,
    technicianId: r.technician_id,
    address: r.address,
    latitude: r.latitude,
    longitude: r.longitude,
    active: r.active,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
