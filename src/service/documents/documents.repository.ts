/**
 * What the documents print, read in a few queries: the ticket with its customer, site and asset,
 * the fault's diagnosis, reserved parts, visits with their labour and parts (never prices: the
 * work order and the service report go to technicians and customers), and who receives a
 * document by e-mail.
 */
import type { Queryable } from '../../kernel/db/database.js';

export interface TicketFacts {
  id: string;
  number: string;
  title: string;
  description: string | null;
  priority: string;
  status: string;
  fault_code: string | null;
  created_at: Date;
  customer_id: string;
  customer_name: string;
  customer_code: string | null;
  customer_email: string | null;
  customer_phone: string | null;
  site_name: string | null;
  site_address: string | null;
  site_city: string | null;
  site_country: string | null;
  access_notes: string | null;
  asset_id: string | null;
  asset_name: string | null;
  serial_number: string | null;
  model_id: string | null;
  model_name: string | null;
  technician_id: string | null;
  technician_name: string | null;
  contract_number: string | null;
}

export interface DiagnosisFacts {
  title: string;
  diagnosis: string | null;
  probableCauses: string[];
  actions: string[];
}

export interface ReservedPart {
  sku: string;
  description: string;
  quantity: string;
  location_name: string;
  location_kind: string;
}

export interface VisitFacts {
  id: string;
  ticket_id: string;
  status: string;
  planned_start: Date;
  planned_end: Date;
  actual_start: Date | null;
  actual_end: Date | null;
  outcome: string | null;
  notes: string | null;
  acceptance_name: string | null;
  acceptance_confirmation: string | null;
  acceptance_signature: string | null;
  accepted_at: Date | null;
  technician_id: string;
  technician_name: string;
  resolution_notes: string | null;
  closed_at: Date | null;
}

export interface LabourFacts {
  visit_id: string;
  minutes: number;
  skill: string | null;
  overtime: boolean;
  description: string | null;
  recorded_at: Date;
}

export interface PartFacts {
  visit_id: string;
  sku: string;
  description: string | null;
  quantity: string;
  recorded_at: Date;
}

export interface DocumentRecipient {
  contactId: string | null;
  name: string;
  address: string;
}

const VISIT_COLUMNS = `v.id, v.ticket_id, v.status, v.planned_start, v.planned_end, v.actual_start, v.actual_end, v.outcome, v.notes,
  v.acceptance_name, v.acceptance_confirmation, v.acceptance_signature, v.accepted_at, v.technician_id, u.name AS technician_name,
  vc.resolution_notes, vc.closed_at`;

export class DocumentsRepository {
  async ticket(q: Queryable, ticketId: string): Promise<TicketFacts | undefined> {
    const { rows } = await q.query<TicketFacts>(
      `SELECT t.id, t.number, t.title, t.description, t.priority, t.status, t.fault_code, t.created_at, t.customer_id,
         c.name AS customer_name, c.code AS customer_code, c.email AS customer_email, c.phone AS customer_phone,
         s.name AS site_name, s.address AS site_address, s.city AS site_city, s.country AS site_country, s.access_notes,
         t.asset_id, a.name AS asset_name, a.serial_number, a.model_id, m.name AS model_name,
         t.technician_id, u.name AS technician_name, sc.number AS contract_number
       FROM tickets t JOIN customers c ON c.id = t.customer_id
         LEFT JOIN sites s ON s.id = t.site_id LEFT JOIN assets a ON a.id = t.asset_id
         LEFT JOIN equipment_models m ON m.id = a.model_id LEFT JOIN users u ON u.id = t.technician_id
         LEFT JOIN service_contracts sc ON sc.id = t.contract_id
       WHERE t.id = $1`,
      [ticketId],
    );
    return rows[0];
  }

