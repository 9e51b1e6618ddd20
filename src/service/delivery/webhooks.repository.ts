/** SQL for webhook subscriptions and the delivery log (migration 0006_delivery). */
import type { Queryable } from '../../kernel/db/database.js';

export interface SubscriptionRow {
  id: string;
  url: string;
  secret: string;
  events: string[];
  active: boolean;
  description: string | null;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export interface AttemptRow {
  id: string | number;
  delivery_id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  status: 'delivered' | 'failed' | 'gave_up';
  response_code: number | null;
  error: string | null;
  duration_ms: number;
  started_at: Date;
  created_at: Date;
}

export interface NewAttempt {
  deliveryId: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  attempt: number;
  status: AttemptRow['status'];
  responseCode: number | null;
  error: string | null;
  durationMs: number;
  startedAt: Date;
}

export class WebhooksRepository {
  async insert(q: Queryable, row: { url: string; secret: string; events: string[]; active: boolean; description: string | null }): Promise<SubscriptionRow> {
    const { rows } = await q.query<SubscriptionRow>(
      'INSERT INTO webhook_subscriptions (url, secret, events, active, description) VALUES ($1, $2, $3, $4, $5) RETURNING *',
      [row.url, row.secret, row.events, row.active, row.description],
    );
    return rows[0]!;
  }

  async find(q: Queryable, id: string): Promise<SubscriptionRow | undefined> {
    const { rows } = await q.query<SubscriptionRow>('SELECT * FROM webhook_subscriptions WHERE id = $1', [id]);
    return rows[0];
  }

  async list(q: Queryable): Promise<SubscriptionRow[]> {
    const { rows } = await q.query<SubscriptionRow>('SELECT * FROM webhook_subscriptions ORDER BY created_at, id');
    return rows;
  }

  /** Active subscriptions that want this event type (an empty filter wants everything). */
  async matching(q: Queryable, eventType: string): Promise<SubscriptionRow[]> {
    const { rows } = await q.query<SubscriptionRow>("SELECT * FROM webhook_subscriptions WHERE active AND (events = '{}' OR $1 = ANY(events)) ORDER BY id", [
      eventType,
    ]);
    return rows;
  }

  async update(
    q: Queryable,
    id: string,
    changes: Partial<Pick<SubscriptionRow, 'url' | 'secret' | 'events' | 'active' | 'description'>>,
  ): Promise<SubscriptionRow | undefined> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
    const sets = entries.map(([k], i) => `${k} = $${i + 2}`);
    const { rows } = await q.query<SubscriptionRow>(
      `UPDATE webhook_subscriptions SET ${[...sets, 'updated_at = now()', 'version = version + 1'].join(', ')} WHERE id = $1 RETURNING *`,
      [id, ...entries.map(([, v]) => v)],
    );
    return rows[0];
  }

  async delete(q: Queryable, id: string): Promise<boolean> {
    const { rows } = await q.query('DELETE FROM webhook_subscriptions WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  async addAttempt(q: Queryable, a: NewAttempt): Promise<void> {
    await q.query(
      `INSERT INTO webhook_deliveries (delivery_id, subscription_id, event_id, event_type, attempt, status, response_code, error, duration_ms, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [a.deliveryId, a.subscriptionId, a.eventId, a.eventType, a.attempt, a.status, a.responseCode, a.error, a.durationMs, a.startedAt],
    );
  }

  /** Newest first. */
  async attempts(q: Queryable, subscriptionId: string, limit: number): Promise<AttemptRow[]> {
    const { rows } = await q.query<AttemptRow>('SELECT * FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY id DESC LIMIT $2', [
      subscriptionId,
      limit,
    ]);
    return rows;
  }
}
