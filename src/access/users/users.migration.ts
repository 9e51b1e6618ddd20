import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * People who sign in, integration keys, the audit trail and idempotency keys. Owned here (users
 * is the feature it is named after); it also creates tables of other parts:
 * - users (access/users);
 * - api_keys (access/auth);
 * - audit_log (access/audit);
 * - idempotency_keys (src/kernel/http/idempotency.ts).
 */
// The SQL keeps its original indentation: installed databases recorded this id, and the text must
// stay byte for byte what they ran (test/db/migrations-list.test.ts checks its hash).
export const usersMigration: Migration = {
  id: '0002_users_and_audit',
  sql: `
      -- People who sign in (staff and customer users) and integration keys. Technicians are
      -- users with role 'technician' and a technician profile (skills, territories) added by the
      -- dispatch work.
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'dispatcher', 'technician', 'agent', 'customer')),
        customer_id uuid REFERENCES customers(id),
        password_hash text,
        active boolean NOT NULL DEFAULT true,
        skills jsonb NOT NULL DEFAULT '[]',
        territories text[] NOT NULL DEFAULT '{}',
        phone text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        CHECK (role <> 'customer' OR customer_id IS NOT NULL)
      );
      CREATE UNIQUE INDEX users_email_idx ON users (lower(email));

      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        prefix text NOT NULL UNIQUE,
        key_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'dispatcher', 'technician', 'agent', 'customer')),
        customer_id uuid REFERENCES customers(id),
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );

      -- Who changed what and when, for tickets, contracts, customers and more.
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_type text NOT NULL,
        actor_id text NOT NULL,
        entity text NOT NULL,
        entity_id text NOT NULL,
        action text NOT NULL,
        changes jsonb NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id);

      -- A retried POST with the same Idempotency-Key returns the first result.
      CREATE TABLE idempotency_keys (
        key text NOT NULL,
        principal text NOT NULL,
        route text NOT NULL,
        request_hash text NOT NULL,
        status integer NOT NULL,
        response jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (principal, route, key)
      );
    `,
};
