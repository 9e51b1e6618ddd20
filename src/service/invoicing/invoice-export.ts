/**
 * The ERP export as CSV (RFC 4180): a header row, then one row per invoice line (an invoice
 * without lines still gets one row with empty line columns), CRLF line ends, fields quoted when
 * they hold a comma, a double quote or a line break (quotes doubled). Numbers use a dot and fixed
 * decimals. Text that a spreadsheet would run as a formula (starting with = + - @ or a tab/CR)
 * is prefixed with a single quote (OWASP CSV injection advice); numeric columns never are.
 */
import type { Invoice } from './invoicing.schemas.js';

export const CSV_COLUMNS = [
  'invoice_number',
  'invoice_status',
  'issued_at',
  'paid_at',
  'customer_id',
  'customer_name',
  'ticket_number',
  'contract_number',
  'currency',
  'line_position',
  'line_kind',
  'description',
  'sku',
  'skill',
  'quantity',
  'unit_price',
  'amount',
  'cost',
  'minutes',
  'invoice_subtotal',
  'invoice_covered_amount',
  'invoice_total',
  'invoice_id',
] as const;

type Cell = string | number | null | undefined;

/** One CSV field: text is guarded against formulas, then quoted when needed. */
export function csvField(value: Cell, kind: 'text' | 'number' = 'text'): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (kind === 'text' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const fixed = (n: number | undefined, digits: number) => (n === undefined ? '' : n.toFixed(digits));

export function invoicesToCsv(invoices: readonly Invoice[]): string {
  const rows: string[] = [CSV_COLUMNS.join(',')];
  for (const invoice of invoices) {
    const head = [
      csvField(invoice.number),
      csvField(invoice.status),
      csvField(invoice.issuedAt),
      csvField(invoice.paidAt),
      csvField(invoice.customerId),
      csvField(invoice.customerName),
      csvField(invoice.ticketNumber),
      csvField(invoice.contractNumber),
      csvField(invoice.currency),
    ];
    const tail = [fixed(invoice.subtotal, 2), fixed(invoice.coveredAmount, 2), fixed(invoice.total, 2), csvField(invoice.id)];
    const lines = invoice.lines.length > 0 ? invoice.lines : [null];
    for (const line of lines) {
      const body = line
        ? [
            String(line.position),
            csvField(line.kind),
            csvField(line.description),
            csvField(line.sku),
            csvField(line.skill),
            fixed(line.quantity, 3),
            fixed(line.unitPrice, 2),
            fixed(line.amount, 2),
            fixed(line.cost, 2),
            line.minutes === null ? '' : String(line.minutes),
          ]
        : Array.from({ length: 10 }, () => '');
      rows.push([...head, ...body, ...tail].join(','));
    }
  }
  return `${rows.join('\r\n')}\r\n`;
}
