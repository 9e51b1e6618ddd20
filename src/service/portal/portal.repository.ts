/**
 * The portal's SQL. Every query takes the customer id and joins up to it, so a record of another
 * customer is simply not found.
 */
import type { Queryable } from '../../kernel/db/database.js';
import type { PortalAsset, PortalContact, PortalNote, PortalVisit } from './portal.schemas.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Its first word: all of a technician's name a customer is shown. */
export function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? '';
}

export class PortalRepository {
  async sites(q: Queryable, customerId: string) {
    const { rows } = await q.query<{ id: string; name: string; address: string | null; city: string | null }>(
      'SELECT id, name, address, city FROM sites WHERE customer_id = $1 ORDER BY lower(name), id',
      [customerId],
    );
    return rows;
  }

  async assets(q: Queryable, customerId: string): Promise<PortalAsset[]> {
    const { rows } = await q.query<{
      id: string;
      name: string | null;
      serial_number: string;
      model_id: string;
      model_name: string | null;
      site_id: string;
      site_name: string;
      online: boolean | null;
      last_seen_at: Date | null;
      open_alarms: number;
      warranty_end: string | null;
    }>(
      `SELECT a.id, a.name, a.serial_number, a.model_id, m.name AS model_name, s.id AS site_id, s.name AS site_name,
              d.online, d.last_seen_at, a.warranty_end::text AS warranty_end,
              (SELECT count(*)::int FROM alarms al WHERE al.asset_id = a.id AND al.state <> 'cleared') AS open_alarms
         FROM assets a JOIN sites s ON s.id = a.site_id
         LEFT JOIN equipment_models m ON m.id = a.model_id
         LEFT JOIN devices d ON d.asset_id = a.id AND d.status = 'active'
        WHERE s.customer_id = $1
        ORDER BY lower(s.name), lower(coalesce(a.name, a.serial_number)), a.id`,
      [customerId],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      serialNumber: r.serial_number,
      modelId: r.model_id,
      modelName: r.model_name,
      siteId: r.site_id,
      siteName: r.site_name,
      state: r.online === null ? 'not_connected' : r.online ? 'online' : 'offline',
      lastSeenAt: iso(r.last_seen_at),
      openAlarms: r.open_alarms,
      warrantyEnd: r.warranty_end,
    }));
  }

  /** The ticket's customer, when it is this customer's (else undefined). */
  async ownTicket(q: Queryable, customerId: string, ticketId: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM tickets WHERE id = $1 AND customer_id = $2', [ticketId, customerId]);
    return rows.length > 0;
  }

  async visits(q: Queryable, ticketId: string): Promise<PortalVisit[]> {
    const { rows } = await q.query<{
      id: string;
      ticket_id: string;
      status: string;
      planned_start: Date;
      planned_end: Date;
      actual_start: Date | null;
      actual_end: Date | null;
      outcome: string | null;
      en_route_at: Date | null;
      eta_at: Date | null;
      technician_name: string;
    }>(
      `SELECT v.id, v.ticket_id, v.status, v.planned_start, v.planned_end, v.actual_start, v.actual_end, v.outcome,
              v.en_route_at, v.eta_at, u.name AS technician_name
         FROM visits v JOIN users u ON u.id = v.technician_id
        WHERE v.ticket_id = $1 AND v.status <> 'cancelled'
        ORDER BY v.planned_start, v.id`,
      [ticketId],
    );
    return rows.map((r) => ({
      id: r.id,
      ticketId: r.ticket_id,
      status: r.status,
      plannedStart: r.planned_start.toISOString(),
      plannedEnd: r.planned_end.toISOString(),
      actualStart: iso(r.actual_start),
      actualEnd: iso(r.actual_end),
      outcome: r.outcome,
      enRouteAt: iso(r.en_route_at),
      etaAt: iso(r.eta_at),
      technicianFirstName: firstName(r.technician_name),
    }));
  }

  async addNote(q: Queryable, input: { customerId: string; ticketId: string; text: string; userId: string; at: Date }): Promise<string> {
    const subject = input.text.split('\n')[0]!.slice(0, 120);
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO activities (kind, direction, subject, body, occurred_at, customer_id, ticket_id, author_type, author_id, created_at, updated_at)
       VALUES ('note', 'inbound', $1, $2, $3, $4, $5, 'user', $6, $3, $3) RETURNING id`,
      [`Customer note: ${subject}`, input.text, input.at, input.customerId, input.ticketId, input.userId],
    );
    return rows[0]!.id;
  }

  /** Notes written by the customer's own users (staff activities on the ticket stay internal). */
  async notes(q: Queryable, customerId: string, ticketId: string): Promise<PortalNote[]> {
    const { rows } = await q.query<{ id: string; body: string; occurred_at: Date; author: string }>(
      `SELECT a.id, a.body, a.occurred_at, u.name AS author
         FROM activities a JOIN users u ON a.author_type = 'user' AND u.id::text = a.author_id
        WHERE a.ticket_id = $1 AND a.customer_id = $2 AND a.kind = 'note' AND u.role = 'customer' AND u.customer_id = $2
        ORDER BY a.occurred_at, a.id`,
      [ticketId, customerId],
    );
    return rows.map((r) => ({ id: r.id, text: r.body, at: r.occurred_at.toISOString(), authorName: firstName(r.author) }));
  }

  async contacts(q: Queryable, customerId: string): Promise<PortalContact[]> {
    const { rows } = await q.query<{
      id: string;
      name: string;
      job_title: string | null;
      emails: { address: string }[];
      phones: { number: string }[];
      is_primary: boolean;
      language: string | null;
      pref_enabled: boolean | null;
      pref_events: string[] | null;
    }>(
      `SELECT c.id, c.name, c.job_title, c.emails, c.phones, c.is_primary, c.language, p.enabled AS pref_enabled, p.events AS pref_events
         FROM contacts c LEFT JOIN contact_notification_preferences p ON p.contact_id = c.id
        WHERE c.customer_id = $1
        ORDER BY c.is_primary DESC, lower(c.name), c.id`,
      [customerId],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      jobTitle: r.job_title,
      emails: r.emails.map((e) => e.address),
      phones: r.phones.map((p) => p.number),
      isPrimary: r.is_primary,
      language: r.language,
      notifications:
        r.pref_enabled === null
          ? { enabled: r.is_primary, events: [], explicit: false }
          : { enabled: r.pref_enabled, events: (r.pref_events ?? []) as PortalContact['notifications']['events'], explicit: true },
    }));
  }
}
