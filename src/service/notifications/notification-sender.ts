/**
 * The outbox sender (a background task of the worker role). It polls the outbox, claims due rows
 * with `FOR UPDATE SKIP LOCKED` under a lease (status 'sending', lease_until), delivers each one
 * through its channel and records the result:
 * - accepted → 'sent' with sent_at, in the statement right after the receiver confirmed;
 * - transient failure → 'pending' again, next attempt after an exponential backoff;
 *   after `maxAttempts` attempts → 'gave_up' (an admin can retry it);
 * - permanent failure (SMTP 5xx, webhook 4xx) → 'failed'.
 * Any number of senders may run at once: SKIP LOCKED gives them disjoint rows, and a sender's
 * result is only recorded while it still holds the claim (claim_token).
 *
 * Delivery is at-least-once with an idempotency id, not exactly-once — over SMTP exactly-once is
 * impossible: if a sender dies after the receiver accepted a message but before the row is marked
 * sent, the lease expires and the message is sent again. Both copies carry the same Message-ID
 * and X-Telemend-Notification-Id (webhooks: the same `id`), so receivers can drop the duplicate.
 * When the sender (or the SMTP server, or the webhook receiver) is down, rows stay pending and
 * are delivered once it is back; nothing is lost.
 */
import { randomUUID } from 'node:crypto';
import type { Core } from '../../kernel/core.js';
import type { Database } from '../../kernel/db/database.js';
import type { BackgroundTask } from '../../kernel/jobs/background-task.js';
import type { Logger } from '../../kernel/logger.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { Egress, type EgressPort } from '../../kernel/egress/egress.js';
import { EgressPolicy } from '../../kernel/egress/egress-policy.js';
import { SecretBox } from '../../kernel/secrets/secret-box.js';
import { CONTACT_WEBHOOK_SECRET } from '../../kernel/secrets/secrets-rewrap.js';
import { DeliveryError, SmtpChannel, WebhookChannel, type OutboxFileSource } from './notification-channels.js';
import { NotificationsRepository, type OutboxRow } from './notifications.repository.js';

export interface NotificationSenderOptions {
  readonly db: Database;
  readonly logger: Logger;
  /** Time source for claims, leases and backoff. Default: the system clock. */
  readonly clock?: Clock;
  /** SMTP server URL (smtp://user:pass@host:port, smtps:// for TLS). Default 'smtp://localhost:25'. */
  readonly smtpUrl?: string;
  /** From address of the e-mails. Default 'Telemend <notifications@telemend.invalid>'. */
  readonly from?: string;
  /** Webhooks go through it (the SSRF guard). Default: its own, reaching public addresses only (no EGRESS_ALLOW). */
  readonly egress?: EgressPort;
  /** Opens the contacts' stored webhook secrets. Default: the per-process key (tests). */
  readonly secrets?: SecretBox;
  /** HMAC secret for technician push webhooks (contacts have their own). Default: none, sent unsigned. */
  readonly pushSecret?: string;
  /** Attempts before a message is given up. Default 8. */
  readonly maxAttempts?: number;
  /** Delay after the first failed attempt, ms; doubles per attempt. Default 30000. */
  readonly backoffBaseMs?: number;
  /** Largest delay between attempts, ms. Default 3600000 (1 h). */
  readonly backoffMaxMs?: number;
  /** How often an idle sender looks for due rows, ms. Default 2000. */
  readonly pollIntervalMs?: number;
  /** Rows claimed at once. Default 20. */
  readonly batchSize?: number;
  /** Messages delivered in parallel. Default 4. */
  readonly concurrency?: number;
  /** How long a claim lasts before another sender may take the row over, ms. Default 300000. */
  readonly leaseMs?: number;
  /** Timeout of one SMTP conversation step or one webhook POST, ms. Default 15000. */
  readonly timeoutMs?: number;
  /** Reads the files of messages with attachments (documents). Default none: such messages fail. */
  readonly files?: OutboxFileSource;
}

export type SendResult = 'sent' | 'retry' | 'failed' | 'gave_up' | 'lost_claim';

