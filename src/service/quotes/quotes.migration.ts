import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * Quotes for tickets: the priced lines (the same kinds as invoice lines), the estimate they were
 * priced from, validity, the customer's decision (who, when, on whose behalf, channel) and the
 * status history. `expired` is not stored: a sent quote past valid_until reads as expired.
 */
export const quotesMigration: Migration = {
  id: '0016_quotes',
  sql: `
    CREATE SEQUENCE quote_number_seq;
    CREATE TABLE quotes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      number text NOT NULL UNIQUE,
      ticket_id uuid NOT NULL REFERENCES tickets(id),
      customer_id uuid NOT NULL REFERENCES customers(id),
      contract_id uuid REFERENCES service_contracts(id),
      status text NOT NULL CHECK (status IN ('draft', 'sent', 'accepted', 'declined', 'withdrawn')),
      currency text NOT NULL,
      -- What the lines were priced from (labour hours and skill, parts and quantities, travel).
      estimate jsonb NOT NULL DEFAULT '[]',
      subtotal numeric(14,2) NOT NULL DEFAULT 0,
      covered_amount numeric(14,2) NOT NULL DEFAULT 0,
      total numeric(14,2) NOT NULL DEFAULT 0,
      cost_total numeric(14,2) NOT NULL DEFAULT 0,
      warnings jsonb NOT NULL DEFAULT '[]',
      valid_until date NOT NULL,
      note text,
      sent_at timestamptz,
      -- Sending held the ticket (on_hold, awaiting_quote): acceptance lets it proceed.
      ticket_held boolean NOT NULL DEFAULT false,
      decided_at timestamptz,
      decided_by_type text,
      decided_by_id text,
      decision_channel text CHECK (decision_channel IN ('portal', 'phone')),
      on_behalf_of text,
      decision_reason text,
      withdrawn_at timestamptz,
      created_by_type text NOT NULL,
      created_by_id text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1,
      CHECK (status = 'draft' OR sent_at IS NOT NULL OR status = 'withdrawn'),
      CHECK (status NOT IN ('accepted', 'declined') OR (decided_at IS NOT NULL AND decision_channel IS NOT NULL))
    );
    -- One accepted quote per ticket: the basis of its invoice.
    CREATE UNIQUE INDEX quotes_accepted_ticket_idx ON quotes (ticket_id) WHERE status = 'accepted';
    CREATE INDEX quotes_ticket_idx ON quotes (ticket_id, created_at, id);
    CREATE INDEX quotes_customer_idx ON quotes (customer_id, created_at, id);
    CREATE INDEX quotes_status_idx ON quotes (status, valid_until, created_at, id);
    CREATE INDEX quotes_created_idx ON quotes (created_at, id);

    CREATE TABLE quote_lines (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      quote_id uuid NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
      position integer NOT NULL,
      kind text NOT NULL CHECK (kind IN ('labour', 'overtime', 'parts', 'travel', 'prepaid', 'coverage')),
      description text NOT NULL,
      quantity numeric(12,3) NOT NULL,
      unit_price numeric(12,2) NOT NULL,
      amount numeric(14,2) NOT NULL,
      cost numeric(14,2) NOT NULL DEFAULT 0,
      minutes integer,
      sku text,
      skill text,
      UNIQUE (quote_id, position)
    );

    CREATE TABLE quote_status_history (
      id bigserial PRIMARY KEY,
      quote_id uuid NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
      from_status text,
      to_status text NOT NULL,
      at timestamptz NOT NULL,
      actor_type text NOT NULL,
      actor_id text NOT NULL,
      reason text,
      channel text,
      on_behalf_of text
    );
    CREATE INDEX quote_status_history_quote_idx ON quote_status_history (quote_id, id);
  `,
};
