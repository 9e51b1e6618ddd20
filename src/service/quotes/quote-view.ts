/** A stored quote as the API shows it: the read-time `expired` status, lines, and what customers do not see. */
import type { Role } from '../../kernel/caller.js';
import type { ComputedLine } from '../invoicing/invoice-calculator.js';
import type { QuoteHistoryRow, QuoteLineRow, QuoteRow } from './quotes.repository.js';
import type { Quote, QuoteHistory, QuoteItem, QuoteStatus, StoredQuoteStatus } from './quotes.schemas.js';

/** The UTC day of an instant, `YYYY-MM-DD`. */
export const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

/** `day` plus `days` days, `YYYY-MM-DD`. */
export function addDays(day: string, days: number): string {
  return dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000));
}

/** A sent quote is expired once its last valid day has passed (UTC). */
export function readStatus(status: StoredQuoteStatus, validUntil: string, today: string): QuoteStatus {
  return status === 'sent' && validUntil < today ? 'expired' : status;
}

export function toQuote(row: QuoteRow, lines: readonly QuoteLineRow[], today: string, role: Role | undefined): Quote {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  const quote: Quote = {
    id: row.id,
    number: row.number,
    status: readStatus(row.status, row.valid_until, today),
    ticketId: row.ticket_id,
    ticketNumber: row.ticket_number,
    customerId: row.customer_id,
    customerName: row.customer_name,
    contractId: row.contract_id,
    contractNumber: row.contract_number,
    currency: row.currency,
    subtotal: Number(row.subtotal),
    coveredAmount: Number(row.covered_amount),
    total: Number(row.total),
    estimate: row.estimate.map(estimateView),
    lines: lines.map((l) => ({
      position: l.position,
      kind: l.kind,
      description: l.description,
      quantity: Number(l.quantity),
      unitPrice: Number(l.unit_price),
      amount: Number(l.amount),
      minutes: l.minutes,
      sku: l.sku,
      skill: l.skill,
    })),
    warnings: row.warnings,
    validUntil: row.valid_until,
    note: row.note,
    sentAt: iso(row.sent_at),
    ticketHeld: row.ticket_held,
    decision:
      row.decided_at && row.decision_channel
        ? {
            at: row.decided_at.toISOString(),
            by: { type: row.decided_by_type!, id: row.decided_by_id!, name: row.decided_by_name },
            channel: row.decision_channel,
            onBehalfOf: row.on_behalf_of,
            reason: row.decision_reason,
          }
        : null,
    withdrawnAt: iso(row.withdrawn_at),
    createdBy: { type: row.created_by_type, id: row.created_by_id, name: row.created_by_name },
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
  if (role !== 'customer') return quote;
  const { warnings: _warnings, ...shown } = quote;
  return shown;
}

function estimateView(item: QuoteItem): Quote['estimate'][number] {
  return { ...item };
}

/** The stored lines of a quote as invoice lines (no visit or entry: the agreed work, not recorded work). */
export function toComputedLines(lines: readonly QuoteLineRow[]): ComputedLine[] {
  return lines.map((l) => ({
    kind: l.kind,
    description: l.description,
    quantity: Number(l.quantity),
    unitPrice: Number(l.unit_price),
    amount: Number(l.amount),
    cost: Number(l.cost),
    minutes: l.minutes,
    sku: l.sku,
    skill: l.skill,
    visitId: null,
    labourEntryId: null,
    partEntryId: null,
  }));
}

export function toHistory(quoteId: string, rows: readonly QuoteHistoryRow[], validUntil: string, today: string): QuoteHistory {
  const entries: QuoteHistory['entries'] = rows.map((r) => ({
    id: r.id,
    from: r.from_status,
    to: r.to_status,
    at: r.at.toISOString(),
    actor: { type: r.actor_type, id: r.actor_id },
    reason: r.reason,
    channel: r.channel,
    onBehalfOf: r.on_behalf_of,
  }));
  // The expiry is no stored move: shown as the last entry, at the end of the last valid day.
  const last = rows.at(-1);
  if (last?.to_status === 'sent' && readStatus('sent', validUntil, today) === 'expired') {
    entries.push({
      id: `${last.id}-expired`,
      from: 'sent',
      to: 'expired',
      at: `${addDays(validUntil, 1)}T00:00:00.000Z`,
      actor: { type: 'system', id: 'telemend' },
      reason: `Valid until ${validUntil}`,
      channel: null,
      onBehalfOf: null,
    });
  }
  return { quoteId, entries };
}
