/**
 * The estimate a quote starts from when none is given: the ticket's diagnosis. Labour is the
 * diagnosed hours for the required skill; parts are those reserved for the ticket or proposed by
 * the diagnosis (per SKU the larger quantity); one travel when there is work at all.
 */
import type { TicketDiagnosis } from './quotes.repository.js';
import type { QuoteItem } from './quotes.schemas.js';

export function itemsFromDiagnosis(d: TicketDiagnosis): { items: QuoteItem[]; warnings: string[] } {
  const items: QuoteItem[] = [];
  if (d.labourHours && d.labourHours > 0) {
    items.push({ kind: 'labour', hours: d.labourHours, ...(d.skill ? { skill: d.skill } : {}), ...(d.title ? { description: d.title } : {}) });
  }
  const parts = new Map<string, { quantity: number; description?: string }>();
  for (const p of d.proposed) parts.set(p.sku, { quantity: p.quantity, ...(p.description ? { description: p.description } : {}) });
  for (const r of d.reserved) {
    const known = parts.get(r.sku);
    parts.set(r.sku, { ...known, quantity: Math.max(known?.quantity ?? 0, r.quantity) });
  }
  for (const [sku, p] of parts) items.push({ kind: 'parts', sku, ...p });
  if (items.length > 0) items.push({ kind: 'travel' });
  const warnings = items.length === 0 ? ['The ticket has no diagnosis (labour, parts): add lines before sending'] : [];
  return { items, warnings };
}
