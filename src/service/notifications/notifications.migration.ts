import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * Schema of the customer (and technician) notifications: per-contact preferences and the outbox.
 * Messages are rendered when queued (inside the transaction of the change that caused them) and
 * sent later by the outbox sender, so a message says what was true when it was queued.
 */
export const notificationsMigration: Migration = {
  id: '0009_notifications',
  sql: `
    -- Which contacts want which notifications, through which channels. A contact without a row
    -- gets the default: the customer's primary contact receives every event by e-mail (unless it
    -- opted out of e-mail). A row with enabled = false silences the contact.
    CREATE TABLE contact_notification_preferences (
      contact_id uuid PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
      enabled boolean NOT NULL DEFAULT true,
      -- Events wanted ('ticket.received', ...); empty = every event.
      events text[] NOT NULL DEFAULT '{}',
      channels text[] NOT NULL DEFAULT '{email}' CHECK (channels <@ ARRAY['email', 'webhook']::text[]),
      -- Which of the contact's addresses; NULL = the first of contacts.emails.
      email_address text,
      webhook_url text,
      -- Signs the webhook body (HMAC-SHA256), stored as given: it must be usable to sign.
      webhook_secret text,
      -- IANA zone for dates in the messages; NULL = the notifier's default zone.
      time_zone text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1,
      CHECK (NOT ('webhook' = ANY (channels)) OR (webhook_url IS NOT NULL AND webhook_secret IS NOT NULL))
    );

    -- The outbox. One row per message (event x recipient x channel). The same event for the same
    -- recipient and channel is queued once: UNIQUE (dedupe_key, recipient, channel), where
    -- recipient is 'contact:<id>' or 'technician:<id>' (contact_id is NULL for technicians, and
    -- NULLs never collide in a UNIQUE constraint).
    -- status: pending (due at next_attempt_at; also after a transient failure) | sending (claimed by
    -- a sender until lease_until; an expired lease is claimed again) | sent | failed (permanent
    -- error, not retried) | gave_up (max_attempts transient failures). attempts counts claims.
    CREATE TABLE notification_outbox (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      dedupe_key text NOT NULL,
      event text NOT NULL,
      ticket_id uuid REFERENCES tickets(id),
      visit_id uuid REFERENCES visits(id),
      recipient text NOT NULL,
      contact_id uuid REFERENCES contacts(id) ON DELETE SET NULL,
      technician_id uuid REFERENCES users(id),
      channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
      address text NOT NULL,
      language text NOT NULL,
      subject text NOT NULL,
      body text NOT NULL,
      html text,
      -- Structured values of the message (the webhook JSON carries them).
      data jsonb NOT NULL DEFAULT '{}',
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'gave_up')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL,
      lease_until timestamptz,
      claim_token uuid,
      last_error text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      sent_at timestamptz,
      UNIQUE (dedupe_key, recipient, channel)
    );
    CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX notification_outbox_lease_idx ON notification_outbox (lease_until) WHERE status = 'sending';
    CREATE INDEX notification_outbox_ticket_idx ON notification_outbox (ticket_id, created_at, id);
    CREATE INDEX notification_outbox_created_idx ON notification_outbox (created_at, id);
    CREATE INDEX notification_outbox_status_idx ON notification_outbox (status, created_at, id);
  `,
};
