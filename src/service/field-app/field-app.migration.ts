import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * What the technician ticked on a visit's checklist. The items themselves come from the visit's
 * maintenance plan or its fault (computed on read), so a row exists only for an item touched;
 * its text is kept so an item later removed from the plan still shows what was done.
 */
export const fieldAppMigration: Migration = {
  id: '0016_visit_checklists',
  sql: `
    CREATE TABLE visit_checklist_items (
      visit_id uuid NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
      item_id text NOT NULL,
      text text NOT NULL,
      done boolean NOT NULL,
      note text,
      attachment_id uuid REFERENCES attachments(id) ON DELETE SET NULL,
      updated_at timestamptz NOT NULL,
      updated_by_type text NOT NULL,
      updated_by_id text NOT NULL,
      PRIMARY KEY (visit_id, item_id)
    );
  `,
};
