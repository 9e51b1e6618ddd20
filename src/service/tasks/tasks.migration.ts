import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * Follow-up tasks of the desk: a due time, an owner (any staff user), optional links to a
 * customer, contact and ticket, and one reminder (remind_at; reminded_at is set when it was sent,
 * so it is sent once). While the owner is absent (technician_absences, which holds every user's
 * absences) the open task and its reminder go to the absence's substitute.
 */
export const tasksMigration: Migration = {
  id: '0016_tasks',
  sql: `
    CREATE TABLE tasks (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      title text NOT NULL,
      note text,
      due_at timestamptz NOT NULL,
      remind_at timestamptz,
      owner_id uuid NOT NULL REFERENCES users(id),
      customer_id uuid REFERENCES customers(id),
      contact_id uuid REFERENCES contacts(id),
      ticket_id uuid REFERENCES tickets(id),
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
      closed_at timestamptz,
      -- The reminder that went out: when, and to whom (the owner or their substitute).
      reminded_at timestamptz,
      reminded_user_id uuid REFERENCES users(id),
      author_type text NOT NULL,
      author_id text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1
    );
    CREATE INDEX tasks_owner_idx ON tasks (owner_id, status, due_at);
    CREATE INDEX tasks_due_idx ON tasks (status, due_at, id);
    CREATE INDEX tasks_customer_idx ON tasks (customer_id, due_at) WHERE customer_id IS NOT NULL;
    CREATE INDEX tasks_ticket_idx ON tasks (ticket_id) WHERE ticket_id IS NOT NULL;
    -- The reminder job's scan: open tasks whose reminder is due and not sent.
    CREATE INDEX tasks_reminder_idx ON tasks (remind_at) WHERE status = 'open' AND reminded_at IS NULL;
    -- Who substitutes whom now: absences by substitute.
    CREATE INDEX technician_absences_substitute_idx ON technician_absences (substitute_id, starts_at) WHERE substitute_id IS NOT NULL;
  `,
};
