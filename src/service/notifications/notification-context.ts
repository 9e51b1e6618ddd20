/**
 * What the notifier reads to address and fill a message: the ticket with its customer and site,
 * the visit with its technician, the contacts who want notifications, the technician. Columns
 * added by other features (visits.eta_at, technician_profiles.push_url/timezone/language) are read
 * only when they exist, so this module works on every schema version.
 */
import type { Queryable } from '../../kernel/db/database.js';

export interface TicketFacts {
  id: string;
  number: string;
  title: string;
  customerId: string;
  customerName: string;
  siteName: string | null;
  siteAddress: string | null;
  technicianName: string | null;
}

export interface VisitFacts {
  id: string;
  ticketId: string;
  plannedStart: Date;
  plannedEnd: Date;
  outcome: string | null;
  etaAt: Date | null;
  technicianName: string;
}

export interface ContactRecipient {
  id: string;
  name: string;
  emails: { address: string }[];
  language: string | null;
  optOuts: string[];
  isPrimary: boolean;
  /** Null when the contact has no preferences row (defaults apply). */
  preferences: {
    enabled: boolean;
    events: string[];
    channels: ('email' | 'webhook')[];
    emailAddress: string | null;
    webhookUrl: string | null;
    timeZone: string | null;
  } | null;
}

export interface TechnicianRecipient {
  id: string;
  name: string;
  email: string;
  active: boolean;
  pushUrl: string | null;
  timeZone: string | null;
  language: string | null;
}

/** Columns of a table in the current schema (empty when the table does not exist). */
export async function columnsOf(q: Queryable, table: string): Promise<Set<string>> {
  const { rows } = await q.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
    [table],
  );
  return new Set(rows.map((r) => r.column_name));
}

export async function loadTicket(q: Queryable, ticketId: string): Promise<TicketFacts | undefined> {
  const { rows } = await q.query<{
    id: string;
    number: string;
    title: string;
    customer_id: string;
    customer_name: string;
    site_name: string | null;
    address: string | null;
    city: string | null;
    technician_name: string | null;
  }>(
    `SELECT t.id, t.number, t.title, t.customer_id, c.name AS customer_name, s.name AS site_name, s.address, s.city, u.name AS technician_name
     FROM tickets t JOIN customers c ON c.id = t.customer_id LEFT JOIN sites s ON s.id = t.site_id LEFT JOIN users u ON u.id = t.technician_id
     WHERE t.id = $1`,
    [ticketId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const address = [row.address, row.city].filter((part): part is string => !!part).join(', ');
  return {
    id: row.id,
    number: row.number,
    title: row.title,
    customerId: row.customer_id,
    customerName: row.customer_name,
    siteName: row.site_name,
    siteAddress: address === '' ? null : address,
    technicianName: row.technician_name,
  };
}

export async function loadVisit(q: Queryable, visitId: string, hasEta: boolean): Promise<VisitFacts | undefined> {
  const { rows } = await q.query<{
    id: string;
    ticket_id: string;
    planned_start: Date;
    planned_end: Date;
    outcome: string | null;
    eta_at: Date | null;
    technician_name: string;
  }>(
    `SELECT v.id, v.ticket_id, v.planned_start, v.planned_end, v.outcome, ${hasEta ? 'v.eta_at' : 'NULL::timestamptz AS eta_at'}, u.name AS technician_name
     FROM visits v JOIN users u ON u.id = v.technician_id WHERE v.id = $1`,
    [visitId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    ticketId: row.ticket_id,
    plannedStart: row.planned_start,
    plannedEnd: row.planned_end,
    outcome: row.outcome,
    etaAt: row.eta_at,
    technicianName: row.technician_name,
  };
}

/** The customer's contacts that may receive notifications: those with a preferences row, and the primary contact. */
export async function loadContactRecipients(q: Queryable, customerId: string): Promise<ContactRecipient[]> {
  const { rows } = await q.query<{
    id: string;
    name: string;
    emails: { address: string }[];
    language: string | null;
    opt_outs: string[];
    is_primary: boolean;
    has_prefs: boolean;
    enabled: boolean | null;
    events: string[] | null;
    channels: ('email' | 'webhook')[] | null;
    email_address: string | null;
    webhook_url: string | null;
    time_zone: string | null;
  }>(
    `SELECT ct.id, ct.name, ct.emails, ct.language, ct.opt_outs, ct.is_primary, p.contact_id IS NOT NULL AS has_prefs,
       p.enabled, p.events, p.channels, p.email_address, p.webhook_url, p.time_zone
     FROM contacts ct LEFT JOIN contact_notification_preferences p ON p.contact_id = ct.id
     WHERE ct.customer_id = $1 AND (p.contact_id IS NOT NULL OR ct.is_primary)
     ORDER BY ct.id`,
    [customerId],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    emails: r.emails,
    language: r.language,
    optOuts: r.opt_outs,
    isPrimary: r.is_primary,
    preferences: r.has_prefs
      ? {
          enabled: r.enabled ?? true,
          events: r.events ?? [],
          channels: r.channels ?? ['email'],
          emailAddress: r.email_address,
          webhookUrl: r.webhook_url,
          timeZone: r.time_zone,
        }
      : null,
  }));
}

export async function loadTechnician(q: Queryable, technicianId: string, profileColumns: Set<string>): Promise<TechnicianRecipient | undefined> {
  const pick = (column: string, type: string) => (profileColumns.has(column) ? `tp.${column}` : `NULL::${type} AS ${column}`);
  const join = profileColumns.has('user_id') ? 'LEFT JOIN technician_profiles tp ON tp.user_id = u.id' : '';
  const { rows } = await q.query<{
    id: string;
    name: string;
    email: string;
    active: boolean;
    push_url: string | null;
    timezone: string | null;
    language: string | null;
  }>(
    `SELECT u.id, u.name, u.email, u.active, ${pick('push_url', 'text')}, ${pick('timezone', 'text')}, ${pick('language', 'text')}
     FROM users u ${join} WHERE u.id = $1`,
    [technicianId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { id: row.id, name: row.name, email: row.email, active: row.active, pushUrl: row.push_url, timeZone: row.timezone, language: row.language };
}

/** Which channels and addresses a contact gets for one event (empty: none). */
export function contactChannels(contact: ContactRecipient, event: string): { channel: 'email' | 'webhook'; address: string }[] {
  const prefs = contact.preferences;
  if (prefs && (!prefs.enabled || (prefs.events.length > 0 && !prefs.events.includes(event)))) return [];
  if (!prefs && !contact.isPrimary) return [];
  const channels = prefs?.channels ?? ['email'];
  const out: { channel: 'email' | 'webhook'; address: string }[] = [];
  if (channels.includes('email') && !contact.optOuts.includes('email')) {
    const address = prefs?.emailAddress ?? contact.emails[0]?.address;
    if (address) out.push({ channel: 'email', address });
  }
  if (channels.includes('webhook') && prefs?.webhookUrl) out.push({ channel: 'webhook', address: prefs.webhookUrl });
  return out;
}
