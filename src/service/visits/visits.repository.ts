/** SQL for visits, their labour entries and parts. Methods take the Queryable to run on. */
import type { Actor } from '../../access/audit/audit.service.js';
import type { Queryable } from '../../kernel/db/database.js';
import type { LabourInput, PartInput } from './visits.schemas.js';

export interface VisitRow {
  id: string;
  ticket_id: string;
  technician_id: string;
  status: 'planned' | 'in_progress' | 'completed' | 'cancelled';
  planned_start: Date;
  planned_end: Date;
  actual_start: Date | null;
  actual_end: Date | null;
  outcome: 'fixed' | 'another_visit_needed' | 'not_fixed' | null;
  first_time_fix: boolean | null;
  notes: string | null;
  acceptance_name: string | null;
  acceptance_confirmation: string | null;
  acceptance_signature: string | null;
  accepted_at: Date | null;
  /** Dispatch (migration 0008): current ETA and planned travel before the visit. */
  eta_at?: Date | null;
  travel_minutes?: number | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface LabourRow {
  id: string;
  visit_id: string;
  minutes: number;
  skill: string | null;
  overtime: boolean;
  description: string | null;
  prepaid_minutes: number;
  recorded_at: Date;
}

export interface PartRow {
  id: string;
  visit_id: string;
  sku: string;
  description: string | null;
  quantity: string;
  unit_price: string | null;
  recorded_at: Date;
}

export type VisitColumns = Partial<Omit<VisitRow, 'id' | 'first_time_fix' | 'version' | 'created_at'>>;

/** Fixed on the ticket's first non-cancelled visit (by creation); null without outcome. */
const COLUMNS = `v.*, CASE WHEN v.outcome IS NULL THEN NULL ELSE v.outcome = 'fixed' AND NOT EXISTS (
    SELECT 1 FROM visits o WHERE o.ticket_id = v.ticket_id AND o.status <> 'cancelled' AND (o.created_at, o.id) < (v.created_at, v.id)) END AS first_time_fix`;

export class VisitsRepository {
  async insert(
    q: Queryable,
    values: { ticketId: string; technicianId: string; plannedStart: string; plannedEnd: string; notes: string | null; now: Date },
  ): Promise<string> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO visits (ticket_id, technician_id, status, planned_start, planned_end, notes, created_at, updated_at)
       VALUES ($1, $2, 'planned', $3, $4, $5, $6, $6) RETURNING id`,
      [values.ticketId, values.technicianId, values.plannedStart, values.plannedEnd, values.notes, values.now],
    );
    return rows[0]!.id;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<VisitRow | undefined> {
    if (options.lock) await q.query('SELECT 1 FROM visits WHERE id = $1 FOR UPDATE', [id]);
    const { rows } = await q.query<VisitRow>(`SELECT ${COLUMNS} FROM visits v WHERE v.id = $1`, [id]);
    return rows[0];
  }

  async listByTicket(q: Queryable, ticketId: string): Promise<VisitRow[]> {
    const { rows } = await q.query<VisitRow>(`SELECT ${COLUMNS} FROM visits v WHERE v.ticket_id = $1 ORDER BY v.planned_start, v.created_at, v.id LIMIT 500`, [
      ticketId,
    ]);
    return rows;
  }

  async update(q: Queryable, id: string, values: VisitColumns): Promise<void> {
    const params: unknown[] = [id];
    const sets: string[] = [];
    for (const [column, value] of Object.entries(values)) {
      if (value === undefined) continue;
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    }
    await q.query(`UPDATE visits SET ${[...sets, 'version = version + 1'].join(', ')} WHERE id = $1`, params);
  }

  async addLabour(q: Queryable, visitId: string, input: LabourInput, at: Date, actor: Actor): Promise<string> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO visit_labour (visit_id, minutes, skill, overtime, description, recorded_at, actor_type, actor_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [visitId, input.minutes, input.skill ?? null, input.overtime, input.description ?? null, at, actor.type, actor.id],
    );
    return rows[0]!.id;
  }

  async setLabourPrepaid(q: Queryable, labourId: string, minutes: number): Promise<void> {
    await q.query('UPDATE visit_labour SET prepaid_minutes = $2 WHERE id = $1', [labourId, minutes]);
  }

  async addPart(q: Queryable, visitId: string, input: PartInput, at: Date, actor: Actor): Promise<void> {
    await q.query(
      `INSERT INTO visit_parts (visit_id, sku, description, quantity, unit_price, recorded_at, actor_type, actor_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [visitId, input.sku, input.description ?? null, input.quantity, input.unitPrice ?? null, at, actor.type, actor.id],
    );
  }

  async labour(q: Queryable, visitIds: readonly string[]): Promise<LabourRow[]> {
    if (visitIds.length === 0) return [];
    const { rows } = await q.query<LabourRow>('SELECT * FROM visit_labour WHERE visit_id = ANY($1::uuid[]) ORDER BY recorded_at, id', [[...visitIds]]);
    return rows;
  }

  async parts(q: Queryable, visitIds: readonly string[]): Promise<PartRow[]> {
    if (visitIds.length === 0) return [];
    const { rows } = await q.query<PartRow>(
      'SELECT id, visit_id, sku, description, quantity::text AS quantity, unit_price::text AS unit_price, recorded_at FROM visit_parts WHERE visit_id = ANY($1::uuid[]) ORDER BY recorded_at, id',
      [[...visitIds]],
    );
    return rows;
  }
}
