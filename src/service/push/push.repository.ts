/** SQL of the push subscriptions and the stored VAPID key pair. */
import type { Queryable } from '../../kernel/db/database.js';
import type { SubscribeInput } from './push.schemas.js';

export interface SubscriptionRow {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  device_label: string | null;
  created_at: Date;
  updated_at: Date;
  last_sent_at: Date | null;
}

export class PushRepository {
  /** Per user and endpoint: a browser subscribing again (new keys) replaces its row. */
  async upsert(q: Queryable, userId: string, input: SubscribeInput, at: Date): Promise<{ row: SubscriptionRow; created: boolean }> {
    const { rows } = await q.query<SubscriptionRow & { created: boolean }>(
      `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, device_label, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (user_id, endpoint) DO UPDATE SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth,
         device_label = coalesce(EXCLUDED.device_label, push_subscriptions.device_label), updated_at = EXCLUDED.updated_at
       RETURNING *, (xmax = 0) AS created`,
      [userId, input.endpoint, input.keys.p256dh, input.keys.auth, input.deviceLabel ?? null, at],
    );
    const { created, ...row } = rows[0]!;
    return { row, created };
  }

  async listByUser(q: Queryable, userId: string): Promise<SubscriptionRow[]> {
    const { rows } = await q.query<SubscriptionRow>('SELECT * FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at, id LIMIT 100', [userId]);
    return rows;
  }

  async find(q: Queryable, id: string): Promise<SubscriptionRow | undefined> {
    const { rows } = await q.query<SubscriptionRow>('SELECT * FROM push_subscriptions WHERE id = $1', [id]);
    return rows[0];
  }

  async delete(q: Queryable, id: string, userId?: string): Promise<boolean> {
    const { rowCount } = await q.query(`DELETE FROM push_subscriptions WHERE id = $1${userId ? ' AND user_id = $2' : ''}`, userId ? [id, userId] : [id]);
    return rowCount > 0;
  }

  async markSent(q: Queryable, id: string, at: Date): Promise<void> {
    await q.query('UPDATE push_subscriptions SET last_sent_at = $2 WHERE id = $1', [id, at]);
  }

  async storedKeys(q: Queryable): Promise<{ public_key: string; private_key: string } | undefined> {
    const { rows } = await q.query<{ public_key: string; private_key: string }>("SELECT public_key, private_key FROM web_push_keys WHERE id = 'vapid'");
    return rows[0];
  }

  /** Keeps the first pair stored (processes starting together agree on one). */
  async storeKeys(q: Queryable, publicKey: string, sealedPrivateKey: string): Promise<void> {
    await q.query("INSERT INTO web_push_keys (id, public_key, private_key) VALUES ('vapid', $1, $2) ON CONFLICT (id) DO NOTHING", [
      publicKey,
      sealedPrivateKey,
    ]);
  }
}
