/** SQL for reservations per ticket and backorders. Methods take the Queryable to run on. */
import type { Actor } from '../../access/audit/audit.service.js';
import type { Queryable } from '../../kernel/db/database.js';
import { q3 } from './stock-levels.repository.js';
import type { ReservationLine } from './stock.schemas.js';

export interface ReservationRow {
  id: string;
  ticket_id: string;
  part_id: string;
  sku: string;
  location_id: string;
  location_code: string;
  quantity: number;
  consumed: number;
  released: number;
  status: 'active' | 'consumed' | 'released';
  created_at: Date;
}

export interface TicketPlace {
  status: string;
  technician_id: string | null;
  latitude: number | null;
  longitude: number | null;
}

const COLUMNS = `r.id, r.ticket_id, r.part_id, p.sku, r.location_id, l.code AS location_code, r.quantity::float8 AS quantity,
  r.consumed::float8 AS consumed, r.released::float8 AS released, r.status, r.created_at`;
const FROM = 'stock_reservations r JOIN parts p ON p.id = r.part_id JOIN stock_locations l ON l.id = r.location_id';

export function toLine(r: ReservationRow): ReservationLine {
  return {
    reservationId: r.id,
    locationId: r.location_id,
    locationCode: r.location_code,
    quantity: r.quantity,
    consumed: r.consumed,
    released: r.released,
    outstanding: q3(r.quantity - r.consumed - r.released),
    status: r.status,
    createdAt: r.created_at.toISOString(),
  };
}

export class ReservationsRepository {
  /** The ticket's status, technician and site position; locked (no key update) unless `lock: false`. */
  async lockTicket(q: Queryable, ticketId: string, options: { lock?: boolean } = {}): Promise<TicketPlace | undefined> {
    const { rows } = await q.query<TicketPlace>(
      `SELECT t.status, t.technician_id, s.latitude, s.longitude FROM tickets t LEFT JOIN sites s ON s.id = t.site_id WHERE t.id = $1${options.lock === false ? '' : ' FOR NO KEY UPDATE OF t'}`,
      [ticketId],
    );
    return rows[0];
  }

  async insert(q: Queryable, v: { ticketId: string; partId: string; locationId: string; quantity: number; at: Date; actor: Actor }): Promise<string> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO stock_reservations (ticket_id, part_id, location_id, quantity, status, created_at, updated_at, actor_type, actor_id)
       VALUES ($1, $2, $3, $4, 'active', $5, $5, $6, $7) RETURNING id`,
      [v.ticketId, v.partId, v.locationId, v.quantity, v.at, v.actor.type, v.actor.id],
    );
    return rows[0]!.id;
  }

  async ofTicket(q: Queryable, ticketId: string): Promise<ReservationRow[]> {
    const { rows } = await q.query<ReservationRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE r.ticket_id = $1 ORDER BY p.sku, r.created_at, r.id`, [ticketId]);
    return rows;
  }

  async ofTicketPart(q: Queryable, ticketId: string, partId: string): Promise<ReservationRow[]> {
    const { rows } = await q.query<ReservationRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE r.ticket_id = $1 AND r.part_id = $2 ORDER BY r.created_at, r.id`, [
      ticketId,
      partId,
    ]);
    return rows;
  }

  async activeOfTicketPart(q: Queryable, ticketId: string, partId: string): Promise<ReservationRow[]> {
    const { rows } = await q.query<ReservationRow>(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE r.ticket_id = $1 AND r.part_id = $2 AND r.status = 'active' ORDER BY r.created_at, r.id FOR UPDATE OF r`,
      [ticketId, partId],
    );
    return rows;
  }

  async activeOfTicket(q: Queryable, ticketId: string, options: { lock?: boolean } = {}): Promise<ReservationRow[]> {
    const { rows } = await q.query<ReservationRow>(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE r.ticket_id = $1 AND r.status = 'active' ORDER BY r.part_id, r.created_at, r.id${options.lock ? ' FOR UPDATE OF r' : ''}`,
      [ticketId],
    );
    return rows;
  }

  /** Adds to consumed or released; the status follows (active while some is outstanding). */
  async settle(q: Queryable, id: string, by: { consumed?: number; released?: number }, at: Date): Promise<void> {
    await q.query(
      `UPDATE stock_reservations SET consumed = consumed + $2, released = released + $3, updated_at = $4,
         status = CASE WHEN consumed + $2 + released + $3 < quantity THEN 'active' WHEN consumed + $2 > 0 THEN 'consumed' ELSE 'released' END
       WHERE id = $1`,
      [id, by.consumed ?? 0, by.released ?? 0, at],
    );
  }

  async insertBackorder(
    q: Queryable,
    v: { partId: string; locationId: string | null; ticketId: string; visitId: string; quantity: number; at: Date },
  ): Promise<string> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO stock_backorders (part_id, location_id, ticket_id, visit_id, quantity, status, created_at) VALUES ($1, $2, $3, $4, $5, 'open', $6) RETURNING id`,
      [v.partId, v.locationId, v.ticketId, v.visitId, v.quantity, v.at],
    );
    return rows[0]!.id;
  }
}
