import type { Migration } from '../../kernel/db/migration.types.js';

/** Webhook subscriptions and their delivery log (service/delivery, webhooks.*.ts). */
// The SQL keeps its original indentation: installed databases recorded this id, and the text must
// stay byte for byte what they ran (test/db/migrations-list.test.ts checks its hash).
export const deliveryMigration: Migration = {
  id: '0006_delivery',
  sql: `
      -- Webhook subscriptions. The secret is stored as given (not hashed): the platform must be able
      -- to sign every payload with it (HMAC-SHA256). It is never returned after creation; protect the
      -- database (and its backups) as you protect the API tokens.
      CREATE TABLE webhook_subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL,
        secret text NOT NULL,
        -- Event types delivered ('ticket.created', ...); empty = every event.
        events text[] NOT NULL DEFAULT '{}',
        active boolean NOT NULL DEFAULT true,
        description text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      );
      CREATE INDEX webhook_subscriptions_active_idx ON webhook_subscriptions (active);

      -- The delivery log: one row per attempt of one delivery (one event to one subscription).
      CREATE TABLE webhook_deliveries (
        id bigserial PRIMARY KEY,
        delivery_id text NOT NULL,
        subscription_id uuid NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        attempt integer NOT NULL CHECK (attempt >= 1),
        -- delivered (2xx) | failed (will be retried) | gave_up (last attempt failed)
        status text NOT NULL CHECK (status IN ('delivered', 'failed', 'gave_up')),
        response_code integer,
        error text,
        duration_ms integer NOT NULL,
        started_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, id);
      CREATE INDEX webhook_deliveries_delivery_idx ON webhook_deliveries (delivery_id, attempt);
    `,
};
