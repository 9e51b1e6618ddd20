/**
 * The consumer side of webhooks: POSTs each delivery's event as JSON, signed with the
 * subscription's secret, and records every attempt in the delivery log. A 2xx answer is
 * delivered; anything else (non-2xx, redirect, timeout, connection error) throws so BullMQ
 * retries with the queue's backoff; the last failed attempt is logged as `gave_up`. A destination
 * the egress policy refuses (src/kernel/egress) is given up at once: retrying cannot help.
 * Headers: X-Telemend-Signature (sha256=<hex HMAC of the body>), X-Telemend-Event (type),
 * X-Telemend-Event-Id, X-Telemend-Delivery (stable across retries), X-Telemend-Attempt.
 */
import type { Redis } from 'ioredis';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { z } from 'zod';
import type { Database } from '../../kernel/db/database.js';
import type { Logger } from '../../kernel/logger.js';
import { closeRedis, connectRedis, type RedisConnector } from '../../kernel/redis.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WEBHOOK_QUEUE, webhookBullPrefix, type WebhookJobData } from './webhooks.queue.js';
import { signBody } from './webhook-signature.js';
import { EgressRefusedError, type EgressPort } from '../../kernel/egress/egress.js';
import { SecretBox } from '../../kernel/secrets/secret-box.js';
import { WEBHOOK_SECRET } from '../../kernel/secrets/secrets-rewrap.js';

export interface WebhooksWorkerOptions {
  readonly db: Database;
  /** The worker opens its own connection (BullMQ workers need maxRetriesPerRequest: null). */
  readonly redisUrl: string;
  /** Makes the Redis connection (the platform's outage-logging factory). Default: a plain client of redisUrl. */
  readonly connector?: RedisConnector;
  /** REDIS_PREFIX (same as the producers'). */
  readonly prefix: string;
  readonly logger: Logger;
  /** Every POST goes through it (the SSRF guard: EGRESS_ALLOW). */
  readonly egress: EgressPort;
  /** Opens the stored signing secrets; default: the per-process key (tests). */
  readonly secrets?: SecretBox;
  /** Deliveries in flight at once. Default 8. */
  readonly concurrency?: number;
  /** Time allowed for one POST, in ms. Default 10000. */
  readonly timeoutMs?: number;
}

const jobData = z.object({
  deliveryId: z.string().min(1),
  subscriptionId: z.string().min(1),
  event: z.looseObject({ id: z.string(), type: z.string() }),
});

export type DeliveryOutcome = 'delivered' | 'skipped';

export class WebhooksWorker {
  private readonly repo = new WebhooksRepository();
  private redis?: Redis;
  private worker?: Worker<WebhookJobData>;

  constructor(private readonly options: WebhooksWorkerOptions) {}

  async start(): Promise<void> {
    this.redis = connectRedis(this.options.connector, this.options.redisUrl, 'webhooks', { maxRetriesPerRequest: null }, this.options.logger);
    this.worker = new Worker<WebhookJobData>(WEBHOOK_QUEUE, (job) => this.process(job), {
      connection: this.redis,
      prefix: webhookBullPrefix(this.options.prefix),
      concurrency: this.options.concurrency ?? 8,
    });
    this.worker.on('error', (error) => {
      if (this.options.connector) this.options.connector.reportError('webhooks', error);
      else this.options.logger.warn({ err: error }, 'webhooks worker error');
    });
    await this.worker.waitUntilReady();
  }

  async stop(): Promise<void> {
    // Redis away: force-close (Worker.close() would wait for the reconnecting connection forever).
    await this.worker?.close(this.redis?.status !== 'ready');
    await closeRedis(this.redis);
  }

  /** One attempt of one delivery (exported through the class for tests). */
  async process(job: Job<WebhookJobData>): Promise<DeliveryOutcome> {
    const parsed = jobData.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid webhook job: ${parsed.error.message}`);
    const { deliveryId, subscriptionId, event } = parsed.data;
    const subscription = await this.repo.find(this.options.db, subscriptionId);
    if (!subscription || !subscription.active) return 'skipped';

    const attempt = job.attemptsMade + 1;
    let last = attempt >= (job.opts.attempts ?? 1);
    const body = JSON.stringify(event);
    const startedAt = new Date();
    let responseCode: number | null = null;
    let error: string | null = null;
    try {
      const secret = (this.options.secrets ?? SecretBox.ephemeral()).open(subscription.secret, WEBHOOK_SECRET);
      const response = await this.options.egress.post({
        url: subscription.url,
        body,
        timeoutMs: this.options.timeoutMs ?? 10_000,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Telemend-Webhooks/1',
          'x-telemend-event': event.type,
          'x-telemend-event-id': event.id,
          'x-telemend-delivery': deliveryId,
          'x-telemend-attempt': String(attempt),
          'x-telemend-signature': signBody(secret, body),
        },
      });
      responseCode = response.status;
      if (response.status < 200 || response.status >= 300) error = `HTTP ${response.status}`;
    } catch (caught) {
      error = (caught as Error).message.slice(0, 500);
      if (caught instanceof EgressRefusedError) last = true;
    }
    await this.repo.addAttempt(this.options.db, {
      deliveryId,
      subscriptionId,
      eventId: event.id,
      eventType: event.type,
      attempt,
      status: error === null ? 'delivered' : last ? 'gave_up' : 'failed',
      responseCode,
      error,
      durationMs: Date.now() - startedAt.getTime(),
      startedAt,
    });
    if (error !== null) {
      if (last) this.options.logger.warn({ deliveryId, url: subscription.url, error }, 'webhook delivery gave up');
      if (last) throw new UnrecoverableError(`webhook delivery failed: ${error}`);
      throw new Error(`webhook delivery failed: ${error}`);
    }
    return 'delivered';
  }
}
