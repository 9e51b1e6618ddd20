/**
 * The invoice and the act of services rendered (the customer's acknowledgement that the invoiced
 * work was done), both drawn from an invoice as the API serves it.
 */
import type { Invoice } from '../invoicing/invoicing.schemas.js';
import { DocumentFormat, type DocumentLocale } from './document-format.js';
import { label, labelOf } from './document-labels.js';
import type { TicketFacts, VisitFacts } from './documents.repository.js';
import { PdfLayout, type CompanyHeader } from './pdf-layout.js';

export interface InvoiceDocumentInput {
  readonly invoice: Invoice;
  readonly ticket: TicketFacts;
  readonly company: CompanyHeader;
  readonly locale: DocumentLocale;
  /** Days from issue to the due date (DOCUMENTS_PAYMENT_DAYS). */
  readonly paymentDays: number;
}

/** The number printed for an invoice: a draft has none yet. */
export function invoiceNumberOf(invoice: Pick<Invoice, 'number' | 'id'>): string {
  return invoice.number ?? `DRAFT-${invoice.id.slice(0, 8).toUpperCase()}`;
}

export function dueDateOf(invoice: Pick<Invoice, 'issuedAt'>, paymentDays: number): Date | undefined {
  return invoice.issuedAt ? new Date(Date.parse(invoice.issuedAt) + paymentDays * 86_400_000) : undefined;
}

function customerBlocks(layout: PdfLayout, ticket: TicketFacts, language: DocumentLocale['language']): void {
  layout.blocks(
    { title: label(language, 'customer'), lines: [ticket.customer_name, ticket.customer_code, ticket.customer_email, ticket.customer_phone] },
    {
      title: label(language, 'site'),
      lines: [ticket.site_name, ticket.site_address, [ticket.site_city, ticket.site_country].filter(Boolean).join(', ')],
    },
  );
}

export async function renderInvoice(input: InvoiceDocumentInput): Promise<Buffer> {
  const { invoice, ticket, locale } = input;
  const { language } = locale;
  const f = new DocumentFormat(locale);
  const due = dueDateOf(invoice, input.paymentDays);
  const facts: [string, string][] = [
    [label(language, 'date'), f.date(invoice.issuedAt ?? invoice.createdAt)],
    [label(language, 'status'), labelOf(language, 'status', invoice.status)],
    [label(language, 'ticket'), ticket.number],
  ];
  if (due && invoice.status !== 'void') facts.push([label(language, 'dueDate'), f.date(due)]);
  if (invoice.paidAt) facts.push([label(language, 'paidAt'), f.date(invoice.paidAt)]);
  if (invoice.contractNumber) facts.push([label(language, 'contract'), invoice.contractNumber]);
  const watermark = invoice.status === 'draft' ? label(language, 'draft') : invoice.status === 'void' ? label(language, 'void') : undefined;
  const layout = new PdfLayout(input.company, {
    title: label(language, invoice.status === 'draft' ? 'invoiceDraft' : 'invoice'),
    number: invoiceNumberOf(invoice),
    language,
    facts,
    watermark,
  });
  customerBlocks(layout, ticket, language);
  layout.paragraph(`${label(language, 'ticket')} ${ticket.number}: ${ticket.title}`);
  // Money fields are optional in the API type (redacted per role); the documents get them all.
  const money = (amount: number | undefined) => f.money(amount ?? 0, invoice.currency ?? 'EUR');
  layout.table(
    [
      { header: label(language, 'description'), width: 5 },
      { header: label(language, 'quantity'), width: 1, align: 'right' },
      { header: label(language, 'unitPrice'), width: 1.6, align: 'right' },
      { header: label(language, 'amount'), width: 1.6, align: 'right' },
    ],
    invoice.lines.map((line) => [
      line.sku ? `${line.description} (${line.sku})` : line.description,
      f.number(line.quantity, 2),
      money(line.unitPrice),
      money(line.amount),
    ]),
  );
  const totals: [string, string][] = [[label(language, 'subtotal'), money(invoice.subtotal)]];
  if (invoice.coveredAmount) totals.push([label(language, 'covered'), money(-Math.abs(invoice.coveredAmount))]);
  totals.push([label(language, 'total'), money(invoice.total)]);
  layout.totals(totals);
  if (invoice.notes) {
    layout.section(label(language, 'notes'));
    layout.paragraph(invoice.notes);
  }
  return layout.render();
}

export interface ActDocumentInput extends InvoiceDocumentInput {
  /** The ticket's closed visits: their resolution is the work done. */
  readonly visits: readonly VisitFacts[];
}

/** The act of services rendered: what was done, hours and parts as invoiced, and lines for both parties to sign. */
export async function renderAct(input: ActDocumentInput): Promise<Buffer> {
  const { invoice, ticket, locale } = input;
  const { language } = locale;
  const f = new DocumentFormat(locale);
  const layout = new PdfLayout(input.company, {
    title: label(language, 'act'),
    number: invoiceNumberOf(invoice),
    language,
    facts: [
      [label(language, 'date'), f.date(invoice.issuedAt ?? invoice.createdAt)],
      [label(language, 'invoice'), invoiceNumberOf(invoice)],
      [label(language, 'ticket'), ticket.number],
    ],
  });
  customerBlocks(layout, ticket, language);
  layout.facts([
    [label(language, 'asset'), [ticket.model_name, ticket.asset_name].filter(Boolean).join(' · ') || null],
    [label(language, 'serialNumber'), ticket.serial_number],
  ]);
  layout.section(label(language, 'workDone'));
  const closed = input.visits.filter((v) => v.closed_at);
  if (closed.length === 0) layout.paragraph(ticket.title);
  for (const visit of closed) {
    const when = visit.actual_start && visit.actual_end ? f.window(visit.actual_start, visit.actual_end) : f.date(visit.closed_at!);
    layout.paragraph(`${when} · ${visit.technician_name} · ${labelOf(language, 'outcome', visit.outcome ?? '')}`, { muted: true });
    if (visit.resolution_notes) layout.paragraph(visit.resolution_notes);
  }
  // Money fields are optional in the API type (redacted per role); the documents get them all.
  const money = (amount: number | undefined) => f.money(amount ?? 0, invoice.currency ?? 'EUR');
  layout.table(
    [
      { header: label(language, 'description'), width: 5 },
      { header: label(language, 'quantity'), width: 1.2, align: 'right' },
      { header: label(language, 'amount'), width: 1.6, align: 'right' },
    ],
    invoice.lines.map((line) => [
      line.sku ? `${line.description} (${line.sku})` : line.description,
      line.minutes !== null ? `${f.hours(line.minutes)} h` : f.number(line.quantity, 2),
      money(line.amount),
    ]),
  );
  const hours = invoice.lines.filter((l) => l.minutes !== null).reduce((sum, l) => sum + (l.minutes ?? 0), 0);
  layout.totals([
    [label(language, 'labourHours'), `${f.hours(hours)} h`],
    [label(language, 'total'), money(invoice.total)],
  ]);
  layout.paragraph(label(language, 'actStatement'));
  layout.signatureLines([label(language, 'signatureProvider'), label(language, 'signatureCustomer')]);
  return layout.render();
}
