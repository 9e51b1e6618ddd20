/**
 * Maintenance plan rules: a plan belongs to one contract; its asset must be one of the
 * contract's assets (covered, or the customer's for a customer-level contract), its model must
 * exist, its preferred technician must be one; at least one interval stays set. A plan with
 * occurrences is never deleted (deactivate it instead): its tickets keep their history.
 */
import { diff, recordAudit, type Actor } from '../../access/audit/audit.service.js';
import { ContractsRepository } from '../contracts/contracts.repository.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { conflict, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { invalidField } from '../../kernel/errors.js';
import { MaintenancePlansRepository, type OccurrenceRow, type PlanRow } from './maintenance-plans.repository.js';
import type { CreatePlan, Occurrence, Plan, UpdatePlan } from './maintenance-plans.schemas.js';

export class MaintenancePlansService {
  private readonly repo = new MaintenancePlansRepository();
  private readonly contracts = new ContractsRepository();

  constructor(private readonly db: Database) {}

  async create(contractId: string, input: CreatePlan, actor: Actor): Promise<Plan> {
    const id = await this.db.transaction(async (tx) => {
      const contract = await this.contracts.find(tx, contractId);
      if (!contract) throw notFound('contract', contractId);
      if (input.assetId) await this.checkAsset(tx, contractId, contract.customer_id, input.assetId);
      if (input.modelId) await this.checkModel(tx, input.modelId);
      if (input.technicianId) await this.checkTechnician(tx, input.technicianId);
      const planId = await this.repo.insert(tx, contractId, input);
      await recordAudit(tx, actor, { entity: 'maintenance_plan', entityId: planId, action: 'create', changes: { contractId, ...input } });
      return planId;
    });
    return toPlan((await this.repo.find(this.db, id))!);
  }

  async list(contractId: string): Promise<{ items: Plan[] }> {
    if (!(await this.contracts.find(this.db, contractId))) throw notFound('contract', contractId);
    return { items: (await this.repo.listByContract(this.db, contractId)).map(toPlan) };
  }

  async get(contractId: string, planId: string): Promise<Plan> {
    return toPlan(await this.owned(this.db, contractId, planId));
  }

  async update(contractId: string, planId: string, patch: UpdatePlan, actor: Actor, ifMatch?: '*' | number[]): Promise<Plan> {
    await this.db.transaction(async (tx) => {
      const current = await this.owned(tx, contractId, planId, true);
      checkVersion(ifMatch, current.version, `maintenance plan ${planId}`);
      if (Object.values(patch).every((v) => v === undefined)) return;
      const months = patch.intervalMonths === undefined ? current.interval_months : patch.intervalMonths;
      const hours = patch.intervalRunningHours === undefined ? current.interval_running_hours : patch.intervalRunningHours;
      if (months === null && hours === null) throw invalidField('body.intervalMonths', 'a plan needs intervalMonths or intervalRunningHours');
      if (patch.technicianId) await this.checkTechnician(tx, patch.technicianId);
      await this.repo.update(tx, planId, patch);
      const after = toPlan((await this.repo.find(tx, planId))!);
      const { version: _v, updatedAt: _u, ...changed } = after;
      await recordAudit(tx, actor, { entity: 'maintenance_plan', entityId: planId, action: 'update', changes: diff(toPlan(current), changed) });
    });
    return toPlan((await this.repo.find(this.db, planId))!);
  }

  async delete(contractId: string, planId: string, actor: Actor): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.owned(tx, contractId, planId, true);
      if (await this.repo.hasOccurrences(tx, planId)) {
        throw conflict('A plan with generated occurrences cannot be deleted; set active=false instead', { planId });
      }
      await this.repo.delete(tx, planId);
      await recordAudit(tx, actor, { entity: 'maintenance_plan', entityId: planId, action: 'delete' });
    });
  }

  async occurrences(contractId: string, planId: string): Promise<{ items: Occurrence[] }> {
    await this.owned(this.db, contractId, planId);
    return { items: (await this.repo.occurrences(this.db, { planId })).map(toOccurrence) };
  }

  private async owned(q: Queryable, contractId: string, planId: string, lock = false): Promise<PlanRow> {
    const plan = await this.repo.find(q, planId, { lock });
    if (!plan || plan.contract_id !== contractId) throw notFound('maintenance plan', planId);
    return plan;
  }

  private async checkAsset(q: Queryable, contractId: string, customerId: string, assetId: string): Promise<void> {
    const { rows } = await q.query(
      `SELECT 1 FROM assets a JOIN sites s ON s.id = a.site_id
       WHERE a.id = $1 AND s.customer_id = $2
         AND (EXISTS (SELECT 1 FROM contract_assets ca WHERE ca.contract_id = $3 AND ca.asset_id = a.id)
              OR NOT EXISTS (SELECT 1 FROM contract_assets ca WHERE ca.contract_id = $3))`,
      [assetId, customerId, contractId],
    );
    if (rows.length === 0) throw invalidField('body.assetId', `asset ${assetId} is not one of the contract's assets`);
  }

  private async checkModel(q: Queryable, modelId: string): Promise<void> {
    const { rows } = await q.query('SELECT 1 FROM equipment_models WHERE id = $1', [modelId]);
    if (rows.length === 0) throw invalidField('body.modelId', `no equipment model ${modelId}`);
  }

  private async checkTechnician(q: Queryable, userId: string): Promise<void> {
    const { rows } = await q.query(`SELECT 1 FROM users WHERE id = $1 AND role = 'technician' AND active`, [userId]);
    if (rows.length === 0) throw invalidField('body.technicianId', `${userId} is not an active technician`);
  }
}

export function toPlan(row: PlanRow): Plan {
  return {
    id: row.id,
    contractId: row.contract_id,
    scope: row.asset_id ? 'asset' : row.model_id ? 'model' : 'contract',
    assetId: row.asset_id,
    modelId: row.model_id,
    name: row.name,
    description: row.description,
    checklist: row.checklist,
    intervalMonths: row.interval_months,
    intervalRunningHours: row.interval_running_hours === null ? null : Number(row.interval_running_hours),
    leadDays: row.lead_days,
    estimatedMinutes: row.estimated_minutes,
    requiredSkill: row.required_skill,
    priority: row.priority,
    technicianId: row.technician_id,
    parts: row.parts,
    startsOn: row.starts_on,
    active: row.active,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toOccurrence(row: OccurrenceRow): Occurrence {
  const num = (v: string | null) => (v === null ? null : Number(v));
  return {
    id: row.id,
    planId: row.plan_id,
    assetId: row.asset_id,
    seq: row.seq,
    dueKey: row.due_key,
    dueAt: row.due_at.toISOString(),
    basis: row.basis,
    runningHours: num(row.running_hours),
    dailyRateHours: num(row.daily_rate_hours),
    ticketId: row.ticket_id,
    ticketNumber: row.ticket_number,
    ticketStatus: row.ticket_status,
    visitId: row.visit_id,
    technicianId: row.technician_id,
    createdAt: row.created_at.toISOString(),
  };
}
