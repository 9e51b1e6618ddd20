/**
 * Invoice arithmetic as one pure function: the work done on a ticket (labour entries, parts,
 * visits), the rates and the contract terms in; lines, totals and prepaid draws out. All money
 * is computed in integer cents.
 *
 * The rules, in order, for each piece of work:
 * - Warranty: work on a date up to the asset's `warranty_end` (inclusive) is covered 100 % for
 *   labour (overtime included) and parts. Travel is not a warranty item: it stays billable unless
 *   the contract includes travel. Warranty labour draws no prepaid minutes at invoicing.
 * - Prepaid: minutes drawn when the labour was recorded (`prepaidMinutes` of the entry) are shown
 *   as a zero-charge `prepaid` line and never drawn again. Minutes not drawn yet are drawn now
 *   from `contract.prepaidAvailable`, entry by entry in the order given, until it runs out.
 *   Prepaid minutes pay regular time before overtime.
 * - Overtime: the whole entry when its overtime flag is set, else the visit's out-of-hours share
 *   of it; charged at the skill's rate × its overtime multiplier.
 * - Contract coverage: labourPercent of the billable labour, partsPercent of the parts, all travel
 *   when travelIncluded — as negative `coverage` lines, one per source and category.
 */
import { haversineKm as greatCircleKm } from '../../kernel/geo.js';

export const LINE_KINDS = ['labour', 'overtime', 'parts', 'travel', 'prepaid', 'coverage'] as const;
export type LineKind = (typeof LINE_KINDS)[number];

/** The '*' row of labour_rates: the rate for any skill without its own row. */
export const DEFAULT_SKILL = '*';

export interface RateCard {
  readonly hourlyRate: number;
  readonly overtimeMultiplier: number;
}

export interface LabourWork {
  readonly entryId: string;
  readonly visitId: string;
  /** UTC date of the visit's actual start, `YYYY-MM-DD`. */
  readonly workDate: string;
  readonly minutes: number;
  /** Minutes already drawn from the prepaid balance when the labour was recorded. */
  readonly prepaidMinutes: number;
  readonly skill: string | null;
  readonly overtime: boolean;
  /** Share (0..1) of the visit outside the technician's working hours. */
  readonly outOfHoursShare: number;
  readonly description: string | null;
  /** What an hour of this technician costs us. */
  readonly hourlyCost: number;
}

export interface PartWork {
  readonly entryId: string;
  readonly visitId: string;
  readonly workDate: string;
  readonly sku: string;
  readonly description: string | null;
  readonly quantity: number;
  /** Price on the visit, else the catalogue price; null = unknown (charged 0, with a warning). */
  readonly unitPrice: number | null;
  readonly unitCost: number | null;
}

export interface VisitTravel {
  readonly visitId: string;
  readonly workDate: string;
  /** False for a visit with recorded work but no actual start (no travel charged). */
  readonly travelled: boolean;
  /** Round trip from the technician's home base to the site, when both positions are known. */
  readonly distanceKm: number | null;
  /** Travel time recorded by dispatch (one way), when known. */
  readonly travelMinutes: number | null;
  readonly hourlyCost: number;
}

export interface ContractTerms {
  readonly id: string;
  readonly number: string;
  readonly labourPercent: number;
  readonly partsPercent: number;
  readonly travelIncluded: boolean;
  /** Minutes that may be drawn now (0 = none, e.g. a contract without prepaid hours). */
  readonly prepaidAvailable: number;
}

/** How travel is charged per visit. */
export interface TravelPolicy {
  /** 'flat': one fee per visit; 'per_km': per round-trip km (the flat fee when the distance is unknown). Default 'flat'. */
  readonly mode: 'flat' | 'per_km';
  /** Fee per visit (and the per-km fallback). Default 45.00. */
  readonly flatFee: number;
  /** Price per km in 'per_km' mode. Default 0.65. */
  readonly perKm: number;
  /** What a km costs us (vehicle), for the line's cost. Default 0.30. */
  readonly costPerKm: number;
}

export const DEFAULT_TRAVEL_POLICY: TravelPolicy = Object.freeze({ mode: 'flat', flatFee: 45, perKm: 0.65, costPerKm: 0.3 });

export interface InvoiceWork {
  readonly labour: readonly LabourWork[];
  readonly parts: readonly PartWork[];
  readonly visits: readonly VisitTravel[];
  /** Skill → rate; must hold DEFAULT_SKILL. */
  readonly rates: ReadonlyMap<string, RateCard>;
  readonly contract: ContractTerms | null;
  /** The asset's warranty end `YYYY-MM-DD`, or null. */
  readonly warrantyEnd: string | null;
  readonly travel: TravelPolicy;
}

