/** Authentication schema: a token version per user, embedded in login tokens (see tokens.ts). */
import type { Migration } from '../../kernel/db/migration.types.js';

export const authMigration: Migration = {
  id: '0013_user_token_version',
  sql: `
    -- Login tokens carry the version current when they were issued; bumping it (password, role
    -- or customer change, deactivation, logout) makes every earlier token of the user invalid.
    ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 1;
  `,
};
