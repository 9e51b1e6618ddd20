import type { Migration } from '../../kernel/db/migration.types.js';

/**
 * Customer admins and the single-use tokens of invitations and password resets. Only a SHA-256
 * hash of a token is stored: the plain token exists in the e-mail alone, so reading the table
 * does not let anyone set a password.
 */
export const accountsMigration: Migration = {
  id: '0016_portal_accounts',
  sql: `
    -- A customer user who invites and manages the other users of the same customer.
    ALTER TABLE users ADD COLUMN customer_admin boolean NOT NULL DEFAULT false;

    CREATE TABLE account_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id),
      purpose text NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
      token_hash text NOT NULL UNIQUE,
      expires_at timestamptz NOT NULL,
      -- Set when the token is redeemed, or when a later token of the same user replaces it.
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX account_tokens_user_idx ON account_tokens (user_id) WHERE used_at IS NULL;
  `,
};
