import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * Web Push: the browsers' subscriptions per user and device, the VAPID key pair generated when
 * none is configured (private key sealed with the secrets key: web_push_keys.private_key), and
 * the outbox's 'webpush' channel (one row per message and subscription; address = subscription id).
 */
export const pushMigration: Migration = {
  id: '0016_web_push',
  sql: `
    CREATE TABLE push_subscriptions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      endpoint text NOT NULL CHECK (length(endpoint) BETWEEN 1 AND 2000),
      p256dh text NOT NULL,
      auth text NOT NULL,
      device_label text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      last_sent_at timestamptz,
      UNIQUE (user_id, endpoint)
    );

    CREATE TABLE web_push_keys (
      id text PRIMARY KEY CHECK (id = 'vapid'),
      public_key text NOT NULL,
      private_key text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_channel_check;
    ALTER TABLE notification_outbox ADD CONSTRAINT notification_outbox_channel_check CHECK (channel IN ('email', 'webhook', 'webpush'));
  `,
};
