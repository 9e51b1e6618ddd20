import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * Schema of the reports work: scheduled reports and their runs. The reports themselves read the
 * service tables (tickets, visits, alarms, ...) and add no table of their own.
 *
 * A run is claimed by inserting the row for (schedule_id, period_key): the unique key makes the
 * claim exclusive across worker processes, so a schedule is delivered once per period.
 */
export const reportsMigration: Migration = {
  id: '0012_reports',
  sql: `
    CREATE TABLE report_schedules (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      report text NOT NULL,
      -- Report filters (customerId, modelId, groupBy...) and lookbackDays; validated by the application.
      params jsonb NOT NULL DEFAULT '{}',
      format text NOT NULL CHECK (format IN ('csv', 'json')),
      -- { kind: 'every_hours', hours } | { kind: 'daily', at: 'HH:MM', timezone } | { kind: 'weekly', weekday, at, timezone }
      cadence jsonb NOT NULL,
      email_to text[] NOT NULL DEFAULT '{}',
      webhook_url text,
      -- HMAC-SHA256 secret for the webhook signature; stored as given (it must sign), never returned after creation.
      webhook_secret text,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1,
      CHECK (cardinality(email_to) > 0 OR webhook_url IS NOT NULL),
      CHECK (webhook_url IS NULL OR webhook_secret IS NOT NULL)
    );
    CREATE INDEX report_schedules_active_idx ON report_schedules (active, created_at, id);

    CREATE TABLE report_runs (
      id bigserial PRIMARY KEY,
      schedule_id uuid NOT NULL REFERENCES report_schedules(id) ON DELETE CASCADE,
      period_key text NOT NULL,
      -- The occurrence this run is for: the report covers [scheduled_for - lookbackDays, scheduled_for).
      scheduled_for timestamptz NOT NULL,
      -- running (claimed, lease_until) | delivered | failed (retried at next_attempt_at) | gave_up
      status text NOT NULL CHECK (status IN ('running', 'delivered', 'failed', 'gave_up')),
      attempts integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
      lease_until timestamptz,
      next_attempt_at timestamptz,
      email_delivered_at timestamptz,
      webhook_delivered_at timestamptz,
      row_count integer,
      last_error text,
      started_at timestamptz NOT NULL,
      finished_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (schedule_id, period_key)
    );
    CREATE INDEX report_runs_schedule_idx ON report_runs (schedule_id, id);
    CREATE INDEX report_runs_pending_idx ON report_runs (status, next_attempt_at) WHERE status IN ('running', 'failed');
  `,
};
