import type { Migration } from '../platform/db/migration.types.js';

/** Schema of the closing and invoicing work. */
export const invoicingMigration: Migration = {
  id: '0010_invoicing',
  sql: `
    SELECT 1;
  `,
};
