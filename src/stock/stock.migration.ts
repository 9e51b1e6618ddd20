import type { Migration } from '../platform/db/migration.types.js';

/** Schema of the parts and stock work. */
export const stockMigration: Migration = {
  id: '0007_stock',
  sql: `
    SELECT 1;
  `,
};
