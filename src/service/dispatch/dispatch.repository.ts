/** SQL of dispatch: what a ticket needs, technicians' booked visits, van stock, assignment history, settings. */
import type { Actor } from '../../access/audit/audit.service.js';
import type { Queryable } from '../../kernel/db/database.js';

/** What dispatch needs to know about a ticket: place, SLA, and the prefill or fault catalogue entry. */
export interface TicketNeeds {
  id: string;
  number: string;
  title: string;
  type: string;
  status: string;
  priority: string;
  technician_id: string | null;
  customer_id: string;
  fault_code: string | null;
  response_due_at: Date;
  resolution_due_at: Date;
  responded_at: Date | null;
  site_name: string | null;
  latitude: number | null;
  longitude: number | null;
  city: string | null;
  country: string | null;
  prefill: { requiredSkill?: string | null; labourHours?: number | null; parts?: { sku: string; quantity: number; description?: string }[] } | null;
  fault: { skill?: string; labourHours?: number; crew?: number; parts?: { sku: string; quantity: number; description?: string }[] } | null;
}

/** A booked (planned or in progress) visit with where it takes place. */
export interface BookedVisit {
  id: string;
  ticket_id: string;
  ticket_number: string;
  title: string;
  technician_id: string;
  status: string;
  planned_start: Date;
  planned_end: Date;
  site_name: string | null;
  latitude: number | null;
  longitude: number | null;
}

export interface AssignmentHistoryRow {
  id: string;
  visit_id: string;
  from_technician_id: string | null;
  to_technician_id: string;
  at: Date;
  actor_type: string;
  actor_id: string;
  reason: string | null;
}

export interface DispatchSettingsRow {
  auto_assign: boolean;
  auto_assign_requires_sla: boolean;
  updated_at: Date;
  version: number;
}

export const ACTIVE_VISIT_STATUSES = ['planned', 'in_progress'] as const;

export class DispatchRepository {
  async ticketNeeds(q: Queryable, ticketId: string): Promise<TicketNeeds | undefined> {
    const { rows } = await q.query<TicketNeeds>(
      `SELECT t.id, t.number, t.title, t.type, t.status, t.priority, t.technician_id, t.customer_id, t.fault_code,
              t.response_due_at, t.resolution_due_at, t.responded_at,
              s.name AS site_name, s.latitude, s.longitude, s.city, s.country,
              af.prefill,
              (SELECT f FROM jsonb_array_elements(em.definition->'faults') f WHERE f->>'code' = t.fault_code LIMIT 1) AS fault
       FROM tickets t
       LEFT JOIN assets a ON a.id = t.asset_id
       LEFT JOIN sites s ON s.id = COALESCE(t.site_id, a.site_id)
       LEFT JOIN equipment_models em ON em.id = a.model_id
       LEFT JOIN ticket_autofill af ON af.ticket_id = t.id
       WHERE t.id = $1`,
      [ticketId],
    );
    return rows[0];
  }

  /** Planned and in-progress visits of the technicians overlapping [from, to), in start order. */
  async booked(q: Queryable, technicianIds: readonly string[] | null, from: Date, to: Date): Promise<BookedVisit[]> {
    const { rows } = await q.query<BookedVisit>(
      `SELECT v.id, v.ticket_id, t.number AS ticket_number, t.title, v.technician_id, v.status, v.planned_start, v.planned_end,
              s.name AS site_name, s.latitude, s.longitude
       FROM visits v JOIN tickets t ON t.id = v.ticket_id
       LEFT JOIN assets a ON a.id = t.asset_id
       LEFT JOIN sites s ON s.id = COALESCE(t.site_id, a.site_id)
       WHERE v.status = ANY($4::text[]) AND v.planned_start < $3 AND v.planned_end > $2
         AND ($1::uuid[] IS NULL OR v.technician_id = ANY($1::uuid[]))
       ORDER BY v.planned_start, v.id LIMIT 5000`,
      [technicianIds ? [...technicianIds] : null, from, to, ACTIVE_VISIT_STATUSES],
    );
    return rows;
  }

  /** Available quantity of each sku on each technician's van. */
  async vanStock(q: Queryable, technicianIds: readonly string[], skus: readonly string[]): Promise<Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, number>>();
    if (technicianIds.length === 0 || skus.length === 0) return out;
    const { rows } = await q.query<{ technician_id: string; sku: string; available: number }>(
      `SELECT l.technician_id, p.sku, sum(sl.on_hand - sl.reserved)::float8 AS available
       FROM stock_levels sl JOIN stock_locations l ON l.id = sl.location_id JOIN parts p ON p.id = sl.part_id
       WHERE l.kind = 'van' AND l.active AND l.technician_id = ANY($1::uuid[]) AND p.sku = ANY($2::text[])
       GROUP BY l.technician_id, p.sku`,
      [[...technicianIds], [...skus]],
    );
    for (const r of rows) {
      const map = out.get(r.technician_id) ?? new Map<string, number>();
      map.set(r.sku, Number(r.available));
      out.set(r.technician_id, map);
    }
    return out;
  }

  async addHistory(
    q: Queryable,
    entry: { visitId: string; from: string | null; to: string; at: Date; actor: Actor; reason?: string | null | undefined },
  ): Promise<void> {
    await q.query(
      `INSERT INTO visit_assignment_history (visit_id, from_technician_id, to_technician_id, at, actor_type, actor_id, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [entry.visitId, entry.from, entry.to, entry.at, entry.actor.type, entry.actor.id, entry.reason ?? null],
    );
  }

  async history(q: Queryable, visitId: string): Promise<AssignmentHistoryRow[]> {
    const { rows } = await q.query<AssignmentHistoryRow>(
      'SELECT h.id::text AS id, h.visit_id, h.from_technician_id, h.to_technician_id, h.at, h.actor_type, h.actor_id, h.reason FROM visit_assignment_history h WHERE h.visit_id = $1 ORDER BY h.id',
      [visitId],
    );
    return rows;
  }

  async settings(q: Queryable): Promise<DispatchSettingsRow> {
    const { rows } = await q.query<DispatchSettingsRow>('SELECT auto_assign, auto_assign_requires_sla, updated_at, version FROM dispatch_settings WHERE id');
    return rows[0] ?? { auto_assign: false, auto_assign_requires_sla: true, updated_at: new Date(0), version: 0 };
  }

  async updateSettings(q: Queryable, values: { autoAssign?: boolean | undefined; autoAssignRequiresSla?: boolean | undefined }, now: Date): Promise<void> {
    await q.query(
      `INSERT INTO dispatch_settings (id, auto_assign, auto_assign_requires_sla, updated_at) VALUES (true, COALESCE($1, false), COALESCE($2, true), $3)
       ON CONFLICT (id) DO UPDATE SET auto_assign = COALESCE($1, dispatch_settings.auto_assign),
         auto_assign_requires_sla = COALESCE($2, dispatch_settings.auto_assign_requires_sla), updated_at = $3, version = dispatch_settings.version + 1`,
      [values.autoAssign ?? null, values.autoAssignRequiresSla ?? null, now],
    );
  }

  async technicianName(q: Queryable, id: string): Promise<string | undefined> {
    const { rows } = await q.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [id]);
    return rows[0]?.name;
  }
}
