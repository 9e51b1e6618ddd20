import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * The service process: contracts, tickets and visits. Owned here because tickets are its hub
 * (tickets refer to contracts, visits to tickets) and their sequence, tables and indexes are the
 * largest share; it creates:
 * - contract_number_seq, service_contracts, contract_assets, prepaid_ledger (service/contracts);
 * - ticket_number_seq, tickets, ticket_status_history (service/tickets);
 * - visits, visit_labour, visit_parts (service/visits).
 */
// The SQL keeps its original indentation: installed databases recorded this id, and the text must
// stay byte for byte what they ran (test/db/migrations-list.test.ts checks its hash).
export const ticketsMigration: Migration = {
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
};
