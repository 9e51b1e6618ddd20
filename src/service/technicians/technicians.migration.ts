import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * Technicians and dispatch: technician profiles (skill levels, home base, working hours, current
 * location, MQTT token), a bounded location history, absences with a named substitute, the
 * assignment history of visits, ETA columns on visits and the dispatch settings (auto-assign).
 */
export const techniciansMigration: Migration = {
  id: '0008_technicians',
  sql: `
    -- One row per technician who is scheduled by dispatch. users.skills stays the list of skill
    -- names (kept in sync by the application); skill_levels holds their level 1..5.
    CREATE TABLE technician_profiles (
      user_id uuid PRIMARY KEY REFERENCES users(id),
      skill_levels jsonb NOT NULL DEFAULT '{}',
      home_latitude double precision CHECK (home_latitude BETWEEN -90 AND 90),
      home_longitude double precision CHECK (home_longitude BETWEEN -180 AND 180),
      home_label text,
      timezone text NOT NULL DEFAULT 'UTC',
      -- { "mon": [["08:00","17:00"]], ... } local wall time; a missing or empty day is off.
      working_hours jsonb NOT NULL,
      hourly_cost numeric(12,2) CHECK (hourly_cost >= 0),
      -- Webhook the platform POSTs the technician's assignment messages to (push gateway).
      push_url text,
      current_latitude double precision CHECK (current_latitude BETWEEN -90 AND 90),
      current_longitude double precision CHECK (current_longitude BETWEEN -180 AND 180),
      current_accuracy_m double precision,
      location_at timestamptz,
      location_source text CHECK (location_source IN ('api', 'mqtt')),
      -- MQTT credentials of the technician's mobile app: SHA-256 of the token, shown once.
      mqtt_token_hash text,
      mqtt_token_issued_at timestamptz,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1,
      CHECK ((home_latitude IS NULL) = (home_longitude IS NULL)),
      CHECK ((current_latitude IS NULL) = (current_longitude IS NULL))
    );

    -- Recent positions per technician (trimmed by the application to the newest N).
    CREATE TABLE technician_locations (
      id bigserial PRIMARY KEY,
      technician_id uuid NOT NULL REFERENCES users(id),
      latitude double precision NOT NULL,
      longitude double precision NOT NULL,
      accuracy_m double precision,
      at timestamptz NOT NULL,
      source text NOT NULL CHECK (source IN ('api', 'mqtt')),
      received_at timestamptz NOT NULL
    );
    CREATE INDEX technician_locations_technician_idx ON technician_locations (technician_id, id);

    CREATE TABLE technician_absences (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      technician_id uuid NOT NULL REFERENCES users(id),
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      substitute_id uuid REFERENCES users(id),
      reason text,
      cancelled_at timestamptz,
      created_at timestamptz NOT NULL,
      actor_type text NOT NULL,
      actor_id text NOT NULL,
      CHECK (ends_at > starts_at),
      CHECK (substitute_id IS NULL OR substitute_id <> technician_id)
    );
    CREATE INDEX technician_absences_technician_idx ON technician_absences (technician_id, starts_at);

    -- Who a visit was given to, and by whom: the creation (from NULL) and every reassignment.
    CREATE TABLE visit_assignment_history (
      id bigserial PRIMARY KEY,
      visit_id uuid NOT NULL REFERENCES visits(id),
      from_technician_id uuid REFERENCES users(id),
      to_technician_id uuid NOT NULL REFERENCES users(id),
      at timestamptz NOT NULL,
      actor_type text NOT NULL,
      actor_id text NOT NULL,
      reason text
    );
    CREATE INDEX visit_assignment_history_visit_idx ON visit_assignment_history (visit_id, id);

    -- ETA: eta_at is the current estimate, eta_announced_at the last one told to the customer.
    ALTER TABLE visits ADD COLUMN eta_at timestamptz;
    ALTER TABLE visits ADD COLUMN eta_announced_at timestamptz;
    ALTER TABLE visits ADD COLUMN en_route_at timestamptz;
    ALTER TABLE visits ADD COLUMN travel_minutes integer CHECK (travel_minutes >= 0);
    CREATE INDEX visits_technician_active_idx ON visits (technician_id, planned_start) WHERE status IN ('planned', 'in_progress');

    -- Dispatch settings: a single row.
    CREATE TABLE dispatch_settings (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      auto_assign boolean NOT NULL DEFAULT false,
      -- Auto-assign only candidates whose slot meets the SLA due times.
      auto_assign_requires_sla boolean NOT NULL DEFAULT true,
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1
    );
    INSERT INTO dispatch_settings (id) VALUES (true);
  `,
};
