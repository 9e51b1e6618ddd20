/** SQL for maintenance plans and their occurrences. Methods take the Queryable to run on. */
import type { Queryable } from '../../kernel/db/database.js';
import type { Priority } from '../sla/sla.policy.js';
import { OPEN_STATUSES } from '../tickets/ticket-workflow.js';
import type { CreatePlan, PlanPart, UpdatePlan } from './maintenance-plans.schemas.js';
import type { PlanChecklistItem } from './checklist-item.js';

export interface PlanRow {
  id: string;
  contract_id: string;
  asset_id: string | null;
  model_id: string | null;
  name: string;
  description: string | null;
  checklist: PlanChecklistItem[];
  interval_months: number | null;
  interval_running_hours: string | null;
  lead_days: number;
  estimated_minutes: number;
  required_skill: string | null;
  priority: Priority;
  technician_id: string | null;
  parts: PlanPart[];
  starts_on: string | null;
  active: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface OccurrenceRow {
  id: string;
  plan_id: string;
  asset_id: string;
  seq: number;
  due_key: string;
  due_at: Date;
  basis: 'calendar' | 'running_hours';
  running_hours: string | null;
  daily_rate_hours: string | null;
  ticket_id: string | null;
  ticket_number: string | null;
  ticket_status: string | null;
  visit_id: string | null;
  technician_id: string | null;
  created_at: Date;
}

/** One plan × asset pair to evaluate, with its contract and its previous occurrences. */
export interface CandidateRow {
  plan_id: string;
  contract_id: string;
  customer_id: string;
  contract_starts_on: string;
  contract_ends_on: string | null;
  plan_starts_on: string | null;
  interval_months: number | null;
  interval_running_hours: string | null;
  lead_days: number;
  asset_id: string;
  site_id: string;
  serial_number: string;
  model_id: string;
  /** The latest occurrence (highest seq), if any. */
  last_seq: number | null;
  last_due_at: Date | null;
  last_open: boolean | null;
  /** When the latest completed (resolved/closed) occurrence was served: the running-hours baseline. */
  last_served_at: Date | null;
}

const PLAN_COLUMNS = `p.id, p.contract_id, p.asset_id, p.model_id, p.name, p.description, p.checklist, p.interval_months,
  p.interval_running_hours::text AS interval_running_hours, p.lead_days, p.estimated_minutes, p.required_skill, p.priority,
  p.technician_id, p.parts, p.starts_on::text AS starts_on, p.active, p.version, p.created_at, p.updated_at`;

const OCCURRENCE_COLUMNS = `o.id, o.plan_id, o.asset_id, o.seq, o.due_key, o.due_at, o.basis, o.running_hours::text AS running_hours,
  o.daily_rate_hours::text AS daily_rate_hours, o.ticket_id, t.number AS ticket_number, t.status AS ticket_status, o.visit_id,
  v.technician_id, o.created_at`;

const json = (v: unknown) => JSON.stringify(v);

export class MaintenancePlansRepository {
  async insert(q: Queryable, contractId: string, input: CreatePlan): Promise<string> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO maintenance_plans (contract_id, asset_id, model_id, name, description, checklist, interval_months, interval_running_hours,
         lead_days, estimated_minutes, required_skill, priority, technician_id, parts, starts_on, active)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
      [
        contractId,
        input.assetId ?? null,
        input.modelId ?? null,
        input.name,
        input.description ?? null,
        json(input.checklist),
        input.intervalMonths ?? null,
        input.intervalRunningHours ?? null,
        input.leadDays,
        input.estimatedMinutes,
        input.requiredSkill ?? null,
        input.priority,
        input.technicianId ?? null,
        json(input.parts),
        input.startsOn ?? null,
        input.active,
      ],
    );
    return rows[0]!.id;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<PlanRow | undefined> {
    const { rows } = await q.query<PlanRow>(`SELECT ${PLAN_COLUMNS} FROM maintenance_plans p WHERE p.id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  }

  async listByContract(q: Queryable, contractId: string): Promise<PlanRow[]> {
    const { rows } = await q.query<PlanRow>(`SELECT ${PLAN_COLUMNS} FROM maintenance_plans p WHERE p.contract_id = $1 ORDER BY p.created_at, p.id LIMIT 500`, [
      contractId,
    ]);
    return rows;
  }

  async update(q: Queryable, id: string, patch: UpdatePlan): Promise<void> {
    const columns: Record<string, unknown> = {
      name: patch.name,
      description: patch.description,
      checklist: patch.checklist === undefined ? undefined : json(patch.checklist),
      interval_months: patch.intervalMonths,
      interval_running_hours: patch.intervalRunningHours,
      lead_days: patch.leadDays,
      estimated_minutes: patch.estimatedMinutes,
      required_skill: patch.requiredSkill,
      priority: patch.priority,
      technician_id: patch.technicianId,
      parts: patch.parts === undefined ? undefined : json(patch.parts),
      starts_on: patch.startsOn,
      active: patch.active,
    };
    const params: unknown[] = [id];
    const sets: string[] = [];
    for (const [column, value] of Object.entries(columns)) {
      if (value === undefined) continue;
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    }
    await q.query(`UPDATE maintenance_plans SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')} WHERE id = $1`, params);
  }

  async delete(q: Queryable, id: string): Promise<void> {
    await q.query('DELETE FROM maintenance_plans WHERE id = $1', [id]);
  }

  async hasOccurrences(q: Queryable, planId: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM maintenance_occurrences WHERE plan_id = $1 LIMIT 1', [planId]);
    return rows.length > 0;
  }

  async occurrences(q: Queryable, filter: { planId?: string; ids?: readonly string[] }): Promise<OccurrenceRow[]> {
    const where = filter.ids ? 'o.id = ANY($1::uuid[])' : 'o.plan_id = $1';
    const { rows } = await q.query<OccurrenceRow>(
      `SELECT ${OCCURRENCE_COLUMNS} FROM maintenance_occurrences o
       LEFT JOIN tickets t ON t.id = o.ticket_id LEFT JOIN visits v ON v.id = o.visit_id
       WHERE ${where} ORDER BY o.due_at, o.seq, o.id LIMIT 1000`,
      [filter.ids ? [...filter.ids] : filter.planId],
    );
    return rows;
  }

  /**
   * Every active plan of an active contract × each asset in its scope, with the previous
   * occurrences summarised — one query (LATERAL per pair, on the occurrences' unique index).
   * "The contract's assets": its covered assets, or every asset of the customer for a
   * customer-level contract.
   */
  async candidates(q: Queryable, planIds?: readonly string[]): Promise<CandidateRow[]> {
    const { rows } = await q.query<CandidateRow>(
      `SELECT p.id AS plan_id, c.id AS contract_id, c.customer_id, c.starts_on::text AS contract_starts_on, c.ends_on::text AS contract_ends_on,
              p.starts_on::text AS plan_starts_on, p.interval_months, p.interval_running_hours::text AS interval_running_hours, p.lead_days,
              a.id AS asset_id, a.site_id, a.serial_number, a.model_id,
              last.seq AS last_seq, last.due_at AS last_due_at, last.open AS last_open, served.at AS last_served_at
       FROM maintenance_plans p
       JOIN service_contracts c ON c.id = p.contract_id AND c.status = 'active'
       JOIN sites s ON s.customer_id = c.customer_id
       JOIN assets a ON a.site_id = s.id AND (p.asset_id IS NULL OR a.id = p.asset_id) AND (p.model_id IS NULL OR a.model_id = p.model_id)
       LEFT JOIN LATERAL (
         SELECT o.seq, o.due_at, (t.id IS NULL OR t.status = ANY($1::text[])) AS open
         FROM maintenance_occurrences o LEFT JOIN tickets t ON t.id = o.ticket_id
         WHERE o.plan_id = p.id AND o.asset_id = a.id ORDER BY o.seq DESC LIMIT 1
       ) last ON true
       LEFT JOIN LATERAL (
         SELECT COALESCE((SELECT max(v.actual_end) FROM visits v WHERE v.ticket_id = t.id AND v.status = 'completed'), t.resolved_at, t.closed_at) AS at
         FROM maintenance_occurrences o JOIN tickets t ON t.id = o.ticket_id
         WHERE o.plan_id = p.id AND o.asset_id = a.id AND t.status IN ('resolved', 'closed') ORDER BY o.seq DESC LIMIT 1
       ) served ON true
       WHERE p.active AND ($2::uuid[] IS NULL OR p.id = ANY($2::uuid[]))
         AND (EXISTS (SELECT 1 FROM contract_assets ca WHERE ca.contract_id = c.id AND ca.asset_id = a.id)
              OR NOT EXISTS (SELECT 1 FROM contract_assets ca WHERE ca.contract_id = c.id))
       ORDER BY p.id, a.id`,
      [OPEN_STATUSES, planIds ? [...planIds] : null],
    );
    return rows;
  }

  /** Claims an occurrence; undefined when it exists already (another run or worker made it). */
  async claim(
    q: Queryable,
    values: { planId: string; assetId: string; seq: number; dueAt: Date; basis: string; runningHours: number | null; dailyRate: number | null; now: Date },
  ): Promise<string | undefined> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO maintenance_occurrences (plan_id, asset_id, seq, due_key, due_at, basis, running_hours, daily_rate_hours, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (plan_id, asset_id, due_key) DO NOTHING RETURNING id`,
      [values.planId, values.assetId, values.seq, `n${values.seq}`, values.dueAt, values.basis, values.runningHours, values.dailyRate, values.now],
    );
    return rows[0]?.id;
  }

  async link(q: Queryable, occurrenceId: string, ticketId: string, visitId: string | null): Promise<void> {
    await q.query('UPDATE maintenance_occurrences SET ticket_id = $2, visit_id = $3 WHERE id = $1', [occurrenceId, ticketId, visitId]);
  }

  /**
   * A technician for the visit: active, with the skill (when one is required), without another
   * planned or running visit overlapping [start, end); the preferred one first, then the least
   * visits that day. Undefined when nobody fits (the ticket stays unassigned for dispatch).
   */
  async freeTechnician(q: Queryable, skill: string | null, start: Date, end: Date, preferredId: string | null): Promise<string | undefined> {
    const dayStart = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
    const dayEnd = new Date(dayStart.getTime() + 86_400_000);
    const { rows } = await q.query<{ id: string }>(
      `SELECT u.id FROM users u
       WHERE u.role = 'technician' AND u.active AND ($1::text IS NULL OR u.skills @> jsonb_build_array($1::text))
         AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.technician_id = u.id AND v.status IN ('planned', 'in_progress')
                         AND v.planned_start < $3 AND v.planned_end > $2)
       ORDER BY (u.id = $4::uuid) DESC NULLS LAST,
                (SELECT count(*) FROM visits v WHERE v.technician_id = u.id AND v.status <> 'cancelled' AND v.planned_start >= $5 AND v.planned_start < $6),
                u.id
       LIMIT 1`,
      [skill, start, end, preferredId, dayStart, dayEnd],
    );
    return rows[0]?.id;
  }
}
