import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * The first migration of the CRM: the tables every other one hangs off. Its tables belong to
 * several features; it lives here because each of them refers, directly or not, to customers:
 * - customers (service/customers);
 * - sites (service/sites);
 * - equipment_models (telemetry/models);
 * - assets (service/assets);
 * - devices (telemetry/devices).
 */
// The SQL keeps its original indentation: installed databases recorded this id, and the text must
// stay byte for byte what they ran (test/db/migrations-list.test.ts checks its hash).
export const customersMigration: Migration = {
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
};
