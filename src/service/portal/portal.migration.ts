import type { Migration } from '../../kernel/db/migration.types.js';

/** Requests raised in the customer portal arrive on their own channel. */
export const portalMigration: Migration = {
  id: '0016_ticket_portal_channel',
  sql: `
    ALTER TABLE tickets DROP CONSTRAINT tickets_channel_check;
    ALTER TABLE tickets ADD CONSTRAINT tickets_channel_check CHECK (channel IN ('phone', 'email', 'web', 'iot', 'agent', 'portal'));
  `,
};