  /** The catalogue diagnosis an auto-ticket was prefilled with; undefined for manual tickets. */
  async diagnosis(q: Queryable, ticketId: string): Promise<DiagnosisFacts | undefined> {
    const { rows } = await q.query<{ fault: Partial<DiagnosisFacts> | null }>(`SELECT prefill->'fault' AS fault FROM ticket_autofill WHERE ticket_id = $1`, [
      ticketId,
    ]);
    const fault = rows[0]?.fault;
    if (!fault) return undefined;
    return { title: fault.title ?? '', diagnosis: fault.diagnosis ?? null, probableCauses: fault.probableCauses ?? [], actions: fault.actions ?? [] };
  }

  /** Parts held for the ticket and not yet consumed or released, with where they are. */
  async reservedParts(q: Queryable, ticketId: string): Promise<ReservedPart[]> {
    const { rows } = await q.query<ReservedPart>(
      `SELECT p.sku, p.description, (r.quantity - r.consumed - r.released)::text AS quantity, l.name AS location_name, l.kind AS location_kind
       FROM stock_reservations r JOIN parts p ON p.id = r.part_id JOIN stock_locations l ON l.id = r.location_id
       WHERE r.ticket_id = $1 AND r.status = 'active' ORDER BY p.sku, l.name`,
      [ticketId],
    );
    return rows;
  }

  async visitsOfTicket(q: Queryable, ticketId: string): Promise<VisitFacts[]> {
    const { rows } = await q.query<VisitFacts>(
      `SELECT ${VISIT_COLUMNS} FROM visits v JOIN users u ON u.id = v.technician_id LEFT JOIN visit_closures vc ON vc.visit_id = v.id
       WHERE v.ticket_id = $1 ORDER BY v.planned_start, v.id`,
      [ticketId],
    );
    return rows;
  }

  async visit(q: Queryable, visitId: string): Promise<VisitFacts | undefined> {
    const { rows } = await q.query<VisitFacts>(
      `SELECT ${VISIT_COLUMNS} FROM visits v JOIN users u ON u.id = v.technician_id LEFT JOIN visit_closures vc ON vc.visit_id = v.id WHERE v.id = $1`,
      [visitId],
    );
    return rows[0];
  }

  async labour(q: Queryable, visitIds: readonly string[]): Promise<LabourFacts[]> {
    if (visitIds.length === 0) return [];
    const { rows } = await q.query<LabourFacts>(
      `SELECT visit_id, minutes, skill, overtime, description, recorded_at FROM visit_labour WHERE visit_id = ANY($1::uuid[]) ORDER BY recorded_at, id`,
      [visitIds],
    );
    return rows;
  }

  async parts(q: Queryable, visitIds: readonly string[]): Promise<PartFacts[]> {
    if (visitIds.length === 0) return [];
    const { rows } = await q.query<PartFacts>(
      `SELECT visit_id, sku, description, quantity::text AS quantity, recorded_at FROM visit_parts WHERE visit_id = ANY($1::uuid[]) ORDER BY recorded_at, id`,
      [visitIds],
    );
    return rows;
  }

  /**
   * Who receives a customer's documents by e-mail: the primary contact (its preferred
   * notification address, else its first address), else the first other contact with an
   * address, else the customer's own e-mail. Contacts that opted out of e-mail are skipped.
   */
  async recipient(q: Queryable, customerId: string): Promise<DocumentRecipient | undefined> {
    const { rows } = await q.query<{ id: string; name: string; address: string | null }>(
      `SELECT ct.id, ct.name, COALESCE(p.email_address, ct.emails->0->>'address') AS address
       FROM contacts ct LEFT JOIN contact_notification_preferences p ON p.contact_id = ct.id
       WHERE ct.customer_id = $1 AND NOT ('email' = ANY (ct.opt_outs))
         AND COALESCE(p.email_address, ct.emails->0->>'address') IS NOT NULL
       ORDER BY ct.is_primary DESC, ct.created_at, ct.id LIMIT 1`,
      [customerId],
    );
    const contact = rows[0];
    if (contact?.address) return { contactId: contact.id, name: contact.name, address: contact.address };
    const customer = await q.query<{ name: string; email: string | null }>('SELECT name, email FROM customers WHERE id = $1', [customerId]);
    const row = customer.rows[0];
    return row?.email ? { contactId: null, name: row.name, address: row.email } : undefined;
  }
}
