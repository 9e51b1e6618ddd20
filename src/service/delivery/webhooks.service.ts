/** Webhook subscriptions (admin): CRUD with validated URLs, and the delivery log. */
import { randomBytes } from 'node:crypto';
import type { Database } from '../../kernel/db/database.js';
import { notFound } from '../../kernel/errors.js';
import { SecretBox } from '../../kernel/secrets/secret-box.js';
import { WEBHOOK_SECRET } from '../../kernel/secrets/secrets-rewrap.js';
import { WebhooksRepository, type AttemptRow, type SubscriptionRow } from './webhooks.repository.js';
import type { CreateWebhook, DeliveryAttempt, UpdateWebhook, Webhook } from './webhooks.schemas.js';

export class WebhooksService {
  private readonly repo = new WebhooksRepository();

  constructor(
    private readonly db: Database,
    /** Seals the secrets at rest; default: the per-process key (tests). */
    private readonly secrets: SecretBox = SecretBox.ephemeral(),
  ) {}

  /** Returns the subscription with its secret (generated when not given): the only time it is shown. */
  async create(input: CreateWebhook): Promise<Webhook & { secret: string }> {
    const secret = input.secret ?? randomBytes(32).toString('hex');
    const row = await this.repo.insert(this.db, {
      url: input.url,
      secret: this.secrets.seal(secret, WEBHOOK_SECRET),
      events: [...new Set(input.events ?? [])],
      active: input.active ?? true,
      description: input.description ?? null,
    });
    return { ...toWebhook(row), secret };
  }

  async list(): Promise<Webhook[]> {
    return (await this.repo.list(this.db)).map(toWebhook);
  }

  async get(id: string): Promise<Webhook> {
    const row = await this.repo.find(this.db, id);
    if (!row) throw notFound('webhook', id);
    return toWebhook(row);
  }

  async update(id: string, patch: UpdateWebhook): Promise<Webhook> {
    const changes = {
      ...patch,
      ...(patch.events ? { events: [...new Set(patch.events)] } : {}),
      ...(patch.secret === undefined ? {} : { secret: this.secrets.seal(patch.secret, WEBHOOK_SECRET) }),
    };
    const row = Object.values(changes).every((v) => v === undefined) ? await this.repo.find(this.db, id) : await this.repo.update(this.db, id, changes);
    if (!row) throw notFound('webhook', id);
    return toWebhook(row);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.repo.delete(this.db, id))) throw notFound('webhook', id);
  }

  /** The delivery log of a subscription, one entry per attempt, newest first. */
  async deliveries(id: string, limit = 100): Promise<DeliveryAttempt[]> {
    await this.get(id);
    return (await this.repo.attempts(this.db, id, limit)).map(toAttempt);
  }
}

export function toWebhook(row: SubscriptionRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    active: row.active,
    description: row.description,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    version: row.version,
  };
}

function toAttempt(row: AttemptRow): DeliveryAttempt {
  return {
    id: Number(row.id),
    deliveryId: row.delivery_id,
    eventId: row.event_id,
    eventType: row.event_type,
    attempt: row.attempt,
    status: row.status,
    responseCode: row.response_code,
    error: row.error,
    durationMs: row.duration_ms,
    startedAt: row.started_at.toISOString(),
    createdAt: row.created_at.toISOString(),
  };
}
