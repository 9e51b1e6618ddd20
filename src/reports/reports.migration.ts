import type { Migration } from '../platform/db/migration.types.js';

/** Schema of the reports work. */
export const reportsMigration: Migration = {
  id: '0012_reports',
  sql: `
    SELECT 1;
  `,
};
