/** SQL of the invitation and password-reset tokens (stored as SHA-256 hashes). */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../kernel/db/database.js';

export type TokenPurpose = 'invitation' | 'password_reset';

/** A new random token (32 bytes, base64url) and the hash stored for it. */
export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class AccountTokensRepository {
  /** Stores a token for the user; the user's earlier unused tokens of the same purpose stop working. */
  async issue(q: Queryable, input: { userId: string; purpose: TokenPurpose; hash: string; expiresAt: Date; at: Date }): Promise<string> {
    await q.query('UPDATE account_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL', [input.userId, input.purpose, input.at]);
    const { rows } = await q.query<{ id: string }>(
      'INSERT INTO account_tokens (user_id, purpose, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [input.userId, input.purpose, input.hash, input.expiresAt, input.at],
    );
    return rows[0]!.id;
  }

  /**
   * Marks the token used and returns its user, in one statement: of two concurrent redemptions
   * only one gets a row. Unknown, used and expired tokens return undefined.
   */
  async redeem(q: Queryable, hash: string, purpose: TokenPurpose, at: Date): Promise<string | undefined> {
    const { rows } = await q.query<{ user_id: string }>(
      `UPDATE account_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING user_id`,
      [hash, purpose, at],
    );
    return rows[0]?.user_id;
  }

  /** Ends every unused token of the user (a new password makes pending resets pointless). */
  async revokeAll(q: Queryable, userId: string, at: Date): Promise<void> {
    await q.query('UPDATE account_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL', [userId, at]);
  }
}
