import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * Alarms and auto-tickets. Owned here because most of it is the auto-ticket's (two tables and the
 * two ticket indexes it relies on); it creates:
 * - alarms (service/alarms);
 * - tickets_open_iot_fault_idx, tickets_closed_fault_idx on tickets, ticket_autofill and
 *   ticket_evidence (service/autotickets).
 */
// The SQL keeps its original indentation: installed databases recorded this id, and the text must
// stay byte for byte what they ran (test/db/migrations-list.test.ts checks its hash).
export const autoticketsMigration: Migration = {
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
};