export interface ComputedLine {
  readonly kind: LineKind;
  readonly description: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly amount: number;
  readonly cost: number;
  readonly minutes: number | null;
  readonly sku: string | null;
  readonly skill: string | null;
  readonly visitId: string | null;
  readonly labourEntryId: string | null;
  readonly partEntryId: string | null;
}

export interface PrepaidDraw {
  readonly labourEntryId: string;
  readonly visitId: string;
  readonly minutes: number;
}

export interface ComputedInvoice {
  readonly lines: ComputedLine[];
  readonly subtotal: number;
  readonly coveredAmount: number;
  readonly total: number;
  readonly costTotal: number;
  /** Prepaid minutes on this invoice: drawn before plus drawn now. */
  readonly prepaidMinutes: number;
  /** Minutes to draw now, per labour entry (the caller writes them to the ledger). */
  readonly draws: PrepaidDraw[];
  readonly warnings: string[];
}

type Category = 'labour' | 'parts' | 'travel';

const cents = (money: number) => Math.round(money * 100);
const euros = (c: number) => c / 100;
const hours = (minutes: number) => Math.round((minutes / 60) * 1000) / 1000;

export function computeInvoice(work: InvoiceWork): ComputedInvoice {
  const fallback = work.rates.get(DEFAULT_SKILL);
  if (!fallback) throw new RangeError(`labour rates must include the default '${DEFAULT_SKILL}' row`);
  const lines: ComputedLine[] = [];
  const warnings: string[] = [];
  const draws: PrepaidDraw[] = [];
  // Coverage per source and category, in cents; insertion order = line order.
  const covered = new Map<string, { description: string; cents: number }>();
  const cover = (key: string, description: string, c: number) => {
    if (c <= 0) return;
    const entry = covered.get(key) ?? { description, cents: 0 };
    entry.cents += c;
    covered.set(key, entry);
  };
  const contract = work.contract;
  const underWarranty = (date: string) => work.warrantyEnd !== null && date <= work.warrantyEnd;
  const applyCoverage = (category: Category, date: string, amountCents: number) => {
    if (amountCents <= 0) return;
    if (category !== 'travel' && underWarranty(date)) {
      cover(`warranty:${category}`, `Warranty (until ${work.warrantyEnd}): ${category}`, amountCents);
      return;
    }
    if (!contract) return;
    if (category === 'travel') {
      if (contract.travelIncluded) cover('contract:travel', `Contract ${contract.number}: travel included`, amountCents);
      return;
    }
    const pct = category === 'labour' ? contract.labourPercent : contract.partsPercent;
    if (pct > 0) cover(`contract:${category}`, `Contract ${contract.number}: ${pct} % of ${category}`, Math.round((amountCents * pct) / 100));
  };
  const line = (l: Partial<ComputedLine> & Pick<ComputedLine, 'kind' | 'description' | 'quantity' | 'unitPrice' | 'amount' | 'cost'>): ComputedLine => ({
    minutes: null,
    sku: null,
    skill: null,
    visitId: null,
    labourEntryId: null,
    partEntryId: null,
    ...l,
  });

  let available = contract ? Math.max(0, Math.floor(contract.prepaidAvailable)) : 0;
  let prepaidTotal = 0;
  const visitOrder = new Map(work.visits.map((v, i) => [v.visitId, i]));
  const order = (visitId: string) => visitOrder.get(visitId) ?? Number.MAX_SAFE_INTEGER;

  for (const visit of work.visits) {
    if (visit.travelled) {
      const fee = travelFee(visit, work.travel);
      const costCents =
        Math.round(((visit.travelMinutes ?? 0) * 2 * cents(visit.hourlyCost)) / 60) + Math.round((visit.distanceKm ?? 0) * cents(work.travel.costPerKm));
      lines.push(
        line({
          kind: 'travel',
          description: fee.description,
          quantity: fee.quantity,
          unitPrice: euros(fee.unitCents),
          amount: euros(fee.amountCents),
          cost: euros(costCents),
          visitId: visit.visitId,
        }),
      );
      applyCoverage('travel', visit.workDate, fee.amountCents);
    }

    for (const entry of work.labour.filter((l) => l.visitId === visit.visitId)) {
      const skill = entry.skill ?? null;
      const rate = (skill !== null ? work.rates.get(skill) : undefined) ?? fallback;
      const label = skill ?? 'general';
      const what = entry.description ? `${label}: ${entry.description}` : label;
      const overtimeMinutes = entry.overtime ? entry.minutes : Math.round(entry.minutes * entry.outOfHoursShare);
      const regularMinutes = entry.minutes - overtimeMinutes;
      const already = Math.min(entry.prepaidMinutes, entry.minutes);
      const drawNow = underWarranty(entry.workDate) ? 0 : Math.min(entry.minutes - already, available);
      available -= drawNow;
      if (drawNow > 0) draws.push({ labourEntryId: entry.entryId, visitId: entry.visitId, minutes: drawNow });
      const prepaid = already + drawNow;
      prepaidTotal += prepaid;
      const prepaidRegular = Math.min(prepaid, regularMinutes);
      const billRegular = regularMinutes - prepaidRegular;
      const billOvertime = overtimeMinutes - (prepaid - prepaidRegular);
      const costOf = (minutes: number) => euros(Math.round((minutes * cents(entry.hourlyCost)) / 60));
      const base = { skill, visitId: entry.visitId, labourEntryId: entry.entryId };
      if (prepaid > 0) {
        const from = contract ? ` from contract ${contract.number}` : '';
        lines.push(
          line({
            ...base,
            kind: 'prepaid',
            description: `Prepaid labour (${what}), ${prepaid} min${from}`,
            quantity: hours(prepaid),
            unitPrice: 0,
            amount: 0,
            cost: costOf(prepaid),
            minutes: prepaid,
          }),
        );
      }
      if (billRegular > 0) {
        const unit = cents(rate.hourlyRate);
        const amount = Math.round((billRegular * unit) / 60);
        lines.push(
          line({
            ...base,
            kind: 'labour',
            description: `Labour (${what}), ${billRegular} min`,
            quantity: hours(billRegular),
            unitPrice: euros(unit),
            amount: euros(amount),
            cost: costOf(billRegular),
            minutes: billRegular,
          }),
        );
        applyCoverage('labour', entry.workDate, amount);
      }
      if (billOvertime > 0) {
        const unit = Math.round(cents(rate.hourlyRate) * rate.overtimeMultiplier);
        const amount = Math.round((billOvertime * unit) / 60);
        const description = `Overtime (${what}), ${billOvertime} min at ×${rate.overtimeMultiplier}`;
        lines.push(
          line({
            ...base,
            kind: 'overtime',
            description,
            quantity: hours(billOvertime),
            unitPrice: euros(unit),
            amount: euros(amount),
            cost: costOf(billOvertime),
            minutes: billOvertime,
          }),
        );
        applyCoverage('labour', entry.workDate, amount);
      }
    }

    for (const part of work.parts.filter((p) => p.visitId === visit.visitId)) {
      if (part.unitPrice === null) warnings.push(`Part ${part.sku} has no price on the visit or in the catalogue: charged at 0`);
      if (part.unitCost === null) warnings.push(`Part ${part.sku} has no cost in the catalogue: its cost counts as 0`);
      const unit = cents(part.unitPrice ?? 0);
      const amount = Math.round(part.quantity * unit);
      const description = `${part.sku}${part.description ? ` ${part.description}` : ''}`;
      lines.push(
        line({
          kind: 'parts',
          description,
          quantity: part.quantity,
          unitPrice: euros(unit),
          amount: euros(amount),
          cost: euros(Math.round(part.quantity * cents(part.unitCost ?? 0))),
          sku: part.sku,
          visitId: part.visitId,
          partEntryId: part.entryId,
        }),
      );
      applyCoverage('parts', part.workDate, amount);
    }
  }
  const orphans = [...work.labour, ...work.parts].filter((w) => order(w.visitId) === Number.MAX_SAFE_INTEGER);
  if (orphans.length > 0) throw new RangeError('labour and parts must belong to one of the visits given');

  for (const { description, cents: c } of covered.values()) {
    lines.push(line({ kind: 'coverage', description, quantity: 1, unitPrice: euros(-c), amount: euros(-c), cost: 0 }));
  }
  const sum = (kinds: readonly LineKind[]) => lines.filter((l) => kinds.includes(l.kind)).reduce((s, l) => s + cents(l.amount), 0);
  const subtotal = sum(['labour', 'overtime', 'parts', 'travel']);
  const coveredCents = -sum(['coverage']);
  return {
    lines,
    subtotal: euros(subtotal),
    coveredAmount: euros(coveredCents),
    total: euros(subtotal - coveredCents),
    costTotal: euros(lines.reduce((s, l) => s + cents(l.cost), 0)),
    prepaidMinutes: prepaidTotal,
    draws,
    warnings,
  };
}

function travelFee(visit: VisitTravel, policy: TravelPolicy): { description: string; quantity: number; unitCents: number; amountCents: number } {
  if (policy.mode === 'per_km' && visit.distanceKm !== null) {
    const km = Math.round(visit.distanceKm * 1000) / 1000;
    const unit = cents(policy.perKm);
    return { description: `Travel ${visit.workDate}, ${km.toFixed(1)} km round trip`, quantity: km, unitCents: unit, amountCents: Math.round(km * unit) };
  }
  const fee = cents(policy.flatFee);
  return { description: `Travel ${visit.workDate} (flat fee)`, quantity: 1, unitCents: fee, amountCents: fee };
}

/** Great-circle distance in km between two points given as { latitude, longitude }. */
export function haversineKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  return greatCircleKm(a.latitude, a.longitude, b.latitude, b.longitude);
}
