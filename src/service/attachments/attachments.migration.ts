import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * Files attached to a ticket, a visit or an asset (exactly one parent). A row goes with its parent
 * (ON DELETE CASCADE); whichever way a row goes, the trigger queues its stored file in
 * attachment_purges and the sweep (attachments.service.ts) deletes it from the store. An upload
 * queues its key before it writes the file (due an hour later) and unqueues it in the transaction
 * that inserts the row, so a file whose row never committed is swept too.
 */
export const attachmentsMigration: Migration = {
  id: '0015_attachments',
  sql: `
    CREATE TABLE attachments (
      id uuid PRIMARY KEY,
      ticket_id uuid REFERENCES tickets(id) ON DELETE CASCADE,
      visit_id uuid REFERENCES visits(id) ON DELETE CASCADE,
      asset_id uuid REFERENCES assets(id) ON DELETE CASCADE,
      file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
      content_type text NOT NULL,
      size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      width integer CHECK (width > 0),
      height integer CHECK (height > 0),
      caption text CHECK (length(caption) <= 1000),
      storage_key text NOT NULL UNIQUE,
      uploaded_by_type text NOT NULL,
      uploaded_by_id text NOT NULL,
      created_at timestamptz NOT NULL,
      CHECK (num_nonnulls(ticket_id, visit_id, asset_id) = 1)
    );
    CREATE INDEX attachments_ticket_idx ON attachments (ticket_id, created_at) WHERE ticket_id IS NOT NULL;
    CREATE INDEX attachments_visit_idx ON attachments (visit_id, created_at) WHERE visit_id IS NOT NULL;
    CREATE INDEX attachments_asset_idx ON attachments (asset_id, created_at) WHERE asset_id IS NOT NULL;

    CREATE TABLE attachment_purges (
      storage_key text PRIMARY KEY,
      due_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX attachment_purges_due_idx ON attachment_purges (due_at);

    CREATE FUNCTION attachments_queue_purge() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      INSERT INTO attachment_purges (storage_key, due_at) VALUES (OLD.storage_key, now())
        ON CONFLICT (storage_key) DO UPDATE SET due_at = now();
      RETURN OLD;
    END
    $fn$;
    CREATE TRIGGER attachments_purge AFTER DELETE ON attachments FOR EACH ROW EXECUTE FUNCTION attachments_queue_purge();
  `,
};

/** Generated documents that print prices (quotes, invoices) are marked, so roles without prices never list or fetch them. */
export const attachmentsPricedMigration: Migration = {
  id: '0017_attachments_priced',
  sql: `ALTER TABLE attachments ADD COLUMN priced boolean NOT NULL DEFAULT false;`,
};
