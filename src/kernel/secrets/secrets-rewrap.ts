/**
 * Brings every stored secret under the current key, at start: legacy clear values (written before
 * secrets were encrypted) and values sealed with a previous key (SECRETS_KEY_PREVIOUS) are
 * re-encrypted. Each row is updated only if it still holds the value read, so processes starting
 * together, or an API write in between, never lose a change. A value no known key opens is left
 * as it is and counted (its deliveries fail naming the key id until the key is configured).
 */
import type { Database } from '../db/database.js';
import type { SecretBox } from './secret-box.js';

/** Every column holding a signing secret; the purpose (AAD) is `<table>.<column>`. */
export const SECRET_COLUMNS = [
  { table: 'webhook_subscriptions', key: 'id', column: 'secret' },
  { table: 'report_schedules', key: 'id', column: 'webhook_secret' },
  { table: 'contact_notification_preferences', key: 'contact_id', column: 'webhook_secret' },
  { table: 'web_push_keys', key: 'id', column: 'private_key' },
] as const;

export const WEBHOOK_SECRET = 'webhook_subscriptions.secret';
export const REPORT_WEBHOOK_SECRET = 'report_schedules.webhook_secret';
export const CONTACT_WEBHOOK_SECRET = 'contact_notification_preferences.webhook_secret';
export const WEB_PUSH_PRIVATE_KEY = 'web_push_keys.private_key';

export interface RewrapResult {
  /** Values now sealed with the current key. */
  readonly rewrapped: number;
  /** Values no configured key opens. */
  readonly unreadable: number;
}

export async function rewrapSecrets(db: Database, box: SecretBox): Promise<RewrapResult> {
  let rewrapped = 0;
  let unreadable = 0;
  for (const { table, key, column } of SECRET_COLUMNS) {
    const purpose = `${table}.${column}`;
    const prefix = box.currentPrefix();
    const { rows } = await db.query<{ k: string; v: string }>(
      `SELECT ${key} AS k, ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL AND left(${column}, $1) <> $2`,
      [prefix.length, prefix],
    );
    for (const row of rows) {
      let plain: string;
      try {
        plain = box.open(row.v, purpose);
      } catch {
        unreadable++;
        continue;
      }
      const updated = await db.query(`UPDATE ${table} SET ${column} = $2 WHERE ${key} = $1 AND ${column} = $3`, [row.k, box.seal(plain, purpose), row.v]);
      rewrapped += updated.rowCount;
    }
  }
  return { rewrapped, unreadable };
}
