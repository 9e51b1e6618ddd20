/**
 * Asset rules: the model must be a loaded equipment model, the site must exist, the serial
 * number is unique per model, the warranty cannot end before the install date; optimistic
 * concurrency on updates. One transaction per change.
 */
import type { Database } from '../../kernel/db/database.js';
import { conflict, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { invalidField } from '../../kernel/errors.js';
import { isUniqueViolation } from '../../kernel/db/database-errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { UNSCOPED, type Scope } from '../../access/auth/principal.js';
import { customFilterJson, validateCustomFields } from '../custom-fields/custom-fields.validator.js';
import { customFiltersOf } from '../custom-fields/custom-fields.schemas.js';
import { AssetsRepository, SERIAL_CONSTRAINT, type AssetRow } from './assets.repository.js';
import type { Asset, CreateAsset, ListAssets, UpdateAsset } from './assets.schemas.js';

export class AssetsService {
  private readonly repo = new AssetsRepository();
  private readonly sites = new SitesRepository();

  constructor(
    private readonly db: Database,
    private readonly models: ModelRegistry,
  ) {}

  async create(input: CreateAsset): Promise<Asset> {
    if (!this.models.get(input.modelId)) throw invalidField('body.modelId', `unknown equipment model ${input.modelId}`);
    try {
      const row = await this.db.transaction(async (tx) => {
        if (!(await this.sites.exists(tx, input.siteId))) throw invalidField('body.siteId', `no site ${input.siteId}`);
        const custom = await validateCustomFields(tx, 'asset', input.custom);
        return this.repo.insert(tx, input, custom);
      });
      return toAsset(row);
    } catch (error) {
      throw serialConflict(error, input.modelId, input.serialNumber);
    }
  }

  /** With a customer scope, another customer's asset is NOT_FOUND. */
  async get(id: string, scope: Scope = UNSCOPED): Promise<Asset> {
    const row = await this.repo.find(this.db, id);
    if (!row || (scope.customerId !== undefined && row.customer_id !== scope.customerId)) throw notFound('asset', id);
    return toAsset(row);
  }

  async list(query: ListAssets, scope: Scope = UNSCOPED): Promise<Page<Asset>> {
    const customMatch = await customFilterJson(this.db, 'asset', customFiltersOf(query));
    const page = await this.repo.list(this.db, query, scope.customerId, customMatch);
    return { items: page.items.map(toAsset), nextCursor: page.nextCursor };
  }

  /** `ifMatch` from parseIfMatch(); a stale version fails with PRECONDITION_FAILED. */
  async update(id: string, patch: UpdateAsset, ifMatch?: '*' | number[]): Promise<Asset> {
    let modelId = '';
    try {
      const row = await this.db.transaction(async (tx) => {
        const current = await this.repo.find(tx, id, { lock: true });
        if (!current) throw notFound('asset', id);
        modelId = current.model_id;
        checkVersion(ifMatch, current.version, `asset ${id}`);
        const installDate = patch.installDate === undefined ? current.install_date : patch.installDate;
        const warrantyEnd = patch.warrantyEnd === undefined ? current.warranty_end : patch.warrantyEnd;
        if (installDate && warrantyEnd && warrantyEnd < installDate) {
          throw invalidField('body.warrantyEnd', `warrantyEnd ${warrantyEnd} must not be before installDate ${installDate}`);
        }
        if (patch.siteId !== undefined && !(await this.sites.exists(tx, patch.siteId))) {
          throw invalidField('body.siteId', `no site ${patch.siteId}`);
        }
        if (Object.values(patch).every((v) => v === undefined)) return current;
        const custom = patch.custom === undefined ? undefined : await validateCustomFields(tx, 'asset', patch.custom, { current: current.custom });
        return this.repo.update(tx, id, patch, custom);
      });
      return toAsset(row);
    } catch (error) {
      throw serialConflict(error, modelId, patch.serialNumber);
    }
  }
}

function serialConflict(error: unknown, modelId: string, serialNumber: string | undefined): unknown {
  if (isUniqueViolation(error, SERIAL_CONSTRAINT)) {
    return conflict(`An asset of model ${modelId} with serial number ${serialNumber} already exists`, { field: 'serialNumber' });
  }
  return error;
}

function toAsset(row: AssetRow): Asset {
  return {
    id: row.id,
    siteId: row.site_id,
    customerId: row.customer_id,
    modelId: row.model_id,
    serialNumber: row.serial_number,
    name: row.name,
    installDate: row.install_date,
    warrantyEnd: row.warranty_end,
    custom: row.custom,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
