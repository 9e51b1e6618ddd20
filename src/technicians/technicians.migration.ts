import type { Migration } from '../platform/db/migration.types.js';

/** Schema of the technicians and dispatch work. */
export const techniciansMigration: Migration = {
  id: '0008_technicians',
  sql: `
    SELECT 1;
  `,
};
