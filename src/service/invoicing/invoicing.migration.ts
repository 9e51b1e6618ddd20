import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * Schema of the closing and invoicing work: visit closures (outcome, first-time fix with its
 * override, resolution notes, the knowledge-base proposal), labour rates, invoices with their
 * lines, and the gap-free invoice number counter per year.
 */
export const invoicingMigration: Migration = {
  id: '0010_invoicing',
  sql: `
    -- One row per closed visit. first_time_fix is what counts (computed, or overridden with a
    -- reason); first_time_fix_computed keeps the rule's answer for reports and audits.
    CREATE TABLE visit_closures (
      visit_id uuid PRIMARY KEY REFERENCES visits(id),
      ticket_id uuid NOT NULL REFERENCES tickets(id),
      outcome text NOT NULL CHECK (outcome IN ('fixed', 'another_visit_needed', 'not_fixed')),
      first_time_fix boolean NOT NULL,
      first_time_fix_computed boolean NOT NULL,
      first_time_fix_reason text,
      resolution_notes text NOT NULL,
      acceptance_kind text NOT NULL CHECK (acceptance_kind IN ('signature', 'confirmation')),
      knowledge_article_id uuid REFERENCES knowledge_articles(id),
      closed_at timestamptz NOT NULL,
      closed_by_type text NOT NULL,
      closed_by_id text NOT NULL,
      CHECK (first_time_fix = first_time_fix_computed OR first_time_fix_reason IS NOT NULL),
      CHECK (NOT first_time_fix OR outcome = 'fixed')
    );
    CREATE INDEX visit_closures_ticket_idx ON visit_closures (ticket_id, closed_at);
    CREATE INDEX visit_closures_closed_idx ON visit_closures (closed_at, visit_id);

    -- Hourly labour rate per skill; '*' is the default for any other skill (and labour without one).
    CREATE TABLE labour_rates (
      skill text PRIMARY KEY CHECK (length(skill) BETWEEN 1 AND 64),
      hourly_rate numeric(12,2) NOT NULL CHECK (hourly_rate >= 0),
      overtime_multiplier numeric(4,2) NOT NULL DEFAULT 1.5 CHECK (overtime_multiplier >= 1),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1
    );
    INSERT INTO labour_rates (skill, hourly_rate, overtime_multiplier) VALUES ('*', 85.00, 1.50);

    -- Invoice numbers are taken at issue from this counter (row-locked): gap-free per year, since
    -- a rolled-back issue also rolls the counter back.
    CREATE TABLE invoice_number_counters (
      year integer PRIMARY KEY,
      last_number integer NOT NULL CHECK (last_number >= 1)
    );

    CREATE TABLE invoices (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      number text UNIQUE,
      ticket_id uuid NOT NULL REFERENCES tickets(id),
      customer_id uuid NOT NULL REFERENCES customers(id),
      contract_id uuid REFERENCES service_contracts(id),
      status text NOT NULL CHECK (status IN ('draft', 'issued', 'paid', 'void')),
      currency text NOT NULL,
      subtotal numeric(14,2) NOT NULL DEFAULT 0,
      covered_amount numeric(14,2) NOT NULL DEFAULT 0,
      total numeric(14,2) NOT NULL DEFAULT 0,
      cost_total numeric(14,2) NOT NULL DEFAULT 0,
      prepaid_minutes integer NOT NULL DEFAULT 0 CHECK (prepaid_minutes >= 0),
      warnings jsonb NOT NULL DEFAULT '[]',
      notes text,
      issued_at timestamptz,
      paid_at timestamptz,
      payment_reference text,
      voided_at timestamptz,
      void_reason text,
      created_by_type text NOT NULL,
      created_by_id text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1,
      CHECK (status NOT IN ('issued', 'paid') OR (number IS NOT NULL AND issued_at IS NOT NULL)),
      CHECK (status <> 'draft' OR number IS NULL),
      CHECK (status <> 'paid' OR paid_at IS NOT NULL),
      CHECK (status <> 'void' OR voided_at IS NOT NULL)
    );
    -- The same work is never invoiced twice: one non-void invoice per ticket.
    CREATE UNIQUE INDEX invoices_open_ticket_idx ON invoices (ticket_id) WHERE status <> 'void';
    CREATE INDEX invoices_created_idx ON invoices (created_at, id);
    CREATE INDEX invoices_issued_idx ON invoices (issued_at, id) WHERE issued_at IS NOT NULL;
    CREATE INDEX invoices_customer_idx ON invoices (customer_id, created_at, id);
    CREATE INDEX invoices_status_idx ON invoices (status, created_at, id);
    CREATE INDEX invoices_contract_idx ON invoices (contract_id, created_at) WHERE contract_id IS NOT NULL;

    -- Lines: charges (labour, overtime, parts, travel) are positive, coverage lines negative,
    -- prepaid lines zero. cost is what the line cost us (profitability), whatever it is charged.
    CREATE TABLE invoice_lines (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      invoice_id uuid NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
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
      visit_id uuid REFERENCES visits(id),
      labour_entry_id uuid REFERENCES visit_labour(id),
      part_entry_id uuid REFERENCES visit_parts(id),
      UNIQUE (invoice_id, position)
    );
    CREATE INDEX invoice_lines_visit_idx ON invoice_lines (visit_id) WHERE visit_id IS NOT NULL;
  `,
};
