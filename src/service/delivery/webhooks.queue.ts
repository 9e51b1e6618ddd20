/**
 * The producer side of webhooks: each ticket event becomes ONE BullMQ job per matching active
 * subscription on the queue `webhooks` (job id `<eventId>.<subscriptionId>` = the delivery id, so
 * a repeated enqueue is ignored while the job exists). Retries: `attempts` with exponential
 * backoff, run by WebhooksWorker.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Database } from '../../kernel/db/database.js';
import type { TicketEvent, TicketEventSink } from './ticket-events.js';
import { WebhooksRepository } from './webhooks.repository.js';

export const WEBHOOK_QUEUE = 'webhooks';
export const webhookBullPrefix = (prefix: string): string => `${prefix}:bull`;

export interface WebhookJobData {
  readonly deliveryId: string;
  readonly subscriptionId: string;
  readonly event: TicketEvent;
}

export interface WebhookQueueOptions {
  readonly db: Database;
  /** A shared connection for the producer (not closed by close()). */
  readonly connection: Redis;
  /** REDIS_PREFIX; BullMQ keys are `${prefix}:bull:webhooks:...`. */
  readonly prefix: string;
  /** Attempts per delivery (first try included). Default 8. */
  readonly attempts?: number;
  /** First backoff delay in ms, doubled at every retry. Default 1000 (8 attempts ≈ 2 min in all). */
  readonly backoffMs?: number;
  /** Completed jobs kept. Default 1000. */
  readonly keepCompleted?: number;
  /** Failed jobs kept. Default 5000. */
  readonly keepFailed?: number;
  /** The queue's connection errors (BullMQ prints them to stderr when nobody listens). */
  readonly onError?: (error: Error) => void;
}

export class WebhookQueue implements TicketEventSink {
  private readonly queue: Queue<WebhookJobData>;
  private readonly repo = new WebhooksRepository();

  constructor(private readonly options: WebhookQueueOptions) {
    this.queue = new Queue<WebhookJobData>(WEBHOOK_QUEUE, { connection: options.connection, prefix: webhookBullPrefix(options.prefix) });
    this.queue.on('error', options.onError ?? (() => undefined));
  }

  /** Enqueues one delivery per matching subscription; resolves with their number. */
  async accept(event: TicketEvent): Promise<void> {
    await this.enqueue(event);
  }

  async enqueue(event: TicketEvent): Promise<number> {
    const subscriptions = await this.repo.matching(this.options.db, event.type);
    if (subscriptions.length === 0) return 0;
    await this.queue.addBulk(
      subscriptions.map((s) => {
        const deliveryId = `${event.id}.${s.id}`;
        return {
          name: event.type,
          data: { deliveryId, subscriptionId: s.id, event },
          opts: {
            jobId: deliveryId,
            attempts: this.options.attempts ?? 8,
            backoff: { type: 'exponential', delay: this.options.backoffMs ?? 1000 },
            removeOnComplete: this.options.keepCompleted ?? 1000,
            removeOnFail: this.options.keepFailed ?? 5000,
          },
        };
      }),
    );
    return subscriptions.length;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
