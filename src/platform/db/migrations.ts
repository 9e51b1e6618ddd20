/**
 * Schema migrations, applied in order, each once, each in its own transaction. Append new
 * migrations at the end; never edit one that has shipped. Both drivers run the same SQL.
 */
import type { Database } from './database.js';

export interface Migration {
  readonly id: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  {
    id: '0001_foundation',
    sql: `
      CREATE TABLE customers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        code text UNIQUE,
        email text,
        phone text,
        notes text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      );
      CREATE INDEX customers_name_idx ON customers (lower(name), id);

      CREATE TABLE sites (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customers(id),
        name text NOT NULL,
        address text,
        city text,
        country text,
        latitude double precision,
        longitude double precision,
        access_notes text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      );
      CREATE INDEX sites_customer_idx ON sites (customer_id, id);

      CREATE TABLE equipment_models (
        id text PRIMARY KEY,
        name text NOT NULL,
        manufacturer text,
        category text NOT NULL,
        definition jsonb NOT NULL,
        loaded_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE assets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id),
        model_id text NOT NULL REFERENCES equipment_models(id),
        serial_number text NOT NULL,
        name text,
        install_date date,
        warranty_end date,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        UNIQUE (model_id, serial_number)
      );
      CREATE INDEX assets_site_idx ON assets (site_id, id);

      CREATE TABLE devices (
        id text PRIMARY KEY,
        asset_id uuid NOT NULL REFERENCES assets(id),
        token_hash text NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'revoked')),
        online boolean NOT NULL DEFAULT false,
        last_seen_at timestamptz,
        connected_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        rotated_at timestamptz,
        revoked_at timestamptz
      );
      -- At most one active device per asset; revoked ones stay for history.
      CREATE UNIQUE INDEX devices_active_asset_idx ON devices (asset_id) WHERE status = 'active';
    `,
  },
  {
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
  },
];

const LOCK_KEY = 7_214_903_311; // advisory lock: one migrator at a time across processes

/** Applies pending migrations; returns the ids applied. */
export async function migrate(db: Database, list: readonly Migration[] = migrations): Promise<string[]> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied: string[] = [];
  for (const migration of list) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE id = $1', [migration.id]);
      if (seen.rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
      return true;
    });
    if (done) applied.push(migration.id);
  }
  return applied;
}
