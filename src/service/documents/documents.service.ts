/**
 * The printed documents of tickets and invoices: the invoice, the act of services rendered and
 * the work order, rendered on request in the customer's language (see document-locale.ts), and
 * the invoice sent by e-mail with its PDF. Access follows the record's own read: an invoice
 * through InvoicesService.get (a customer reaches only its own issued and paid ones; another
 * customer's is NOT_FOUND), a ticket through TicketsService.get.
 */
import type { Clock } from '../../kernel/clock.js';
import { SYSTEM_ACTOR, type Caller, type Role } from '../../kernel/caller.js';
import type { Database } from '../../kernel/db/database.js';
import { AppError, conflict } from '../../kernel/errors.js';
import type { AttachmentsService } from '../attachments/attachments.service.js';
import type { InvoicesService } from '../invoicing/invoices.service.js';
import type { Invoice } from '../invoicing/invoicing.schemas.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import { documentMail } from './document-mail.js';
import { DocumentFormat } from './document-format.js';
import { label } from './document-labels.js';
import { customerLocale } from './document-locale.js';
import { DocumentsRepository } from './documents.repository.js';
import { dueDateOf, invoiceNumberOf, renderAct, renderInvoice } from './invoice-documents.js';
import type { CompanyHeader } from './pdf-layout.js';
import { renderWorkOrder } from './work-order-document.js';

export interface RenderedDocument {
  readonly fileName: string;
  readonly data: Buffer;
}

export interface SentDocument {
  readonly to: string;
  /** The stored PDF sent; null when nothing new was queued. */
  readonly attachmentId: string | null;
  /** False when this version of the document was sent before (nothing queued again). */
  readonly queued: boolean;
}

export interface DocumentsOptions {
  readonly clock: Clock;
  readonly company: CompanyHeader;
  /** DOCUMENTS_PAYMENT_DAYS. */
  readonly paymentDays: number;
  readonly invoices: InvoicesService;
  readonly tickets: TicketsService;
  readonly attachments: AttachmentsService;
}

export class DocumentsService {
  private readonly repo = new DocumentsRepository();

  constructor(
    private readonly db: Database,
    private readonly options: DocumentsOptions,
  ) {}

  async invoicePdf(id: string, caller: Caller, requestedLanguage?: string): Promise<RenderedDocument> {
    const invoice = await this.invoiceFor(id, caller);
    return this.renderInvoiceOf(invoice, requestedLanguage);
  }

  /** The act of services rendered of an issued (or paid) invoice; CONFLICT for drafts and void ones. */
  async actPdf(id: string, caller: Caller, requestedLanguage?: string): Promise<RenderedDocument> {
    const invoice = await this.invoiceFor(id, caller);
    if (invoice.status !== 'issued' && invoice.status !== 'paid') {
      throw conflict(`Invoice ${id} is ${invoice.status}; the act of services rendered is made for issued invoices`, { invoiceStatus: invoice.status });
    }
    const ticket = (await this.repo.ticket(this.db, invoice.ticketId))!;
    const locale = await customerLocale(this.db, ticket.customer_id, requestedLanguage);
    const visits = await this.repo.visitsOfTicket(this.db, ticket.id);
    const data = await renderAct({ invoice, ticket, visits, locale, company: this.options.company, paymentDays: this.options.paymentDays });
    return { fileName: `act-${invoiceNumberOf(invoice)}.pdf`, data };
  }

  async workOrderPdf(ticketId: string, caller: Caller, requestedLanguage?: string): Promise<RenderedDocument> {
    await this.options.tickets.get(ticketId, caller);
    const ticket = (await this.repo.ticket(this.db, ticketId))!;
    const [locale, diagnosis, reserved, visits] = await Promise.all([
      customerLocale(this.db, ticket.customer_id, requestedLanguage),
      this.repo.diagnosis(this.db, ticketId),
      this.repo.reservedParts(this.db, ticketId),
      this.repo.visitsOfTicket(this.db, ticketId),
    ]);
    const data = await renderWorkOrder({ ticket, diagnosis, reserved, visits, locale, company: this.options.company });
    return { fileName: `work-order-${ticket.number}.pdf`, data };
  }

  /**
   * E-mails an issued (or paid) invoice's PDF to the customer's document recipient: the PDF is
   * stored as an attachment of the ticket and the message goes through the outbox. Sending the
   * same version again queues nothing new.
   */
  async sendInvoice(id: string, caller: Caller): Promise<SentDocument> {
    const invoice = await this.invoiceFor(id, caller);
    if (invoice.status !== 'issued' && invoice.status !== 'paid') {
      throw conflict(`Invoice ${id} is ${invoice.status}; only issued invoices are sent`, { invoiceStatus: invoice.status });
    }
    const recipient = await this.repo.recipient(this.db, invoice.customerId);
    if (!recipient) throw new AppError('VALIDATION_FAILED', `Customer ${invoice.customerId} has no contact with an e-mail address to send the invoice to`);
    const { fileName, data } = await this.renderInvoiceOf(invoice);
    const attachment = await this.options.attachments.upload(
      { kind: 'ticket', id: invoice.ticketId },
      { data, fileName, priced: true },
      { actor: SYSTEM_ACTOR },
    );
    const locale = await customerLocale(this.db, invoice.customerId);
    const f = new DocumentFormat(locale);
    const due = dueDateOf(invoice, this.options.paymentDays);
    const number = invoiceNumberOf(invoice);
    const sent = await this.db.transaction((tx) =>
      documentMail(tx, {
        kind: 'invoice',
        customerId: invoice.customerId,
        ticketId: invoice.ticketId,
        attachmentIds: [attachment.id],
        language: locale.language,
        subject: label(locale.language, 'mailSubjectInvoice', { number }),
        body: label(locale.language, 'mailBodyInvoice', {
          number,
          ticket: invoice.ticketNumber,
          due: due ? f.date(due) : '—',
          company: this.options.company.name,
        }),
        dedupeKey: `document.invoice:${invoice.id}:${invoice.version}`,
        at: this.options.clock.now(),
        to: recipient,
        data: { invoiceId: invoice.id, invoiceNumber: number, sentBy: `${caller.actor.type}:${caller.actor.id}` },
      }),
    );
    // A version sent before keeps its first PDF: the one stored now is not needed.
    if (!sent!.queued) await this.options.attachments.remove(attachment.id, { actor: SYSTEM_ACTOR });
    return { to: recipient.address, attachmentId: sent!.queued ? attachment.id : null, queued: sent!.queued };
  }

  private async invoiceFor(id: string, caller: Caller): Promise<Invoice> {
    return this.options.invoices.get(id, { role: roleOf(caller), customerId: caller.customerId });
  }

  private async renderInvoiceOf(invoice: Invoice, requestedLanguage?: string): Promise<RenderedDocument> {
    const ticket = (await this.repo.ticket(this.db, invoice.ticketId))!;
    const locale = await customerLocale(this.db, ticket.customer_id, requestedLanguage);
    const data = await renderInvoice({ invoice, ticket, locale, company: this.options.company, paymentDays: this.options.paymentDays });
    return { fileName: `invoice-${invoiceNumberOf(invoice)}.pdf`, data };
  }
}

/** The platform's own calls read like the back office. */
function roleOf(caller: Caller): Role {
  return caller.role ?? 'admin';
}
