/**
 * Sends a document by e-mail through the notification outbox: one outbox row (so it is retried,
 * listed and deduplicated like every notification) whose `attachment_ids` name the stored PDF;
 * the SMTP sender attaches the file when it sends. Call it inside the transaction that records
 * the sending, so a rolled-back change mails nothing.
 */
import { SYSTEM_ACTOR } from '../../kernel/caller.js';
import type { Queryable } from '../../kernel/db/database.js';
import type { AttachmentsService } from '../attachments/attachments.service.js';
import type { OutboxFileSource } from '../notifications/notification-channels.js';
import { NotificationsRepository } from '../notifications/notifications.repository.js';
import type { DocumentLanguage } from './document-labels.js';
import { DocumentsRepository, type DocumentRecipient } from './documents.repository.js';

export interface DocumentMail {
  /** Outbox event, `document.<kind>` (document.invoice, document.service_report, document.quote...). */
  readonly kind: string;
  readonly customerId: string;
  readonly ticketId: string;
  readonly visitId?: string | undefined;
  /** The stored PDF(s) to attach (attachment ids). */
  readonly attachmentIds: readonly string[];
  readonly language: DocumentLanguage;
  /** Rendered for the recipient (`{name}` in them is replaced by the recipient's name). */
  readonly subject: string;
  readonly body: string;
  /** The same key mails once (e.g. `document.invoice:<invoice id>:<version>`). */
  readonly dedupeKey: string;
  readonly at: Date;
  /** Default: the customer's document recipient (DocumentsRepository.recipient). */
  readonly to?: DocumentRecipient | undefined;
  /** Structured values kept with the message. */
  readonly data?: Readonly<Record<string, string | number | null>> | undefined;
}

export interface QueuedDocumentMail {
  /** False when the same dedupe key was queued before. */
  readonly queued: boolean;
  readonly to: DocumentRecipient;
}

const outbox = new NotificationsRepository();
const documents = new DocumentsRepository();

/** Queues the e-mail; undefined when the customer has nobody with an e-mail address. */
export async function documentMail(q: Queryable, mail: DocumentMail): Promise<QueuedDocumentMail | undefined> {
  const to = mail.to ?? (await documents.recipient(q, mail.customerId));
  if (!to) return undefined;
  const fill = (text: string) => text.replaceAll('{name}', to.name);
  const queued = await outbox.insert(q, {
    dedupeKey: mail.dedupeKey,
    event: `document.${mail.kind}`,
    ticketId: mail.ticketId,
    visitId: mail.visitId ?? null,
    recipient: to.contactId ? `contact:${to.contactId}` : `customer:${mail.customerId}`,
    contactId: to.contactId,
    technicianId: null,
    channel: 'email',
    address: to.address,
    language: mail.language,
    subject: fill(mail.subject),
    body: fill(mail.body),
    html: null,
    data: { ...mail.data, kind: mail.kind },
    at: mail.at,
    attachmentIds: mail.attachmentIds,
  });
  return { queued, to };
}

/** The outbox sender's view of the attachments store: files read as the platform when a message is sent. */
export function outboxFilesOf(attachments: AttachmentsService): OutboxFileSource {
  return {
    async read(attachmentId) {
      const { attachment, data } = await attachments.read(attachmentId, { actor: SYSTEM_ACTOR });
      return { fileName: attachment.fileName, contentType: attachment.contentType, data };
    },
  };
}
