/**
 * Schema migrations, applied in order, each once, each in its own transaction. Append new
 * migrations at the end; never edit one that has shipped. Both drivers run the same SQL.
 */
import type { Database } from '../kernel/db/database.js';
import type { Migration } from '../kernel/db/migration.types.js';
import { stockMigration } from '../service/stock/stock.migration.js';
import { techniciansMigration } from '../service/technicians/technicians.migration.js';
import { notificationsMigration } from '../service/notifications/notifications.migration.js';
import { invoicingMigration } from '../service/invoicing/invoicing.migration.js';
import { preventiveMigration } from '../service/preventive/preventive.migration.js';
import { reportsMigration } from '../service/reports/reports.migration.js';
import { commandsMigration } from '../telemetry/commands/commands.migration.js';
import { authMigration } from '../access/auth/auth.migration.js';

export type { Migration };

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
  {
    id: '0003_service',
    sql: `
      -- Service contracts: validity, coverage, SLA per priority on a business-hours calendar,
      -- prepaid labour minutes (balance never negative) and the contract value (financial).
      CREATE SEQUENCE contract_number_seq;
      CREATE TABLE service_contracts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customers(id),
        number text NOT NULL UNIQUE DEFAULT ('CTR-' || lpad(nextval('contract_number_seq')::text, 6, '0')),
        name text NOT NULL,
        status text NOT NULL CHECK (status IN ('draft', 'active', 'suspended', 'expired', 'terminated')),
        starts_on date NOT NULL,
        ends_on date,
        labour_coverage_pct numeric(5,2) NOT NULL DEFAULT 0 CHECK (labour_coverage_pct BETWEEN 0 AND 100),
        parts_coverage_pct numeric(5,2) NOT NULL DEFAULT 0 CHECK (parts_coverage_pct BETWEEN 0 AND 100),
        travel_included boolean NOT NULL DEFAULT false,
        sla jsonb,
        calendar jsonb,
        prepaid_minutes_purchased integer NOT NULL DEFAULT 0 CHECK (prepaid_minutes_purchased >= 0),
        prepaid_minutes_balance integer NOT NULL DEFAULT 0 CHECK (prepaid_minutes_balance >= 0),
        value numeric(14,2),
        currency text NOT NULL DEFAULT 'EUR',
        notes text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        CHECK (ends_on IS NULL OR ends_on >= starts_on)
      );
      CREATE INDEX service_contracts_customer_idx ON service_contracts (customer_id, status, starts_on);
      CREATE INDEX service_contracts_created_idx ON service_contracts (created_at, id);

      CREATE TABLE contract_assets (
        contract_id uuid NOT NULL REFERENCES service_contracts(id) ON DELETE CASCADE,
        asset_id uuid NOT NULL REFERENCES assets(id),
        PRIMARY KEY (contract_id, asset_id)
      );
      CREATE INDEX contract_assets_asset_idx ON contract_assets (asset_id, contract_id);

      -- Every change of a prepaid balance, signed, with the balance after it.
      CREATE TABLE prepaid_ledger (
        id bigserial PRIMARY KEY,
        contract_id uuid NOT NULL REFERENCES service_contracts(id),
        at timestamptz NOT NULL,
        kind text NOT NULL CHECK (kind IN ('purchase', 'top_up', 'draw_down')),
        minutes integer NOT NULL,
        balance_after integer NOT NULL CHECK (balance_after >= 0),
        ticket_id uuid,
        visit_id uuid,
        labour_entry_id uuid,
        actor_type text NOT NULL,
        actor_id text NOT NULL,
        reason text
      );
      CREATE INDEX prepaid_ledger_contract_idx ON prepaid_ledger (contract_id, id);

      -- Tickets (service requests) with SLA due times and the on-hold pause of the resolution clock.
      CREATE SEQUENCE ticket_number_seq;
      CREATE TABLE tickets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        number text NOT NULL UNIQUE DEFAULT ('TCK-' || lpad(nextval('ticket_number_seq')::text, 6, '0')),
        channel text NOT NULL CHECK (channel IN ('phone', 'email', 'web', 'iot', 'agent')),
        type text NOT NULL,
        priority text NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'critical')),
        title text NOT NULL,
        description text,
        customer_id uuid NOT NULL REFERENCES customers(id),
        site_id uuid REFERENCES sites(id),
        asset_id uuid REFERENCES assets(id),
        contract_id uuid REFERENCES service_contracts(id),
        fault_code text,
        status text NOT NULL CHECK (status IN ('new', 'assigned', 'scheduled', 'en_route', 'in_progress', 'on_hold', 'resolved', 'closed', 'cancelled')),
        technician_id uuid REFERENCES users(id),
        sla_source text NOT NULL CHECK (sla_source IN ('contract', 'default')),
        response_due_at timestamptz NOT NULL,
        resolution_due_at timestamptz NOT NULL,
        responded_at timestamptz,
        resolved_at timestamptz,
        closed_at timestamptz,
        cancelled_at timestamptz,
        hold_reason text,
        sla_paused_at timestamptz,
        sla_paused_minutes double precision NOT NULL DEFAULT 0,
        status_changed_at timestamptz NOT NULL,
        created_by_type text NOT NULL,
        created_by_id text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL DEFAULT 1
      );
      CREATE INDEX tickets_created_idx ON tickets (created_at, id);
      CREATE INDEX tickets_status_idx ON tickets (status, created_at, id);
      CREATE INDEX tickets_customer_idx ON tickets (customer_id, created_at, id);
      CREATE INDEX tickets_asset_idx ON tickets (asset_id, created_at, id);
      CREATE INDEX tickets_technician_idx ON tickets (technician_id, created_at, id);
      CREATE INDEX tickets_resolution_due_idx ON tickets (resolution_due_at, id);

      -- Every status change (and the creation, from_status NULL): time in status is reportable.
      CREATE TABLE ticket_status_history (
        id bigserial PRIMARY KEY,
        ticket_id uuid NOT NULL REFERENCES tickets(id),
        from_status text,
        to_status text NOT NULL,
        at timestamptz NOT NULL,
        actor_type text NOT NULL,
        actor_id text NOT NULL,
        reason text,
        technician_id uuid
      );
      CREATE INDEX ticket_status_history_ticket_idx ON ticket_status_history (ticket_id, id);

      -- Visits (work orders) under a ticket, with labour and parts.
      CREATE TABLE visits (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        ticket_id uuid NOT NULL REFERENCES tickets(id),
        technician_id uuid NOT NULL REFERENCES users(id),
        status text NOT NULL CHECK (status IN ('planned', 'in_progress', 'completed', 'cancelled')),
        planned_start timestamptz NOT NULL,
        planned_end timestamptz NOT NULL,
        actual_start timestamptz,
        actual_end timestamptz,
        outcome text CHECK (outcome IN ('fixed', 'another_visit_needed', 'not_fixed')),
        notes text,
        acceptance_name text,
        acceptance_confirmation text,
        acceptance_signature text,
        accepted_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL DEFAULT 1,
        CHECK (planned_end > planned_start),
        CHECK (actual_end IS NULL OR (actual_start IS NOT NULL AND actual_end >= actual_start))
      );
      CREATE INDEX visits_ticket_idx ON visits (ticket_id, planned_start, id);
      CREATE INDEX visits_technician_idx ON visits (technician_id, planned_start);

      CREATE TABLE visit_labour (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        visit_id uuid NOT NULL REFERENCES visits(id),
        minutes integer NOT NULL CHECK (minutes > 0),
        skill text,
        overtime boolean NOT NULL DEFAULT false,
        description text,
        prepaid_minutes integer NOT NULL DEFAULT 0,
        recorded_at timestamptz NOT NULL,
        actor_type text NOT NULL,
        actor_id text NOT NULL
      );
      CREATE INDEX visit_labour_visit_idx ON visit_labour (visit_id, recorded_at);

      CREATE TABLE visit_parts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        visit_id uuid NOT NULL REFERENCES visits(id),
        sku text NOT NULL,
        description text,
        quantity numeric(12,3) NOT NULL CHECK (quantity > 0),
        unit_price numeric(12,2) CHECK (unit_price >= 0),
        recorded_at timestamptz NOT NULL,
        actor_type text NOT NULL,
        actor_id text NOT NULL
      );
      CREATE INDEX visit_parts_visit_idx ON visit_parts (visit_id, recorded_at);
    `,
  },
  {
    id: '0004_crm_people',
    sql: `
      -- Custom fields: an admin defines typed fields per entity; values live in a custom jsonb
      -- column of the entity, validated against the definitions by the application.
      CREATE TABLE custom_field_definitions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        entity text NOT NULL CHECK (entity IN ('customer', 'site', 'asset', 'contact', 'ticket')),
        key text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
        label text NOT NULL,
        type text NOT NULL CHECK (type IN ('text', 'number', 'boolean', 'date', 'enum')),
        options jsonb NOT NULL DEFAULT '[]',
        required boolean NOT NULL DEFAULT false,
        filterable boolean NOT NULL DEFAULT false,
        description text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        UNIQUE (entity, key)
      );
      ALTER TABLE customers ADD COLUMN custom jsonb NOT NULL DEFAULT '{}';
      ALTER TABLE sites ADD COLUMN custom jsonb NOT NULL DEFAULT '{}';
      ALTER TABLE assets ADD COLUMN custom jsonb NOT NULL DEFAULT '{}';
      ALTER TABLE tickets ADD COLUMN custom jsonb NOT NULL DEFAULT '{}';
      -- Filtering by custom.<key>=value is a containment test (custom @> '{"key": value}').
      CREATE INDEX customers_custom_idx ON customers USING gin (custom jsonb_path_ops);
      CREATE INDEX assets_custom_idx ON assets USING gin (custom jsonb_path_ops);

      -- People at a customer, their channels and preferences; at most one primary per customer.
      CREATE TABLE contacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customers(id),
        name text NOT NULL,
        job_title text,
        emails jsonb NOT NULL DEFAULT '[]',
        phones jsonb NOT NULL DEFAULT '[]',
        preferred_channel text CHECK (preferred_channel IN ('email', 'phone', 'sms', 'whatsapp', 'post')),
        language text,
        opt_outs text[] NOT NULL DEFAULT '{}',
        is_primary boolean NOT NULL DEFAULT false,
        notes text,
        custom jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      );
      CREATE INDEX contacts_customer_idx ON contacts (customer_id, lower(name), id);
      CREATE INDEX contacts_name_idx ON contacts (lower(name), id);
      CREATE UNIQUE INDEX contacts_primary_idx ON contacts (customer_id) WHERE is_primary;

      -- Interaction history: calls, e-mails, meetings, notes. customer_id is always set (derived
      -- from the contact, asset or ticket when not given) so a customer's history is one index scan.
      CREATE TABLE activities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'note')),
        direction text NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
        subject text NOT NULL,
        body text,
        occurred_at timestamptz NOT NULL,
        duration_minutes integer CHECK (duration_minutes >= 0),
        customer_id uuid NOT NULL REFERENCES customers(id),
        contact_id uuid REFERENCES contacts(id),
        asset_id uuid REFERENCES assets(id),
        ticket_id uuid REFERENCES tickets(id),
        author_type text NOT NULL,
        author_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      );
      CREATE INDEX activities_customer_idx ON activities (customer_id, occurred_at, id);
      CREATE INDEX activities_contact_idx ON activities (contact_id, occurred_at, id) WHERE contact_id IS NOT NULL;
      CREATE INDEX activities_asset_idx ON activities (asset_id, occurred_at, id) WHERE asset_id IS NOT NULL;
      CREATE INDEX activities_ticket_idx ON activities (ticket_id, occurred_at, id) WHERE ticket_id IS NOT NULL;
      CREATE INDEX activities_occurred_idx ON activities (occurred_at, id);

      -- Knowledge base: articles per equipment model and fault code, with full-text search.
      -- search = title (weight A) + tags and fault codes (B) + body (C), kept by a trigger.
      CREATE TABLE knowledge_articles (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL,
        body text NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        model_ids text[] NOT NULL DEFAULT '{}',
        fault_codes text[] NOT NULL DEFAULT '{}',
        status text NOT NULL CHECK (status IN ('draft', 'published')),
        published_at timestamptz,
        author_type text NOT NULL,
        author_id text NOT NULL,
        search tsvector NOT NULL DEFAULT ''::tsvector,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      );
      CREATE FUNCTION knowledge_articles_search() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        NEW.search :=
          setweight(to_tsvector('english', NEW.title), 'A') ||
          setweight(to_tsvector('simple', array_to_string(NEW.tags || NEW.fault_codes, ' ')), 'B') ||
          setweight(to_tsvector('english', NEW.body), 'C');
        RETURN NEW;
      END
      $fn$;
      CREATE TRIGGER knowledge_articles_search_trg BEFORE INSERT OR UPDATE OF title, body, tags, fault_codes
        ON knowledge_articles FOR EACH ROW EXECUTE FUNCTION knowledge_articles_search();
      CREATE INDEX knowledge_articles_search_idx ON knowledge_articles USING gin (search);
      CREATE INDEX knowledge_articles_models_idx ON knowledge_articles USING gin (model_ids);
      CREATE INDEX knowledge_articles_faults_idx ON knowledge_articles USING gin (fault_codes);
      CREATE INDEX knowledge_articles_updated_idx ON knowledge_articles (updated_at, id);
    `,
  },
  {
    id: '0005_alarms',
    sql: `
      -- Alarms raised by detection, with their evidence and lifecycle active → acknowledged → cleared.
      -- At most one not-cleared alarm per asset and rule: later findings update it (upsert).
      CREATE TABLE alarms (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        asset_id uuid NOT NULL REFERENCES assets(id),
        device_id text,
        model_id text NOT NULL REFERENCES equipment_models(id),
        rule_id text NOT NULL,
        fault_code text,
        kind text NOT NULL,
        severity text,
        state text NOT NULL CHECK (state IN ('active', 'acknowledged', 'cleared')),
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        occurrences integer NOT NULL DEFAULT 1 CHECK (occurrences >= 1),
        -- { latest: evidence, history: [evidence + key, ...] newest last, bounded by the application }
        evidence jsonb NOT NULL,
        ticket_id uuid REFERENCES tickets(id),
        acknowledged_at timestamptz,
        acknowledged_by_type text,
        acknowledged_by_id text,
        cleared_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      );
      CREATE UNIQUE INDEX alarms_open_rule_idx ON alarms (asset_id, rule_id) WHERE state <> 'cleared';
      CREATE INDEX alarms_asset_idx ON alarms (asset_id, first_seen_at, id);
      CREATE INDEX alarms_state_idx ON alarms (state, first_seen_at, id);
      CREATE INDEX alarms_fault_idx ON alarms (fault_code, first_seen_at, id);
      CREATE INDEX alarms_first_seen_idx ON alarms (first_seen_at, id);

      -- The auto-ticket guarantee: at most one open IoT ticket per asset and fault code, whatever
      -- the number of workers or retries (INSERT ... ON CONFLICT on this index).
      CREATE UNIQUE INDEX tickets_open_iot_fault_idx ON tickets (asset_id, fault_code)
        WHERE channel = 'iot' AND status NOT IN ('resolved', 'closed', 'cancelled');
      -- What resolved the same fault before (prefill of auto-tickets): closed tickets by fault code.
      CREATE INDEX tickets_closed_fault_idx ON tickets (fault_code, closed_at) WHERE status = 'closed';

      -- What the platform prefilled on an auto-ticket (diagnosis, parts, technician ranking...),
      -- and whether the condition cleared before dispatch.
      CREATE TABLE ticket_autofill (
        ticket_id uuid PRIMARY KEY REFERENCES tickets(id),
        alarm_id uuid REFERENCES alarms(id),
        rule_id text NOT NULL,
        kind text NOT NULL,
        predictive boolean NOT NULL,
        prefill jsonb NOT NULL,
        evidence_count integer NOT NULL DEFAULT 0,
        last_evidence_at timestamptz,
        condition_cleared_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );

      -- Evidence appended to an auto-ticket, one row per distinct finding (a replayed finding is a no-op).
      CREATE TABLE ticket_evidence (
        id bigserial PRIMARY KEY,
        ticket_id uuid NOT NULL REFERENCES tickets(id),
        alarm_id uuid REFERENCES alarms(id),
        finding_key text NOT NULL,
        rule_id text NOT NULL,
        kind text NOT NULL,
        at timestamptz NOT NULL,
        evidence jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (ticket_id, finding_key)
      );
      CREATE INDEX ticket_evidence_ticket_idx ON ticket_evidence (ticket_id, at, id);
    `,
  },
  {
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
  },
  // Field operations and reporting: each feature owns its migration file.
  stockMigration,
  techniciansMigration,
  notificationsMigration,
  invoicingMigration,
  preventiveMigration,
  reportsMigration,
  commandsMigration,
  authMigration,
];

const LOCK_KEY = 7_214_903_311; // advisory lock: one migrator at a time across processes

/** Applies pending migrations; returns the ids applied. */
export async function migrate(db: Database, list: readonly Migration[] = migrations): Promise<string[]> {
  // Under the lock too: two processes starting together (api, broker and worker of one
  // installation) would otherwise race on CREATE TABLE IF NOT EXISTS, which PostgreSQL does not
  // serialise — the loser fails on pg_type's unique index and that process does not start.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
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
