/**
 * Delivery of a scheduled report: an e-mail (nodemailer over SMTP) with the report attached, and/or
 * a webhook POST of the report as JSON signed like the ticket webhooks
 * (`X-Telemend-Signature: sha256=<hex HMAC-SHA256 of the body>`, see src/service/delivery/webhook-signature.ts).
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { SIGNATURE_HEADER, signBody } from '../delivery/webhook-signature.js';
import { AppError } from '../../kernel/errors.js';
import { Egress, type EgressPort } from '../../kernel/egress/egress.js';
import { EgressPolicy } from '../../kernel/egress/egress-policy.js';

export interface ReportMail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly attachment: { readonly filename: string; readonly content: string; readonly contentType: string };
}

export interface ReportWebhook {
  readonly url: string;
  readonly secret: string;
  readonly body: string;
  /** Stable across retries of one run: receivers deduplicate on it. */
  readonly deliveryId: string;
  readonly attempt: number;
}

/** The port the scheduler delivers through (tests may pass their own). */
export interface ReportDeliveryPort {
  sendMail(mail: ReportMail): Promise<void>;
  postWebhook(hook: ReportWebhook): Promise<void>;
  close(): Promise<void>;
}

export interface ReportDeliveryOptions {
  /** SMTP server URL (smtp://user:pass@host:587, smtps://...). Unset: e-mail deliveries fail with a clear error. */
  readonly smtpUrl?: string | undefined;
  /** From address of report e-mails. Default `Telemend reports <reports@telemend.invalid>`. */
  readonly mailFrom?: string | undefined;
  /** Time allowed for one webhook POST, in ms. Default 10000. */
  readonly webhookTimeoutMs?: number | undefined;
  /** Webhooks go through it (the SSRF guard). Default: its own, reaching public addresses only (no EGRESS_ALLOW). */
  readonly egress?: EgressPort | undefined;
}

export const REPORT_EVENT = 'report.delivered';

export class ReportDelivery implements ReportDeliveryPort {
  private transport?: Transporter;
  private readonly egress: EgressPort;
  /** The egress this delivery made itself (closed with it). */
  private readonly ownEgress?: Egress;

  constructor(private readonly options: ReportDeliveryOptions = {}) {
    if (!options.egress) this.ownEgress = new Egress(new EgressPolicy());
    this.egress = options.egress ?? this.ownEgress!;
  }

  async sendMail(mail: ReportMail): Promise<void> {
    if (!this.options.smtpUrl) throw new AppError('DEPENDENCY_UNAVAILABLE', 'no SMTP server is configured for report e-mails');
    this.transport ??= nodemailer.createTransport(this.options.smtpUrl);
    await this.transport.sendMail({
      from: this.options.mailFrom ?? 'Telemend reports <reports@telemend.invalid>',
      to: [...mail.to],
      subject: mail.subject,
      text: mail.text,
      attachments: [{ filename: mail.attachment.filename, content: mail.attachment.content, contentType: mail.attachment.contentType }],
    });
  }

  async postWebhook(hook: ReportWebhook): Promise<void> {
    const response = await this.egress.post({
      url: hook.url,
      body: hook.body,
      timeoutMs: this.options.webhookTimeoutMs ?? 10_000,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Telemend-Reports/1',
        [SIGNATURE_HEADER]: signBody(hook.secret, hook.body),
        'x-telemend-event': REPORT_EVENT,
        'x-telemend-delivery': hook.deliveryId,
        'x-telemend-attempt': String(hook.attempt),
      },
    });
    if (response.status < 200 || response.status >= 300) throw new AppError('DEPENDENCY_UNAVAILABLE', `webhook answered HTTP ${response.status}`);
  }

  async close(): Promise<void> {
    this.transport?.close();
    await this.ownEgress?.close();
  }
}
