import type { Migration } from '../platform/db/migration.types.js';

/** Schema of the customer notifications work. */
export const notificationsMigration: Migration = {
  id: '0009_notifications',
  sql: `
    SELECT 1;
  `,
};
