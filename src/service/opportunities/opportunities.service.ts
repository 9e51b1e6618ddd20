/**
 * Opportunity rules: the asset and contract belong to the customer, the owner is a staff user,
 * the stage moves only along the pipeline (opportunity-stages.ts; invalid → 409), won/lost stamp
 * closedAt and freeze the opportunity. Optimistic concurrency through version / If-Match.
 */
import { diff, recordAudit, type Actor } from '../../access/audit/audit.service.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { conflict, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { invalidField } from '../../kernel/errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { OpportunitiesRepository, type OpportunityColumns, type OpportunityRow } from './opportunities.repository.js';
import type { CreateOpportunity, ListOpportunities, Opportunity, UpdateOpportunity } from './opportunities.schemas.js';
import { assertStageTransition } from './opportunity-stages.js';

export class OpportunitiesService {
  private readonly repo = new OpportunitiesRepository();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  async create(input: CreateOpportunity, actor: Actor): Promise<Opportunity> {
    const now = this.clock.now();
    const id = await this.db.transaction(async (tx) => {
      const customer = await tx.query('SELECT 1 FROM customers WHERE id = $1', [input.customerId]);
      if (customer.rows.length === 0) throw invalidField('body.customerId', `no customer ${input.customerId}`);
      if (input.assetId) await this.checkAsset(tx, input.customerId, input.assetId);
      if (input.contractId) await this.checkContract(tx, input.customerId, input.contractId);
      if (input.ownerId) await this.checkOwner(tx, input.ownerId);
      const created = await this.repo.insert(tx, {
        customer_id: input.customerId,
        asset_id: input.assetId ?? null,
        contract_id: input.contractId ?? null,
        kind: input.kind,
        rule_key: null,
        stage: 'new',
        value: input.value === undefined || input.value === null ? null : String(input.value),
        currency: input.currency,
        title: input.title,
        reason: input.reason ?? null,
        owner_id: input.ownerId ?? null,
        expected_close_on: input.expectedCloseOn ?? null,
        stage_changed_at: now,
        created_by_type: actor.type,
        created_by_id: actor.id,
        created_at: now,
        updated_at: now,
      });
      await recordAudit(tx, actor, { entity: 'opportunity', entityId: created, action: 'create', changes: { ...input } });
      return created;
    });
    return toOpportunity((await this.repo.find(this.db, id))!);
  }

  async get(id: string): Promise<Opportunity> {
    const row = await this.repo.find(this.db, id);
    if (!row) throw notFound('opportunity', id);
    return toOpportunity(row);
  }

  async list(query: ListOpportunities): Promise<Page<Opportunity>> {
    const page = await this.repo.list(this.db, query);
    return { items: page.items.map(toOpportunity), nextCursor: page.nextCursor };
  }

  async update(id: string, patch: UpdateOpportunity, actor: Actor, ifMatch?: '*' | number[]): Promise<Opportunity> {
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const current = await this.repo.find(tx, id, { lock: true });
      if (!current) throw notFound('opportunity', id);
      checkVersion(ifMatch, current.version, `opportunity ${id}`);
      if (Object.values(patch).every((v) => v === undefined)) return;
      const moving = patch.stage !== undefined && patch.stage !== current.stage;
      if (current.stage === 'won' || current.stage === 'lost') {
        if (moving) assertStageTransition(current.stage, patch.stage!);
        throw conflict(`A ${current.stage} opportunity cannot change`, { stage: current.stage });
      }
      if (moving) assertStageTransition(current.stage, patch.stage!);
      if (patch.ownerId) await this.checkOwner(tx, patch.ownerId);
      const changes: OpportunityColumns = {
        title: patch.title,
        reason: patch.reason,
        value: patch.value === undefined ? undefined : patch.value === null ? null : String(patch.value),
        currency: patch.currency,
        owner_id: patch.ownerId,
        expected_close_on: patch.expectedCloseOn,
        lost_reason: patch.lostReason,
        updated_at: now,
      };
      if (moving) {
        Object.assign(changes, { stage: patch.stage, stage_changed_at: now });
        if (patch.stage === 'won' || patch.stage === 'lost') changes.closed_at = now;
      }
      await this.repo.update(tx, id, changes);
      const after = toOpportunity((await this.repo.find(tx, id))!);
      const { version: _v, updatedAt: _u, ...changed } = after;
      await recordAudit(tx, actor, {
        entity: 'opportunity',
        entityId: id,
        action: moving ? 'stage' : 'update',
        changes: diff(toOpportunity(current), changed),
      });
    });
    return toOpportunity((await this.repo.find(this.db, id))!);
  }

  private async checkAsset(q: Queryable, customerId: string, assetId: string): Promise<void> {
    const { rows } = await q.query('SELECT 1 FROM assets a JOIN sites s ON s.id = a.site_id WHERE a.id = $1 AND s.customer_id = $2', [assetId, customerId]);
    if (rows.length === 0) throw invalidField('body.assetId', `asset ${assetId} is not an asset of customer ${customerId}`);
  }

  private async checkContract(q: Queryable, customerId: string, contractId: string): Promise<void> {
    const { rows } = await q.query('SELECT 1 FROM service_contracts WHERE id = $1 AND customer_id = $2', [contractId, customerId]);
    if (rows.length === 0) throw invalidField('body.contractId', `${contractId} is not a contract of customer ${customerId}`);
  }

  private async checkOwner(q: Queryable, userId: string): Promise<void> {
    const { rows } = await q.query(`SELECT 1 FROM users WHERE id = $1 AND active AND role <> 'customer'`, [userId]);
    if (rows.length === 0) throw invalidField('body.ownerId', `${userId} is not an active staff user`);
  }
}

export function toOpportunity(row: OpportunityRow): Opportunity {
  return {
    id: row.id,
    customerId: row.customer_id,
    assetId: row.asset_id,
    contractId: row.contract_id,
    kind: row.kind,
    source: row.rule_key === null ? 'manual' : 'rule',
    ruleKey: row.rule_key,
    stage: row.stage,
    value: row.value === null ? null : Number(row.value),
    currency: row.currency,
    title: row.title,
    reason: row.reason,
    ownerId: row.owner_id,
    expectedCloseOn: row.expected_close_on,
    lostReason: row.lost_reason,
    stageChangedAt: row.stage_changed_at.toISOString(),
    closedAt: row.closed_at ? row.closed_at.toISOString() : null,
    createdBy: { type: row.created_by_type, id: row.created_by_id },
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
