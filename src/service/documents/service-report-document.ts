/**
 * The service report of a closed visit: what was done and with what outcome, the labour and its
 * total, the parts used (no prices), the equipment's readings at arrival and departure when
 * telemetry has them, the visit's photos, and the customer's acceptance (the drawn signature, or
 * the typed name and confirmation) with its time.
 */
import { DocumentFormat, type DocumentLocale } from './document-format.js';
import { label, labelOf } from './document-labels.js';
import type { LabourFacts, PartFacts, TicketFacts, VisitFacts } from './documents.repository.js';
import { PdfLayout, type CompanyHeader } from './pdf-layout.js';

export interface ReadingRow {
  readonly metric: string;
  readonly unit: string | null;
  readonly arrival: number | null;
  readonly departure: number | null;
}

export interface ReportPhoto {
  readonly data: Buffer;
  readonly caption: string | null;
}

export interface ServiceReportInput {
  readonly ticket: TicketFacts;
  readonly visit: VisitFacts;
  readonly labour: readonly LabourFacts[];
  readonly parts: readonly PartFacts[];
  readonly readings: readonly ReadingRow[];
  readonly photos: readonly ReportPhoto[];
  readonly company: CompanyHeader;
  readonly locale: DocumentLocale;
}

const SIGNATURE_PREFIX = 'data:image/png;base64,';

export async function renderServiceReport(input: ServiceReportInput): Promise<Buffer> {
  const { ticket, visit, locale } = input;
  const { language } = locale;
  const f = new DocumentFormat(locale);
  const layout = new PdfLayout(input.company, {
    title: label(language, 'serviceReport'),
    number: ticket.number,
    language,
    facts: [
      [label(language, 'date'), f.date(visit.actual_start ?? visit.planned_start)],
      [label(language, 'technician'), visit.technician_name],
      [label(language, 'outcome'), labelOf(language, 'outcome', visit.outcome ?? '')],
    ],
  });
  layout.blocks(
    { title: label(language, 'customer'), lines: [ticket.customer_name, ticket.customer_email] },
    {
      title: label(language, 'site'),
      lines: [ticket.site_name, ticket.site_address, [ticket.site_city, ticket.site_country].filter(Boolean).join(', ')],
    },
  );
  layout.facts([
    [label(language, 'ticket'), `${ticket.number}: ${ticket.title}`],
    [label(language, 'asset'), [ticket.model_name, ticket.asset_name].filter(Boolean).join(' · ') || null],
    [label(language, 'serialNumber'), ticket.serial_number],
    [label(language, 'arrival'), visit.actual_start ? f.dateTime(visit.actual_start) : null],
    [label(language, 'departure'), visit.actual_end ? f.dateTime(visit.actual_end) : null],
  ]);

  layout.section(label(language, 'workDone'));
  layout.paragraph(visit.resolution_notes ?? visit.notes ?? '—');

  layout.section(label(language, 'labour'));
  const minutes = input.labour.reduce((sum, l) => sum + l.minutes, 0);
  if (input.labour.length > 0)
    layout.table(
      [
        { header: label(language, 'recordedAt'), width: 2 },
        { header: label(language, 'description'), width: 4 },
        { header: label(language, 'hours'), width: 1, align: 'right' },
      ],
      input.labour.map((l) => [
        f.dateTime(l.recorded_at),
        [l.description, l.skill, l.overtime ? '(+)' : null].filter(Boolean).join(' · ') || '—',
        f.hours(l.minutes),
      ]),
    );
  layout.totals([[label(language, 'totalLabour'), `${f.hours(minutes)} h`]]);

  layout.section(label(language, 'partsUsed'));
  if (input.parts.length === 0) layout.paragraph(label(language, 'none'), { muted: true });
  else
    layout.table(
      [
        { header: label(language, 'sku'), width: 1.5 },
        { header: label(language, 'description'), width: 4 },
        { header: label(language, 'quantity'), width: 1, align: 'right' },
      ],
      input.parts.map((p) => [p.sku, p.description ?? '', f.number(Number(p.quantity))]),
    );

  if (input.readings.length > 0) {
    layout.section(label(language, 'readings'));
    const value = (v: number | null, unit: string | null) => (v === null ? '—' : `${f.number(v, 2)}${unit ? ` ${unit}` : ''}`);
    layout.table(
      [
        { header: label(language, 'metric'), width: 2 },
        { header: label(language, 'atArrival'), width: 1.5, align: 'right' },
        { header: label(language, 'atDeparture'), width: 1.5, align: 'right' },
      ],
      input.readings.map((r) => [r.metric, value(r.arrival, r.unit), value(r.departure, r.unit)]),
    );
  }

  if (input.photos.length > 0) {
    layout.section(label(language, 'photos'));
    for (const photo of input.photos) tryImage(layout, photo.data, { maxWidth: 320, maxHeight: 220, caption: photo.caption ?? undefined });
  }

  layout.section(label(language, 'acceptance'));
  const acceptedAt = visit.accepted_at ? f.dateTime(visit.accepted_at) : '—';
  const name = visit.acceptance_name ?? '—';
  if (visit.acceptance_signature?.startsWith(SIGNATURE_PREFIX)) {
    tryImage(layout, Buffer.from(visit.acceptance_signature.slice(SIGNATURE_PREFIX.length), 'base64'), { maxWidth: 220, maxHeight: 80 });
    layout.paragraph(label(language, 'signedBy', { name, date: acceptedAt }));
  } else {
    layout.paragraph(label(language, 'confirmedBy', { name, date: acceptedAt, text: visit.acceptance_confirmation ?? '' }));
  }
  return layout.render();
}

/** An image pdfkit cannot decode (a PNG variant it does not read) is left out rather than failing the whole report. */
function tryImage(layout: PdfLayout, data: Buffer, options: Parameters<PdfLayout['image']>[1]): void {
  try {
    layout.image(data, options);
  } catch {
    if (options.caption) layout.paragraph(options.caption, { muted: true, size: 8 });
  }
}
