import type { Migration } from '../platform/db/migration.types.js';

/** Schema of the preventive plans and opportunities work. */
export const preventiveMigration: Migration = {
  id: '0011_preventive_opportunities',
  sql: `
    SELECT 1;
  `,
};
