import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * The service report of each closed visit: which attachment holds its PDF. The report sweep
 * picks closures without a row; visits closed before this migration get a 'skipped' row, so an
 * upgrade does not mail a report for every past visit (GET /visits/{id}/report/pdf still makes one).
 */
export const documentsMigration: Migration = {
  id: '0016_documents',
  sql: `
    CREATE TABLE service_reports (
      visit_id uuid PRIMARY KEY REFERENCES visits(id) ON DELETE CASCADE,
      -- NULL: not generated (skipped, failed) or its attachment was deleted; the GET regenerates it.
      attachment_id uuid REFERENCES attachments(id) ON DELETE SET NULL,
      status text NOT NULL CHECK (status IN ('generated', 'failed', 'skipped')),
      error text,
      mailed_to text,
      updated_at timestamptz NOT NULL
    );
    INSERT INTO service_reports (visit_id, status, updated_at) SELECT visit_id, 'skipped', now() FROM visit_closures;
  `,
};
