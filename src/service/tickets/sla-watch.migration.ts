import type { Migration } from '../../kernel/db/migration.types.js';

/** One row per SLA alert sent (ticket, target, due time, kind): the watch sends each once, whatever the number of workers. */
export const slaWatchMigration: Migration = {
  id: '0014_ticket_sla_alerts',
  sql: `
CREATE TABLE ticket_sla_alerts (
  ticket_id uuid NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  target text NOT NULL CHECK (target IN ('response', 'resolution')),
  due_at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('at_risk', 'breached')),
  sent_at timestamptz NOT NULL,
  PRIMARY KEY (ticket_id, target, due_at, kind)
);
`,
};
