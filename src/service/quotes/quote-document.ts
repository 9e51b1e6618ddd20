/**
 * The quote as a PDF, drawn with the documents' layout kit (src/service/documents/pdf-layout.ts)
 * in the customer's language (en, de; document-locale.ts), and stored on the ticket so the
 * sending e-mail can carry it (the outbox attaches stored files).
 */
import { SYSTEM_ACTOR } from '../../kernel/caller.js';
import type { Database } from '../../kernel/db/database.js';
import type { AttachmentsService } from '../attachments/attachments.service.js';
import { DocumentFormat } from '../documents/document-format.js';
import { label, type DocumentLanguage } from '../documents/document-labels.js';
import { customerLocale } from '../documents/document-locale.js';
import { DocumentsRepository, type TicketFacts } from '../documents/documents.repository.js';
import { PdfLayout, type CompanyHeader } from '../documents/pdf-layout.js';
import type { Quote, QuoteStatus } from './quotes.schemas.js';

/** The words only a quote prints (the common ones come from the documents' dictionary). */
const WORDS: Record<DocumentLanguage, { quote: string; validUntil: string; acceptHow: string } & Record<QuoteStatus, string>> = {
  en: {
    quote: 'Quote',
    validUntil: 'Valid until',
    acceptHow: 'This quote is valid until {date}. Accept or decline it in the customer portal or by phone; the work starts once it is accepted.',
    draft: 'Draft',
    sent: 'Awaiting your decision',
    accepted: 'Accepted',
    declined: 'Declined',
    withdrawn: 'Withdrawn',
    expired: 'Expired',
  },
  de: {
    quote: 'Kostenvoranschlag',
    validUntil: 'Gültig bis',
    acceptHow:
      'Dieser Kostenvoranschlag gilt bis {date}. Sie können ihn im Kundenportal oder telefonisch annehmen oder ablehnen; die Arbeiten beginnen nach der Annahme.',
    draft: 'Entwurf',
    sent: 'Wartet auf Ihre Entscheidung',
    accepted: 'Angenommen',
    declined: 'Abgelehnt',
    withdrawn: 'Zurückgezogen',
    expired: 'Abgelaufen',
  },
};

export interface RenderedQuote {
  readonly fileName: string;
  readonly data: Buffer;
}

export async function renderQuote(
  quote: Quote,
  ticket: TicketFacts,
  company: CompanyHeader,
  locale: Awaited<ReturnType<typeof customerLocale>>,
): Promise<Buffer> {
  const { language } = locale;
  const words = WORDS[language];
  const f = new DocumentFormat(locale);
  const facts: [string, string][] = [
    [label(language, 'date'), f.date(quote.sentAt ?? quote.createdAt)],
    [words.validUntil, f.date(`${quote.validUntil}T12:00:00Z`)],
    [label(language, 'status'), words[quote.status]],
    [label(language, 'ticket'), ticket.number],
  ];
  if (quote.contractNumber) facts.push([label(language, 'contract'), quote.contractNumber]);
  const layout = new PdfLayout(company, {
    title: words.quote,
    number: quote.number,
    language,
    facts,
    watermark: quote.status === 'draft' ? label(language, 'draft') : undefined,
  });
  layout.blocks(
    { title: label(language, 'customer'), lines: [ticket.customer_name, ticket.customer_code, ticket.customer_email, ticket.customer_phone] },
    { title: label(language, 'site'), lines: [ticket.site_name, ticket.site_address, [ticket.site_city, ticket.site_country].filter(Boolean).join(', ')] },
  );
  layout.paragraph(`${label(language, 'ticket')} ${ticket.number}: ${ticket.title}`);
  // Money fields are optional in the API type (redacted per role); the document gets them all.
  const money = (amount: number | undefined) => f.money(amount ?? 0, quote.currency ?? 'EUR');
  layout.table(
    [
      { header: label(language, 'description'), width: 5 },
      { header: label(language, 'quantity'), width: 1, align: 'right' },
      { header: label(language, 'unitPrice'), width: 1.6, align: 'right' },
      { header: label(language, 'amount'), width: 1.6, align: 'right' },
    ],
    quote.lines.map((line) => [
      line.sku ? `${line.description} (${line.sku})` : line.description,
      f.number(line.quantity, 2),
      money(line.unitPrice),
      money(line.amount),
    ]),
  );
  const totals: [string, string][] = [[label(language, 'subtotal'), money(quote.subtotal)]];
  if (quote.coveredAmount) totals.push([label(language, 'covered'), money(-Math.abs(quote.coveredAmount))]);
  totals.push([label(language, 'total'), money(quote.total)]);
  layout.totals(totals);
  if (quote.note) {
    layout.section(label(language, 'notes'));
    layout.paragraph(quote.note);
  }
  layout.paragraph(words.acceptHow.replace('{date}', f.date(`${quote.validUntil}T12:00:00Z`)), { muted: true });
  return layout.render();
}

/** Renders quotes and stores the sent one on its ticket. */
export class QuoteDocuments {
  private readonly facts = new DocumentsRepository();

  constructor(
    private readonly db: Database,
    private readonly company: CompanyHeader,
    private readonly attachments?: AttachmentsService,
  ) {}

  async render(quote: Quote, requestedLanguage?: string): Promise<RenderedQuote> {
    const ticket = (await this.facts.ticket(this.db, quote.ticketId))!;
    const locale = await customerLocale(this.db, quote.customerId, requestedLanguage);
    return { fileName: `quote-${quote.number}.pdf`, data: await renderQuote(quote, ticket, this.company, locale) };
  }

  /** The PDF stored on the ticket (attachment id) for the e-mail; undefined without an attachment store. */
  async store(quote: Quote): Promise<string | undefined> {
    if (!this.attachments) return undefined;
    const { fileName, data } = await this.render(quote);
    return (await this.attachments.upload({ kind: 'ticket', id: quote.ticketId }, { data, fileName, priced: true }, { actor: SYSTEM_ACTOR })).id;
  }

  /** Removes a stored PDF no e-mail carries (the sending rolled back or reached nobody). */
  async discard(attachmentId: string): Promise<void> {
    await this.attachments?.remove(attachmentId, { actor: SYSTEM_ACTOR });
  }
}
