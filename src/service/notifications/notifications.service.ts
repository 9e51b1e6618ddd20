/**
 * Notification rules for the API: reading the outbox, putting a failed or given-up message back in
 * the queue (with a fresh attempt budget, audited), and each contact's notification preferences
 * (the e-mail address must be one of the contact's, the webhook channel needs a URL and a secret).
 */
import { recordAudit, type Actor } from '../../access/audit/audit.service.js';
import { UNSCOPED, type Scope } from '../../access/auth/principal.js';
import { ContactsRepository } from '../contacts/contacts.repository.js';
import type { Database } from '../../kernel/db/database.js';
import { conflict, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { invalidField } from '../../kernel/errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { SecretBox } from '../../kernel/secrets/secret-box.js';
import { CONTACT_WEBHOOK_SECRET } from '../../kernel/secrets/secrets-rewrap.js';
import { NotificationsRepository, type OutboxRow, type PreferencesRow } from './notifications.repository.js';
import type { ListNotifications, Notification, Preferences, PutPreferences } from './notifications.schemas.js';

export class NotificationsService {
  private readonly repo = new NotificationsRepository();
  private readonly contacts = new ContactsRepository();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
    /** Seals the contacts' webhook secrets at rest; default: the per-process key (tests). */
    private readonly secrets: SecretBox = SecretBox.ephemeral(),
  ) {}

  async list(query: ListNotifications): Promise<Page<Notification>> {
    const page = await this.repo.list(this.db, query);
    return { items: page.items.map(toNotification), nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<Notification> {
    const row = await this.repo.find(this.db, id);
    if (!row) throw notFound('notification', id);
    return toNotification(row);
  }

  /** failed / gave_up → pending, attempts reset; other states are a CONFLICT. */
  async retry(id: string, actor: Actor): Promise<Notification> {
    const row = await this.db.transaction(async (tx) => {
      const current = await this.repo.find(tx, id);
      if (!current) throw notFound('notification', id);
      const requeued = await this.repo.requeue(tx, id, this.clock.now());
      if (!requeued) throw conflict(`notification ${id} is ${current.status}; only failed or gave_up notifications can be retried`, { status: current.status });
      await recordAudit(tx, actor, { entity: 'notification', entityId: id, action: 'retry', changes: { status: { from: current.status, to: 'pending' } } });
      return requeued;
    });
    return toNotification(row);
  }

  async getPreferences(contactId: string, scope: Scope = UNSCOPED): Promise<Preferences> {
    const contact = await this.contacts.find(this.db, contactId);
    if (!contact || (scope.customerId !== undefined && contact.customer_id !== scope.customerId)) throw notFound('contact', contactId);
    return toPreferences(contactId, await this.repo.findPreferences(this.db, contactId), contact.is_primary);
  }

  async putPreferences(contactId: string, input: PutPreferences, actor: Actor, ifMatch?: '*' | number[]): Promise<Preferences> {
    const row = await this.db.transaction(async (tx) => {
      const contact = await this.contacts.find(tx, contactId, { lock: true });
      if (!contact) throw notFound('contact', contactId);
      const current = await this.repo.findPreferences(tx, contactId, { lock: true });
      checkVersion(ifMatch, current?.version ?? 0, `notification preferences of contact ${contactId}`);
      if (input.emailAddress && !contact.emails.some((e) => e.address.toLowerCase() === input.emailAddress!.toLowerCase())) {
        throw invalidField('body.emailAddress', "not one of the contact's e-mail addresses");
      }
      const secret = input.webhookSecret !== undefined ? this.secrets.seal(input.webhookSecret, CONTACT_WEBHOOK_SECRET) : (current?.webhook_secret ?? null);
      if (input.channels.includes('webhook')) {
        if (!input.webhookUrl) throw invalidField('body.webhookUrl', 'required with the webhook channel');
        if (!secret) throw invalidField('body.webhookSecret', 'required with the webhook channel');
      }
      const saved = await this.repo.upsertPreferences(tx, contactId, {
        enabled: input.enabled,
        events: input.events,
        channels: input.channels,
        emailAddress: input.emailAddress,
        webhookUrl: input.webhookUrl,
        webhookSecret: secret,
        timeZone: input.timeZone,
      });
      const { webhookSecret: _secret, ...audited } = input;
      await recordAudit(tx, actor, {
        entity: 'contact',
        entityId: contactId,
        action: 'notification_preferences',
        changes: { ...audited, webhookSecretChanged: input.webhookSecret !== undefined },
      });
      return saved;
    });
    return toPreferences(contactId, row, true);
  }
}

export function toNotification(row: OutboxRow): Notification {
  return {
    id: row.id,
    event: row.event,
    dedupeKey: row.dedupe_key,
    ticketId: row.ticket_id,
    visitId: row.visit_id,
    recipient: row.recipient,
    contactId: row.contact_id,
    technicianId: row.technician_id,
    channel: row.channel,
    address: row.address,
    language: row.language,
    subject: row.subject,
    // Account e-mails carry a live single-use link: staff reading the outbox must not be able to use it.
    body: row.event.startsWith('account.') ? '[withheld: contains a single-use sign-in link]' : row.body,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at.toISOString(),
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    sentAt: row.sent_at?.toISOString() ?? null,
  };
}

/** Without a stored row the defaults apply: only the primary contact is notified (by e-mail). */
function toPreferences(contactId: string, row: PreferencesRow | undefined, isPrimary: boolean): Preferences {
  if (!row) {
    return {
      contactId,
      explicit: false,
      enabled: isPrimary,
      events: [],
      channels: ['email'],
      emailAddress: null,
      webhookUrl: null,
      webhookSecretSet: false,
      timeZone: null,
      version: 0,
    };
  }
  return {
    contactId,
    explicit: true,
    enabled: row.enabled,
    events: row.events as Preferences['events'],
    channels: row.channels,
    emailAddress: row.email_address,
    webhookUrl: row.webhook_url,
    webhookSecretSet: row.webhook_secret !== null,
    timeZone: row.time_zone,
    version: row.version,
  };
}
