/** SQL of the technician's day: visits with their ticket, customer, site and asset, and what hangs off them. */
import type { Queryable } from '../../kernel/db/database.js';

export interface JobRow {
  id: string;
  ticket_id: string;
  technician_id: string;
  status: 'planned' | 'in_progress' | 'completed' | 'cancelled';
  planned_start: Date;
  planned_end: Date;
  actual_start: Date | null;
  actual_end: Date | null;
  eta_at: Date | null;
  notes: string | null;
  version: number;
  number: string;
  title: string;
  description: string | null;
  priority: 'low' | 'medium' | 'high' | 'critical';
  ticket_status: string;
  response_due_at: Date;
  resolution_due_at: Date;
  customer_id: string;
  customer_name: string;
  customer_phone: string | null;
  site_id: string | null;
  site_name: string | null;
  address: string | null;
  city: string | null;
  country: string | null;
  latitude: number | null;
  longitude: number | null;
  access_notes: string | null;
  asset_id: string | null;
  serial_number: string | null;
  asset_name: string | null;
  model_id: string | null;
  model_name: string | null;
  fault_code: string | null;
}

export interface ReservationRow {
  ticket_id: string;
  sku: string;
  description: string;
  unit: string;
  quantity: string;
  code: string;
  name: string;
  kind: 'van' | 'central' | 'local';
  technician_id: string | null;
  address: string | null;
}

export interface AlarmRow {
  id: string;
  asset_id: string;
  rule_id: string;
  fault_code: string | null;
  kind: string;
  severity: string | null;
  state: string;
  last_seen_at: Date;
}

export class FieldAppRepository {
  async timeZoneOf(q: Queryable, technicianId: string): Promise<string | undefined> {
    const { rows } = await q.query<{ timezone: string | null }>(
      `SELECT p.timezone FROM users u LEFT JOIN technician_profiles p ON p.user_id = u.id WHERE u.id = $1 AND u.role = 'technician'`,
      [technicianId],
    );
    return rows[0] ? (rows[0].timezone ?? 'UTC') : undefined;
  }

  /** Visits touching [from, to), and any still in progress, in planned order. */
  async jobs(q: Queryable, technicianId: string, from: Date, to: Date): Promise<JobRow[]> {
    const { rows } = await q.query<JobRow>(
      `SELECT v.id, v.ticket_id, v.technician_id, v.status, v.planned_start, v.planned_end, v.actual_start, v.actual_end, v.eta_at, v.notes, v.version,
              t.number, t.title, t.description, t.priority, t.status AS ticket_status, t.response_due_at, t.resolution_due_at, t.fault_code,
              c.id AS customer_id, c.name AS customer_name, c.phone AS customer_phone,
              s.id AS site_id, s.name AS site_name, s.address, s.city, s.country, s.latitude, s.longitude, s.access_notes,
              a.id AS asset_id, a.serial_number, a.name AS asset_name, a.model_id, m.name AS model_name
         FROM visits v
         JOIN tickets t ON t.id = v.ticket_id
         JOIN customers c ON c.id = t.customer_id
         LEFT JOIN assets a ON a.id = t.asset_id
         LEFT JOIN equipment_models m ON m.id = a.model_id
         LEFT JOIN sites s ON s.id = coalesce(t.site_id, a.site_id)
        WHERE v.technician_id = $1 AND ((v.planned_end > $2 AND v.planned_start < $3) OR v.status = 'in_progress')
        ORDER BY v.planned_start, v.id
        LIMIT 500`,
      [technicianId, from, to],
    );
    return rows;
  }

  /** The primary contact (or the first one) of each customer, with the first phone number. */
  async contacts(q: Queryable, customerIds: readonly string[]): Promise<Map<string, { name: string; phone: string | null }>> {
    if (customerIds.length === 0) return new Map();
    const { rows } = await q.query<{ customer_id: string; name: string; phone: string | null }>(
      `SELECT DISTINCT ON (customer_id) customer_id, name, phones->0->>'number' AS phone
         FROM contacts WHERE customer_id = ANY($1::uuid[]) ORDER BY customer_id, is_primary DESC, (jsonb_array_length(phones) > 0) DESC, created_at, id`,
      [[...customerIds]],
    );
    return new Map(rows.map((r) => [r.customer_id, { name: r.name, phone: r.phone }]));
  }

  async reservations(q: Queryable, ticketIds: readonly string[]): Promise<ReservationRow[]> {
    if (ticketIds.length === 0) return [];
    const { rows } = await q.query<ReservationRow>(
      `SELECT r.ticket_id, p.sku, p.description, p.unit, (r.quantity - r.consumed - r.released)::text AS quantity,
              l.code, l.name, l.kind, l.technician_id, l.address
         FROM stock_reservations r JOIN parts p ON p.id = r.part_id JOIN stock_locations l ON l.id = r.location_id
        WHERE r.ticket_id = ANY($1::uuid[]) AND r.status = 'active'
        ORDER BY p.sku, l.code`,
      [[...ticketIds]],
    );
    return rows;
  }

  async openAlarms(q: Queryable, assetIds: readonly string[]): Promise<AlarmRow[]> {
    if (assetIds.length === 0) return [];
    const { rows } = await q.query<AlarmRow>(
      `SELECT id, asset_id, rule_id, fault_code, kind, severity, state, last_seen_at FROM alarms
        WHERE asset_id = ANY($1::uuid[]) AND state <> 'cleared' ORDER BY last_seen_at DESC, id LIMIT 200`,
      [[...assetIds]],
    );
    return rows;
  }

  /**
   * Knowledge for a ticket: the articles its auto-ticket prefill linked, else published articles
   * for its fault code (the asset's model first).
   */
  async knowledge(q: Queryable, ticketId: string): Promise<{ id: string; title: string; body: string }[]> {
    const { rows } = await q.query<{ id: string; title: string; body: string }>(
      `WITH t AS (SELECT t.id, t.fault_code, a.model_id, f.prefill FROM tickets t LEFT JOIN assets a ON a.id = t.asset_id
                    LEFT JOIN ticket_autofill f ON f.ticket_id = t.id WHERE t.id = $1),
            linked AS (SELECT (k->>'id')::uuid AS id, ord FROM t, jsonb_array_elements(coalesce(t.prefill->'knowledge', '[]')) WITH ORDINALITY AS x(k, ord))
       SELECT k.id, k.title, k.body FROM knowledge_articles k JOIN linked l ON l.id = k.id
       UNION ALL
       SELECT * FROM (
         SELECT k.id, k.title, k.body FROM knowledge_articles k, t
          WHERE NOT EXISTS (SELECT 1 FROM linked) AND k.status = 'published' AND t.fault_code IS NOT NULL AND t.fault_code = ANY(k.fault_codes)
          ORDER BY (t.model_id = ANY(k.model_ids)) DESC, k.updated_at DESC LIMIT 3) fallback
       LIMIT 3`,
      [ticketId],
    );
    return rows;
  }
}