export class NotificationSender implements BackgroundTask {
  readonly name = 'notification-sender';
  private readonly repo = new NotificationsRepository();
  private readonly clock: Clock;
  private readonly smtp: SmtpChannel;
  private readonly webhook: WebhookChannel;
  /** The egress this sender made itself (closed with it); undefined when given one. */
  private readonly ownEgress?: Egress;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly options: NotificationSenderOptions) {
    this.clock = options.clock ?? systemClock;
    const timeoutMs = options.timeoutMs ?? 15_000;
    this.smtp = new SmtpChannel({
      timeoutMs,
      files: options.files,
      ...(options.smtpUrl === undefined ? {} : { smtpUrl: options.smtpUrl }),
      ...(options.from === undefined ? {} : { from: options.from }),
    });
    if (!options.egress) this.ownEgress = new Egress(new EgressPolicy());
    const secrets = options.secrets ?? SecretBox.ephemeral();
    this.webhook = new WebhookChannel({
      egress: options.egress ?? this.ownEgress!,
      timeoutMs,
      secretFor: async (row) => {
        if (!row.contact_id) return options.pushSecret;
        const stored = await this.repo.contactWebhookSecret(options.db, row.contact_id);
        return stored === undefined ? undefined : secrets.open(stored, CONTACT_WEBHOOK_SECRET);
      },
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the batch in flight, then closes the SMTP transport. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    this.smtp.close();
    await this.ownEgress?.close();
  }

  /** Claims one batch of due rows and delivers them; returns the results (tests call this directly). */
  async runOnce(): Promise<SendResult[]> {
    const now = this.clock.now();
    const token = randomUUID();
    const rows = await this.repo.claim(this.options.db, {
      now,
      leaseUntil: new Date(now.getTime() + (this.options.leaseMs ?? 300_000)),
      token,
      limit: this.options.batchSize ?? 20,
    });
    const results: SendResult[] = new Array<SendResult>(rows.length);
    let next = 0;
    const lane = async () => {
      while (next < rows.length) {
        const index = next++;
        results[index] = await this.deliver(rows[index]!, token);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 4, rows.length) }, lane));
    return results;
  }

  private async run(): Promise<void> {
    const batch = this.options.batchSize ?? 20;
    while (this.running) {
      let claimed = 0;
      try {
        claimed = (await this.runOnce()).length;
      } catch (error) {
        this.options.logger.warn({ err: error }, 'notification sender: claiming failed, retrying later');
      }
      if (claimed < batch && this.running) await this.sleep(this.options.pollIntervalMs ?? 2000);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async deliver(row: OutboxRow, token: string): Promise<SendResult> {
    const { db, logger } = this.options;
    try {
      await (row.channel === 'email' ? this.smtp.send(row) : this.webhook.send(row));
    } catch (caught) {
      const error = caught instanceof DeliveryError ? caught : new DeliveryError((caught as Error).message, false);
      const max = this.options.maxAttempts ?? 8;
      const final = error.permanent ? 'failed' : row.attempts >= max ? 'gave_up' : null;
      const at = this.clock.now();
      const retryAt = final ? null : new Date(at.getTime() + this.backoff(row.attempts));
      const recorded = await this.repo
        .markFailed(db, row.id, token, { at, error: error.message, retryAt, final: final ?? 'gave_up' })
        .catch((dbError: unknown) => {
          logger.warn({ err: dbError, id: row.id }, 'notification sender: could not record a failed attempt; the lease will expire and it is retried');
          return false;
        });
      if (final)
        logger.warn({ id: row.id, channel: row.channel, error: error.message }, `notification ${final === 'failed' ? 'failed permanently' : 'gave up'}`);
      if (!recorded) return 'lost_claim';
      return final ?? 'retry';
    }
    const marked = await this.repo.markSent(db, row.id, token, this.clock.now()).catch((dbError: unknown) => {
      logger.error({ err: dbError, id: row.id }, 'notification sender: sent but could not mark it; it may be sent again with the same id');
      return false;
    });
    if (!marked) {
      logger.warn({ id: row.id }, 'notification sender: delivered after losing the claim; receivers deduplicate by notification id');
      return 'lost_claim';
    }
    return 'sent';
  }

  /** Exponential backoff with up to 20 % jitter: base * 2^(attempt-1), capped. */
  private backoff(attempt: number): number {
    const base = this.options.backoffBaseMs ?? 30_000;
    const cap = this.options.backoffMaxMs ?? 3_600_000;
    const delay = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
    return Math.round(delay * (1 + Math.random() * 0.2));
  }
}

export interface NotificationSenderTaskDeps extends Pick<Core, 'db' | 'logger' | 'clock' | 'config'> {
  readonly egress: EgressPort;
  readonly secrets: SecretBox;
  readonly files?: OutboxFileSource | undefined;
}

/** The worker role's outbox sender: SMTP_URL, NOTIFY_FROM, NOTIFY_MAX_ATTEMPTS, NOTIFY_PUSH_SECRET; other options at their defaults. */
export function notificationSenderTask(deps: NotificationSenderTaskDeps): NotificationSender {
  const { config } = deps;
  return new NotificationSender({
    db: deps.db,
    logger: deps.logger,
    clock: deps.clock,
    egress: deps.egress,
    secrets: deps.secrets,
    smtpUrl: config.SMTP_URL,
    from: config.NOTIFY_FROM,
    maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
    ...(deps.files ? { files: deps.files } : {}),
    ...(config.NOTIFY_PUSH_SECRET ? { pushSecret: config.NOTIFY_PUSH_SECRET } : {}),
  });
}
