/**
 * Prices work that has not been done yet (a quote) with the invoice arithmetic itself
 * (computeInvoice): the same labour rates per skill, catalogue part prices, travel policy, asset
 * warranty and contract coverage, so a quote and the invoice of the same work agree. The estimate
 * is one planned visit on `workDate`. Prepaid minutes are not drawn by an estimate: they are
 * drawn only when labour is recorded or an invoice is issued.
 */
import type { Queryable } from '../../kernel/db/database.js';
import type { ContractRow } from '../contracts/contracts.repository.js';
import { computeInvoice, type ComputedInvoice, type ContractTerms, type TravelPolicy } from './invoice-calculator.js';
import type { InvoiceTicket, InvoiceWorkRepository } from './invoice-work.repository.js';

export type EstimateItem =
  | {
      readonly kind: 'labour';
      readonly hours: number;
      readonly skill?: string | undefined;
      readonly description?: string | undefined;
      readonly overtime?: boolean | undefined;
    }
  | {
      readonly kind: 'parts';
      readonly sku: string;
      readonly quantity: number;
      readonly description?: string | undefined;
      /** Overrides the catalogue price (as a visit part's price does on an invoice). */
      readonly unitPrice?: number | undefined;
    }
  | { readonly kind: 'travel' };

export interface EstimateContext {
  readonly ticket: InvoiceTicket;
  readonly contract: ContractRow | undefined;
  /** `YYYY-MM-DD`: the warranty is judged on this day. */
  readonly workDate: string;
  readonly travel: TravelPolicy;
  readonly defaultHourlyCost: number;
}

/** The coverage terms of a contract as the calculator takes them. */
export function contractTerms(contract: ContractRow, prepaidAvailable = contract.prepaid_minutes_balance): ContractTerms {
  return {
    id: contract.id,
    number: contract.number,
    labourPercent: Number(contract.labour_coverage_pct),
    partsPercent: Number(contract.parts_coverage_pct),
    travelIncluded: contract.travel_included,
    prepaidAvailable,
  };
}

const ESTIMATE_VISIT = 'estimate';

/** Lines and totals of an estimate; the lines carry no visit or entry ids. */
export async function priceEstimate(q: Queryable, work: InvoiceWorkRepository, items: readonly EstimateItem[], ctx: EstimateContext): Promise<ComputedInvoice> {
  const catalogue = await work.catalogueOf(
    q,
    items.flatMap((i) => (i.kind === 'parts' ? [i.sku] : [])),
  );
  const common = { visitId: ESTIMATE_VISIT, workDate: ctx.workDate };
  const computed = computeInvoice({
    rates: await work.rates(q),
    travel: ctx.travel,
    warrantyEnd: ctx.ticket.warranty_end,
    contract: ctx.contract ? contractTerms(ctx.contract, 0) : null,
    visits: [{ ...common, travelled: items.some((i) => i.kind === 'travel'), distanceKm: null, travelMinutes: null, hourlyCost: ctx.defaultHourlyCost }],
    labour: items.flatMap((item, i) =>
      item.kind === 'labour'
        ? [
            {
              ...common,
              entryId: `labour-${i}`,
              minutes: Math.round(item.hours * 60),
              prepaidMinutes: 0,
              skill: item.skill ?? null,
              overtime: item.overtime ?? false,
              outOfHoursShare: 0,
              description: item.description ?? null,
              hourlyCost: ctx.defaultHourlyCost,
            },
          ]
        : [],
    ),
    parts: items.flatMap((item, i) => {
      if (item.kind !== 'parts') return [];
      const known = catalogue.get(item.sku);
      return [
        {
          ...common,
          entryId: `part-${i}`,
          sku: item.sku,
          description: item.description ?? known?.description ?? null,
          quantity: item.quantity,
          unitPrice: item.unitPrice ?? known?.price ?? null,
          unitCost: known?.cost ?? null,
        },
      ];
    }),
  });
  const lines = computed.lines.map((l) => ({ ...l, visitId: null, labourEntryId: null, partEntryId: null }));
  return { ...computed, lines, draws: [] };
}
