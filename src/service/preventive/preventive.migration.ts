import type { Migration } from '../../kernel/db/migration.types.js';

/** Schema of the preventive plans and opportunities work. */
export const preventiveMigration: Migration = {
  id: '0011_preventive_opportunities',
  sql: `
    -- Preventive maintenance plans carried by a contract. Scope: one asset (asset_id), the
    -- contract's assets of one equipment model (model_id), or all the contract's assets (neither).
    -- "The contract's assets" = its covered assets, or every asset of the customer for a
    -- customer-level contract (one without covered assets). Due every interval_months and/or
    -- every interval_running_hours (from the running_hours telemetry counter), whichever first.
    CREATE TABLE maintenance_plans (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES service_contracts(id) ON DELETE CASCADE,
      asset_id uuid REFERENCES assets(id),
      model_id text REFERENCES equipment_models(id),
      name text NOT NULL,
      description text,
      checklist jsonb NOT NULL DEFAULT '[]',
      interval_months integer CHECK (interval_months BETWEEN 1 AND 120),
      interval_running_hours numeric(10,1) CHECK (interval_running_hours > 0),
      lead_days integer NOT NULL DEFAULT 14 CHECK (lead_days BETWEEN 0 AND 365),
      estimated_minutes integer NOT NULL DEFAULT 120 CHECK (estimated_minutes BETWEEN 1 AND 1440),
      required_skill text,
      priority text NOT NULL DEFAULT 'low' CHECK (priority IN ('low', 'medium', 'high', 'critical')),
      technician_id uuid REFERENCES users(id),
      -- [{ sku, description?, quantity, consumable, unitPrice? }]
      parts jsonb NOT NULL DEFAULT '[]',
      -- Anchor of the first occurrence; NULL = the contract's start.
      starts_on date,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1,
      CHECK (asset_id IS NULL OR model_id IS NULL),
      CHECK (interval_months IS NOT NULL OR interval_running_hours IS NOT NULL)
    );
    CREATE INDEX maintenance_plans_contract_idx ON maintenance_plans (contract_id, created_at, id);
    CREATE INDEX maintenance_plans_active_idx ON maintenance_plans (active, contract_id);

    -- One generated occurrence (ticket + planned visit) per plan, asset and due key. due_key is
    -- 'n<seq>' (the seq-th occurrence of the plan on the asset): the unique key makes generation
    -- idempotent across retries and concurrent workers (INSERT ... ON CONFLICT DO NOTHING).
    CREATE TABLE maintenance_occurrences (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      plan_id uuid NOT NULL REFERENCES maintenance_plans(id),
      asset_id uuid NOT NULL REFERENCES assets(id),
      seq integer NOT NULL CHECK (seq >= 1),
      due_key text NOT NULL,
      due_at timestamptz NOT NULL,
      basis text NOT NULL CHECK (basis IN ('calendar', 'running_hours')),
      running_hours numeric(12,2),
      daily_rate_hours numeric(8,3),
      ticket_id uuid REFERENCES tickets(id),
      visit_id uuid REFERENCES visits(id),
      created_at timestamptz NOT NULL,
      UNIQUE (plan_id, asset_id, due_key)
    );
    CREATE INDEX maintenance_occurrences_due_idx ON maintenance_occurrences (due_at, id);
    CREATE INDEX maintenance_occurrences_ticket_idx ON maintenance_occurrences (ticket_id);

    -- Sales opportunities raised by service: rule-generated (rule_key set, unique, so a rule run
    -- twice creates one) or entered by hand (rule_key NULL).
    CREATE TABLE opportunities (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      customer_id uuid NOT NULL REFERENCES customers(id),
      asset_id uuid REFERENCES assets(id),
      contract_id uuid REFERENCES service_contracts(id),
      kind text NOT NULL CHECK (kind IN ('contract_offer', 'replacement_offer', 'consumables_offer', 'other')),
      rule_key text UNIQUE,
      stage text NOT NULL DEFAULT 'new' CHECK (stage IN ('new', 'qualified', 'proposed', 'won', 'lost')),
      value numeric(14,2) CHECK (value >= 0),
      currency text NOT NULL DEFAULT 'EUR',
      title text NOT NULL,
      reason text,
      owner_id uuid REFERENCES users(id),
      expected_close_on date,
      lost_reason text,
      stage_changed_at timestamptz NOT NULL,
      closed_at timestamptz,
      created_by_type text NOT NULL,
      created_by_id text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1
    );
    CREATE INDEX opportunities_customer_idx ON opportunities (customer_id, stage, created_at, id);
    CREATE INDEX opportunities_created_idx ON opportunities (created_at, id);
    CREATE INDEX opportunities_stage_idx ON opportunities (stage, created_at, id);
  `,
};
