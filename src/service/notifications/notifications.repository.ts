/**
 * SQL of the notification outbox and of the contact notification preferences. Methods take the
 * Queryable to run on, so the notifier writes inside its caller's transaction.
 */
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import { sqlFilter } from '../../kernel/db/sql-filter.js';

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'gave_up';
export type OutboxChannel = 'email' | 'webhook';

export interface OutboxRow {
  id: string;
  dedupe_key: string;
  event: string;
  ticket_id: string | null;
  visit_id: string | null;
  recipient: string;
  contact_id: string | null;
  technician_id: string | null;
  channel: OutboxChannel;
  address: string;
  language: string;
  subject: string;
  body: string;
  html: string | null;
  data: Record<string, unknown>;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: Date;
  lease_until: Date | null;
  claim_token: string | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
  /** Attachments (ids in the attachments store) the e-mail carries; empty for most messages. */
  attachment_ids: string[];
}

export interface NewOutboxRow {
  dedupeKey: string;
  event: string;
  ticketId: string | null;
  visitId: string | null;
  recipient: string;
  contactId: string | null;
  technicianId: string | null;
  channel: OutboxChannel;
  address: string;
  language: string;
  subject: string;
  body: string;
  html: string | null;
  data: Record<string, unknown>;
  at: Date;
  /** Attachment ids the e-mail carries (documents). Default none. */
  attachmentIds?: readonly string[];
}

export interface ListOutbox {
  ticketId?: string | undefined;
  status?: OutboxStatus | undefined;
  event?: string | undefined;
  channel?: OutboxChannel | undefined;
  sort: string;
  cursor?: string | undefined;
  limit: number;
}

export interface PreferencesRow {
  contact_id: string;
  enabled: boolean;
  events: string[];
  channels: OutboxChannel[];
  email_address: string | null;
  webhook_url: string | null;
  webhook_secret: string | null;
  time_zone: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface PreferencesInput {
  enabled: boolean;
  events: readonly string[];
  channels: readonly OutboxChannel[];
  emailAddress: string | null;
  webhookUrl: string | null;
  webhookSecret: string | null;
  timeZone: string | null;
}

const SORTS: Record<string, SortColumn> = { createdAt: { expr: 'o.created_at', type: 'timestamptz' } };

export class NotificationsRepository {
  /** Inserts unless the same (dedupe key, recipient, channel) is queued already; true when inserted. */
  async insert(q: Queryable, row: NewOutboxRow): Promise<boolean> {
    const { rows } = await q.query(
      `INSERT INTO notification_outbox (dedupe_key, event, ticket_id, visit_id, recipient, contact_id, technician_id, channel, address,
         language, subject, body, html, data, next_attempt_at, created_at, updated_at, attachment_ids)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $15, $16)
       ON CONFLICT (dedupe_key, recipient, channel) DO NOTHING RETURNING id`,
      [
        row.dedupeKey,
        row.event,
        row.ticketId,
        row.visitId,
        row.recipient,
        row.contactId,
        row.technicianId,
        row.channel,
        row.address,
        row.language,
        row.subject,
        row.body,
        row.html,
        JSON.stringify(row.data),
        row.at,
        row.attachmentIds ?? [],
      ],
    );
    return rows.length > 0;
  }

