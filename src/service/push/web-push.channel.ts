/**
 * Delivers an outbox row of channel 'webpush': the payload is encrypted for the subscription
 * (aes128gcm, RFC 8291) and signed with our VAPID key (RFC 8292) by `web-push`, then POSTed
 * through the egress guard like every other outgoing request (EGRESS_ALLOW). The push service
 * answering 404 or 410 means the browser dropped the subscription: it is deleted, and the message
 * fails for good. 429 and 5xx are retried by the outbox.
 */
import webpush from 'web-push';
import type { Database } from '../../kernel/db/database.js';
import type { Clock } from '../../kernel/clock.js';
import { EgressRefusedError, type EgressPort } from '../../kernel/egress/egress.js';
import { DeliveryError } from '../notifications/notification-channels.js';
import type { OutboxChannelSender } from '../notifications/notification-sender.js';
import type { OutboxRow } from '../notifications/notifications.repository.js';
import { PushRepository } from './push.repository.js';
import type { VapidKeyStore } from './vapid-keys.js';

export interface WebPushChannelOptions {
  readonly db: Database;
  readonly clock: Clock;
  readonly egress: EgressPort;
  readonly keys: VapidKeyStore;
  /** VAPID `sub` (WEB_PUSH_SUBJECT). */
  readonly subject: string;
  /** How long the push service keeps an undelivered message, seconds. Default 86400. */
  readonly ttlSeconds?: number;
  readonly timeoutMs?: number;
}

const GONE = new Set([404, 410]);
const TRANSIENT_4XX = new Set([408, 425, 429]);

export class WebPushChannel implements OutboxChannelSender {
  private readonly repo = new PushRepository();

  constructor(private readonly options: WebPushChannelOptions) {}

  async send(row: OutboxRow): Promise<void> {
    const { db } = this.options;
    const subscription = await this.repo.find(db, row.address);
    if (!subscription) throw new DeliveryError('webpush: the subscription was removed', true);
    const keys = await this.options.keys.get();
    const request = webpush.generateRequestDetails(
      { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
      JSON.stringify(row.data),
      {
        vapidDetails: { subject: this.options.subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
        TTL: this.options.ttlSeconds ?? 86_400,
        contentEncoding: 'aes128gcm',
        urgency: 'high',
      },
    );
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    let status: number;
    try {
      ({ status } = await this.options.egress.post({
        url: request.endpoint,
        headers,
        body: request.body ?? '',
        timeoutMs: this.options.timeoutMs ?? 10_000,
      }));
    } catch (error) {
      throw new DeliveryError(`webpush: ${(error as Error).message}`.slice(0, 1000), error instanceof EgressRefusedError);
    }
    if (status >= 200 && status < 300) {
      await this.repo.markSent(db, subscription.id, this.options.clock.now());
      return;
    }
    if (GONE.has(status)) {
      await this.repo.delete(db, subscription.id);
      throw new DeliveryError(`webpush: HTTP ${status}, subscription expired and removed`, true);
    }
    throw new DeliveryError(`webpush: HTTP ${status}`, status >= 400 && status < 500 && !TRANSIENT_4XX.has(status));
  }
}
