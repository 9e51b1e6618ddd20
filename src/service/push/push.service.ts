/** A signed-in user's push subscriptions (one per browser endpoint) and the VAPID public key they subscribe with. */
import type { Caller } from '../../kernel/caller.js';
import type { Database } from '../../kernel/db/database.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { assertSendableUrl, type EgressPolicy } from '../../kernel/egress/egress-policy.js';
import { PushRepository, type SubscriptionRow } from './push.repository.js';
import type { SubscribeInput, Subscription } from './push.schemas.js';
import type { VapidKeyStore } from './vapid-keys.js';

export class PushService {
  private readonly repo = new PushRepository();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly keys: VapidKeyStore,
    private readonly egress: EgressPolicy,
  ) {}

  async publicKey(): Promise<string> {
    return (await this.keys.get()).publicKey;
  }

  /** Upserts by (user, endpoint); the endpoint must be a destination the egress policy lets us reach. */
  async subscribe(input: SubscribeInput, caller: Caller): Promise<{ subscription: Subscription; created: boolean }> {
    const userId = this.userOf(caller);
    assertSendableUrl(this.egress, input.endpoint, 'body.endpoint');
    const { row, created } = await this.repo.upsert(this.db, userId, input, this.clock.now());
    return { subscription: toSubscription(row), created };
  }

  async list(caller: Caller): Promise<Subscription[]> {
    return (await this.repo.listByUser(this.db, this.userOf(caller))).map(toSubscription);
  }

  async remove(id: string, caller: Caller): Promise<void> {
    if (!(await this.repo.delete(this.db, id, this.userOf(caller)))) throw notFound('push subscription', id);
  }

  private userOf(caller: Caller): string {
    if (caller.actor.type !== 'user' || !caller.userId)
      throw new AppError('FORBIDDEN', 'Push subscriptions belong to a signed-in user (not an API key or the admin token)');
    return caller.userId;
  }
}

function toSubscription(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    endpoint: row.endpoint,
    deviceLabel: row.device_label,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastSentAt: row.last_sent_at?.toISOString() ?? null,
  };
}
