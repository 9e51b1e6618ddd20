/**
 * Delivery channels of the outbox sender: e-mail over SMTP (nodemailer) and a signed JSON webhook
 * POST. A channel resolves when the receiver accepted the message and throws a DeliveryError
 * otherwise, saying whether retrying can help (`permanent: false`) or not.
 *
 * Every message carries a stable id across retries so receivers can drop duplicates: e-mail
 * `Message-ID: <notification-id@domain>` and `X-Telemend-Notification-Id`; webhooks the
 * `X-Telemend-Notification-Id` header and the `id` field of the JSON body.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { signBody, SIGNATURE_HEADER } from '../delivery/webhook-signature.js';
import { EgressRefusedError, type EgressPort } from '../../kernel/egress/egress.js';
import { AppError } from '../../kernel/errors.js';
import type { OutboxRow } from './notifications.repository.js';

export class DeliveryError extends Error {
  constructor(
    message: string,
    /** True when retrying cannot help (address rejected, webhook answered 4xx...). */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export const NOTIFICATION_ID_HEADER = 'x-telemend-notification-id';

/** A file an e-mail carries, as read from the attachments store when the message is sent. */
export interface OutboxFile {
  readonly fileName: string;
  readonly contentType: string;
  readonly data: Buffer;
}

/** Reads an outbox message's attachments by id; throws AppError NOT_FOUND when one is gone. */
export interface OutboxFileSource {
  read(attachmentId: string): Promise<OutboxFile>;
}

export interface SmtpChannelOptions {
  /** Where the files of messages with attachment ids come from. None: such messages fail (permanently). */
  readonly files?: OutboxFileSource | undefined;
  /** smtp:// or smtps:// URL with optional user:password@. Default 'smtp://localhost:25'. */
  readonly smtpUrl?: string;
  /** From address. Default 'Telemend <notifications@telemend.invalid>'. */
  readonly from?: string;
  /** Domain of the Message-ID. Default: the domain of `from`. */
  readonly messageIdDomain?: string;
  /** Connection, greeting and socket timeout, ms. Default 15000. */
  readonly timeoutMs?: number;
}

export class SmtpChannel {
  private readonly transport: Transporter;
  private readonly from: string;
  private readonly domain: string;
  private readonly files: OutboxFileSource | undefined;

  constructor(options: SmtpChannelOptions = {}) {
    this.files = options.files;
    const timeout = options.timeoutMs ?? 15_000;
    this.from = options.from ?? 'Telemend <notifications@telemend.invalid>';
    this.domain = options.messageIdDomain ?? /@([^>\s]+)>?\s*$/.exec(this.from)?.[1] ?? 'telemend.invalid';
    this.transport = nodemailer.createTransport({
      url: options.smtpUrl ?? 'smtp://localhost:25',
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    } as nodemailer.TransportOptions);
  }

  /** The Message-ID of a row: the same for every attempt. */
  messageIdOf(row: Pick<OutboxRow, 'id'>): string {
    return `<${row.id}@${this.domain}>`;
  }

  async send(row: OutboxRow): Promise<void> {
    const attachments = await this.filesOf(row);
    try {
      await this.transport.sendMail({
        ...(attachments.length > 0 ? { attachments } : {}),
        from: this.from,
        to: row.address,
        subject: row.subject,
        text: row.body,
        ...(row.html ? { html: row.html } : {}),
        messageId: this.messageIdOf(row),
        headers: { 'X-Telemend-Notification-Id': row.id, 'X-Telemend-Event': row.event, 'Content-Language': row.language },
      });
    } catch (error) {
      const e = error as Error & { responseCode?: number };
      // SMTP 5xx is a permanent refusal (unknown mailbox, policy); 4xx and connection errors are transient.
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
      throw new DeliveryError(`SMTP: ${e.message}`.slice(0, 1000), permanent);
    }
  }

  close(): void {
    this.transport.close();
  }

  /** The message's files; one that no longer exists fails the message for good (it would go out without it). */
  private async filesOf(row: OutboxRow): Promise<{ filename: string; contentType: string; content: Buffer }[]> {
    const ids = row.attachment_ids ?? [];
    if (ids.length === 0) return [];
    if (!this.files) throw new DeliveryError('SMTP: the message has attachments but the sender has no attachments store', true);
    const out: { filename: string; contentType: string; content: Buffer }[] = [];
    for (const id of ids) {
      try {
        const file = await this.files.read(id);
        out.push({ filename: file.fileName, contentType: file.contentType, content: file.data });
      } catch (error) {
        const gone = error instanceof AppError && error.code === 'NOT_FOUND';
        throw new DeliveryError(`attachment ${id}: ${(error as Error).message}`.slice(0, 1000), gone);
      }
    }
    return out;
  }
}

export interface WebhookChannelOptions {
  /** Every POST goes through it (the SSRF guard: EGRESS_ALLOW). */
  readonly egress: EgressPort;
  /** Time allowed for one POST, ms. Default 10000. */
  readonly timeoutMs?: number;
  /** The HMAC secret of the row's recipient; undefined = send unsigned. */
  readonly secretFor: (row: OutboxRow) => Promise<string | undefined>;
}

/** HTTP answers worth retrying: timeouts, conflicts, rate limits, server errors. */
const TRANSIENT_4XX = new Set([408, 409, 425, 429]);

export class WebhookChannel {
  constructor(private readonly options: WebhookChannelOptions) {}

  /** The JSON body posted for a row (stable across attempts, so the signature is too). */
  static bodyOf(row: OutboxRow): string {
    return JSON.stringify({
      id: row.id,
      event: row.event,
      ticketId: row.ticket_id,
      visitId: row.visit_id,
      recipient: row.recipient,
      language: row.language,
      subject: row.subject,
      text: row.body,
      data: row.data,
      createdAt: row.created_at.toISOString(),
    });
  }

  async send(row: OutboxRow): Promise<void> {
    const body = WebhookChannel.bodyOf(row);
    const secret = await this.options.secretFor(row);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Telemend-Notifications/1',
      'x-telemend-event': row.event,
      [NOTIFICATION_ID_HEADER]: row.id,
      'x-telemend-attempt': String(row.attempts),
    };
    if (secret) headers[SIGNATURE_HEADER] = signBody(secret, body);
    let status: number;
    try {
      ({ status } = await this.options.egress.post({ url: row.address, body, headers, timeoutMs: this.options.timeoutMs ?? 10_000 }));
    } catch (error) {
      // A refused destination stays refused: failed at once, not retried.
      throw new DeliveryError(`webhook: ${(error as Error).message}`.slice(0, 1000), error instanceof EgressRefusedError);
    }
    if (status >= 200 && status < 300) return;
    const permanent = status >= 400 && status < 500 && !TRANSIENT_4XX.has(status);
    throw new DeliveryError(`webhook: HTTP ${status}`, permanent);
  }
}
