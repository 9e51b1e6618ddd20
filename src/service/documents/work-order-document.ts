/**
 * The work order a technician takes to the site: the ticket, customer, site with access notes,
 * equipment, the diagnosis, the reserved parts and where they are, and the planned visits.
 * It carries no prices: technicians do not see them.
 */
import { DocumentFormat, type DocumentLocale } from './document-format.js';
import { label } from './document-labels.js';
import type { DiagnosisFacts, ReservedPart, TicketFacts, VisitFacts } from './documents.repository.js';
import { PdfLayout, type CompanyHeader } from './pdf-layout.js';

export interface WorkOrderInput {
  readonly ticket: TicketFacts;
  readonly diagnosis: DiagnosisFacts | undefined;
  readonly reserved: readonly ReservedPart[];
  readonly visits: readonly VisitFacts[];
  readonly company: CompanyHeader;
  readonly locale: DocumentLocale;
}

export async function renderWorkOrder(input: WorkOrderInput): Promise<Buffer> {
  const { ticket, locale } = input;
  const { language } = locale;
  const f = new DocumentFormat(locale);
  const layout = new PdfLayout(input.company, {
    title: label(language, 'workOrder'),
    number: ticket.number,
    language,
    facts: [
      [label(language, 'date'), f.date(ticket.created_at)],
      [label(language, 'priority'), ticket.priority],
      [label(language, 'technician'), ticket.technician_name ?? '—'],
    ],
  });
  layout.blocks(
    { title: label(language, 'customer'), lines: [ticket.customer_name, ticket.customer_phone, ticket.customer_email] },
    {
      title: label(language, 'site'),
      lines: [ticket.site_name, ticket.site_address, [ticket.site_city, ticket.site_country].filter(Boolean).join(', '), ticket.access_notes],
    },
  );
  layout.facts([
    [label(language, 'asset'), [ticket.model_name, ticket.asset_name].filter(Boolean).join(' · ') || null],
    [label(language, 'serialNumber'), ticket.serial_number],
    [label(language, 'contract'), ticket.contract_number],
  ]);
  layout.section(label(language, 'problem'));
  layout.paragraph(ticket.title);
  if (ticket.description) layout.paragraph(ticket.description, { muted: true });

  const diagnosis = input.diagnosis;
  if (diagnosis || ticket.fault_code) {
    layout.section(label(language, 'diagnosis'));
    layout.facts([[label(language, 'fault'), [ticket.fault_code, diagnosis?.title].filter(Boolean).join(' – ')]]);
    if (diagnosis?.diagnosis) layout.paragraph(diagnosis.diagnosis);
    if (diagnosis?.probableCauses.length) {
      layout.paragraph(label(language, 'probableCauses'), { muted: true });
      layout.bullets(diagnosis.probableCauses);
    }
    if (diagnosis?.actions.length) {
      layout.paragraph(label(language, 'actions'), { muted: true });
      layout.bullets(diagnosis.actions);
    }
  }

  layout.section(label(language, 'reservedParts'));
  if (input.reserved.length === 0) layout.paragraph(label(language, 'none'), { muted: true });
  else
    layout.table(
      [
        { header: label(language, 'sku'), width: 1.4 },
        { header: label(language, 'description'), width: 3.5 },
        { header: label(language, 'quantity'), width: 0.8, align: 'right' },
        { header: label(language, 'location'), width: 2 },
      ],
      input.reserved.map((p) => [p.sku, p.description, f.number(Number(p.quantity)), `${p.location_name} (${p.location_kind})`]),
    );

  const planned = input.visits.filter((v) => v.status !== 'cancelled');
  layout.section(label(language, 'plannedVisits'));
  if (planned.length === 0) layout.paragraph(label(language, 'none'), { muted: true });
  else
    layout.table(
      [
        { header: label(language, 'visitWindow'), width: 3 },
        { header: label(language, 'technician'), width: 2 },
        { header: label(language, 'status'), width: 1.2 },
      ],
      planned.map((v) => [f.window(v.planned_start, v.planned_end), v.technician_name, v.status]),
    );
  layout.signatureLines([label(language, 'signatureProvider'), label(language, 'signatureCustomer')]);
  return layout.render();
}