  /**
   * Claims up to `limit` due rows for one sender: pending rows due by `now`, and rows whose
   * sender's lease expired (it crashed or hung). `FOR UPDATE SKIP LOCKED` lets concurrent senders
   * claim disjoint rows; the claim counts as an attempt.
   */
  async claim(q: Queryable, input: { now: Date; leaseUntil: Date; token: string; limit: number }): Promise<OutboxRow[]> {
    const { rows } = await q.query<OutboxRow>(
      `UPDATE notification_outbox SET status = 'sending', attempts = attempts + 1, lease_until = $2, claim_token = $3, updated_at = $1
       WHERE id IN (
         SELECT id FROM notification_outbox
         WHERE (status = 'pending' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until <= $1)
         ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [input.now, input.leaseUntil, input.token, input.limit],
    );
    return rows;
  }

  /** Marks a claimed row sent; false when the claim was lost (lease expired and taken over). */
  async markSent(q: Queryable, id: string, token: string, at: Date): Promise<boolean> {
    const { rows } = await q.query(
      `UPDATE notification_outbox SET status = 'sent', sent_at = $3, updated_at = $3, lease_until = NULL, claim_token = NULL, last_error = NULL
       WHERE id = $1 AND claim_token = $2 AND status = 'sending' RETURNING id`,
      [id, token, at],
    );
    return rows.length > 0;
  }

  /** Records a failed attempt: back to pending at `retryAt`, or final (`failed` / `gave_up`) when retryAt is null. */
  async markFailed(
    q: Queryable,
    id: string,
    token: string,
    input: { at: Date; error: string; retryAt: Date | null; final: 'failed' | 'gave_up' },
  ): Promise<boolean> {
    const { rows } = await q.query(
      `UPDATE notification_outbox
       SET status = CASE WHEN $4::timestamptz IS NULL THEN $5::text ELSE 'pending' END,
           next_attempt_at = COALESCE($4::timestamptz, next_attempt_at), last_error = $3, updated_at = $6, lease_until = NULL, claim_token = NULL
       WHERE id = $1 AND claim_token = $2 AND status = 'sending' RETURNING id`,
      [id, token, input.error.slice(0, 2000), input.retryAt, input.final, input.at],
    );
    return rows.length > 0;
  }

  async find(q: Queryable, id: string): Promise<OutboxRow | undefined> {
    const { rows } = await q.query<OutboxRow>('SELECT * FROM notification_outbox WHERE id = $1', [id]);
    return rows[0];
  }

  /** Puts a failed or gave_up row back in the queue with a fresh attempt budget; undefined when the row is in another state. */
  async requeue(q: Queryable, id: string, at: Date): Promise<OutboxRow | undefined> {
    const { rows } = await q.query<OutboxRow>(
      `UPDATE notification_outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, updated_at = $2
       WHERE id = $1 AND status IN ('failed', 'gave_up') RETURNING *`,
      [id, at],
    );
    return rows[0];
  }

  async list(q: Queryable, query: ListOutbox): Promise<Page<OutboxRow>> {
    const { params, where, add } = sqlFilter();
    add(query.ticketId, (n) => `o.ticket_id = $${n}`);
    add(query.status, (n) => `o.status = $${n}`);
    add(query.event, (n) => `o.event = $${n}`);
    add(query.channel, (n) => `o.channel = $${n}`);
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORTS, idExpr: 'o.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<OutboxRow & { sort_key: string }>(
      `SELECT o.*, ${page.sortKeySelect} FROM notification_outbox o ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }

  // ---- Contact preferences ------------------------------------------------------------------

  async findPreferences(q: Queryable, contactId: string, options: { lock?: boolean } = {}): Promise<PreferencesRow | undefined> {
    const { rows } = await q.query<PreferencesRow>(`SELECT * FROM contact_notification_preferences WHERE contact_id = $1${options.lock ? ' FOR UPDATE' : ''}`, [
      contactId,
    ]);
    return rows[0];
  }

  async upsertPreferences(q: Queryable, contactId: string, input: PreferencesInput): Promise<PreferencesRow> {
    const { rows } = await q.query<PreferencesRow>(
      `INSERT INTO contact_notification_preferences (contact_id, enabled, events, channels, email_address, webhook_url, webhook_secret, time_zone)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (contact_id) DO UPDATE SET enabled = EXCLUDED.enabled, events = EXCLUDED.events, channels = EXCLUDED.channels,
         email_address = EXCLUDED.email_address, webhook_url = EXCLUDED.webhook_url, webhook_secret = EXCLUDED.webhook_secret,
         time_zone = EXCLUDED.time_zone, updated_at = now(), version = contact_notification_preferences.version + 1
       RETURNING *`,
      [contactId, input.enabled, input.events, input.channels, input.emailAddress, input.webhookUrl, input.webhookSecret, input.timeZone],
    );
    return rows[0]!;
  }

  /** The webhook secret of a contact (read at send time, so a rotated secret applies to queued messages). */
  async contactWebhookSecret(q: Queryable, contactId: string): Promise<string | undefined> {
    const { rows } = await q.query<{ webhook_secret: string | null }>('SELECT webhook_secret FROM contact_notification_preferences WHERE contact_id = $1', [
      contactId,
    ]);
    return rows[0]?.webhook_secret ?? undefined;
  }
}
