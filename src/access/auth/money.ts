/**
 * Who sees money: one rule per FIELD, declared here and nowhere else.
 *
 * MONEY_FIELDS names every response field that holds money, with its kind; MONEY_AUDIENCES says
 * which roles see each kind. A response schema declares such a field with `money(id, schema)`,
 * which marks it in the zod schema (so the OpenAPI document still describes it, with
 * `x-money` and `x-visible-to`) and makes it optional (absent for the others). The response hook
 * (money-redaction.ts) removes every marked field the caller's role may not see, on every route,
 * at any depth, by the field's place in the schema — not by its name, so an unrelated `value` or
 * `cost` elsewhere is untouched. Routes declare nothing; a new money field is one line here and
 * one `money()` in its schema (test/auth/money-visibility.test.ts fails on an unmarked one).
 */
import { z } from 'zod';
import type { Role } from '../../kernel/caller.js';

/** Which roles see each kind of money. Everyone else never receives the field. */
export const MONEY_AUDIENCES = {
  /** What a customer is charged: the back office bills it, the customer pays it (own records only). */
  price: ['admin', 'dispatcher', 'customer'],
  /** What things cost us (labour, parts, stock value): the back office, never a customer. */
  cost: ['admin', 'dispatcher'],
  /** Revenue and margin: management only. */
  profit: ['admin'],
  /** What an offer is worth: the people who sell it, the front desk included (agents sell on the phone). */
  sales: ['admin', 'dispatcher', 'agent'],
} as const satisfies Record<string, readonly Role[]>;
export type MoneyKind = keyof typeof MONEY_AUDIENCES;

/** Every money field of every response: id (entity.field) → kind and what it is. */
export const MONEY_FIELDS = {
  'technician.hourlyCost': { kind: 'cost', what: 'What an hour of this technician costs' },
  'part.unitPrice': { kind: 'price', what: 'Sales price per unit (catalogue)' },
  'part.unitCost': { kind: 'cost', what: 'What a unit costs us' },
  'stockMovement.unitCost': { kind: 'cost', what: 'Unit cost booked with the movement' },
  'reorderLine.unitCost': { kind: 'cost', what: 'Unit cost of the part' },
  'reorderLine.lineCost': { kind: 'cost', what: 'suggestedQuantity × unitCost' },
  'reorderSupplier.totalCost': { kind: 'cost', what: 'Cost of all lines for this supplier' },
  'visitPart.unitPrice': { kind: 'price', what: 'Price per unit set by the back office; null = the catalogue price at invoicing' },
  'maintenancePlanPart.unitPrice': { kind: 'price', what: 'Price used for the consumables offer value' },
  'contract.value': { kind: 'price', what: 'Contract value' },
  'contract.currency': { kind: 'price', what: 'ISO 4217 currency of value' },
  'customer360.activeContractValue': { kind: 'price', what: 'Summed value of the active contracts' },
  'invoice.currency': { kind: 'price', what: 'ISO 4217 currency of the amounts' },
  'invoice.subtotal': { kind: 'price', what: 'Charges before coverage' },
  'invoice.coveredAmount': { kind: 'price', what: 'Covered by warranty or contract' },
  'invoice.total': { kind: 'price', what: 'subtotal − coveredAmount' },
  'invoice.costTotal': { kind: 'cost', what: 'What the invoiced work cost us' },
  'invoiceLine.unitPrice': { kind: 'price', what: 'Price per unit' },
  'invoiceLine.amount': { kind: 'price', what: 'quantity × unitPrice' },
  'invoiceLine.cost': { kind: 'cost', what: 'What the line cost us' },
  'quote.currency': { kind: 'price', what: 'ISO 4217 currency of the amounts' },
  'quote.subtotal': { kind: 'price', what: 'Charges before coverage' },
  'quote.coveredAmount': { kind: 'price', what: 'Covered by warranty or contract' },
  'quote.total': { kind: 'price', what: 'subtotal − coveredAmount' },
  'quoteLine.unitPrice': { kind: 'price', what: 'Price per unit' },
  'quoteLine.amount': { kind: 'price', what: 'quantity × unitPrice' },
  'quoteItem.unitPrice': { kind: 'price', what: 'Part price given instead of the catalogue price' },
  'labourRate.hourlyRate': { kind: 'price', what: 'Price of an hour of labour' },
  'labourRate.overtimeMultiplier': { kind: 'price', what: 'Factor on hourlyRate for overtime' },
  'partsReport.unitCost': { kind: 'cost', what: 'parts.unit_cost' },
  'partsReport.cost': { kind: 'cost', what: 'quantity × parts.unit_cost; null when the part is unknown to stock' },
  'profitabilityReport.invoicedRevenue': { kind: 'profit', what: 'Totals of issued or paid invoices' },
  'profitabilityReport.contractRevenue': { kind: 'profit', what: 'Contract values pro-rated over the period' },
  'profitabilityReport.revenue': { kind: 'profit', what: 'invoicedRevenue + contractRevenue' },
  'profitabilityReport.invoicedCost': { kind: 'profit', what: 'Cost of the invoiced work' },
  'profitabilityReport.uninvoicedCost': { kind: 'profit', what: 'Cost of work without an invoice' },
  'profitabilityReport.cost': { kind: 'profit', what: 'invoicedCost + uninvoicedCost' },
  'profitabilityReport.margin': { kind: 'profit', what: 'revenue − cost' },
  'profitabilityReport.marginPct': { kind: 'profit', what: 'margin / revenue × 100' },
  'opportunity.value': { kind: 'sales', what: 'Estimated value of the offer' },
  'opportunity.currency': { kind: 'sales', what: 'Currency of value' },
} as const satisfies Record<string, { kind: MoneyKind; what: string }>;
export type MoneyField = keyof typeof MONEY_FIELDS;

/** JSON Schema keyword marking a money field (also in the OpenAPI document). */
export const MONEY_KEYWORD = 'x-money';

/** The roles that see a money field. */
export function audienceOf(field: MoneyField): readonly Role[] {
  return MONEY_AUDIENCES[MONEY_FIELDS[field].kind];
}

/** True when `role` sees the money field. */
export function seesMoney(role: Role, field: MoneyField): boolean {
  return audienceOf(field).includes(role);
}

/** True when `role` sees every field of a kind (e.g. may set prices: it sees them). */
export function seesMoneyKind(role: Role, kind: MoneyKind): boolean {
  return (MONEY_AUDIENCES[kind] as readonly Role[]).includes(role);
}

/**
 * A money field of a response schema: `schema` marked with the field id and made optional
 * (absent for roles that do not see it).
 */
export function money<T extends z.ZodType>(field: MoneyField, schema: T) {
  const { kind, what } = MONEY_FIELDS[field];
  const roles = MONEY_AUDIENCES[kind];
  return schema
    .meta({ [MONEY_KEYWORD]: field, 'x-visible-to': [...roles], description: `${what}. Money (${kind}): present only for ${roles.join(', ')}.` })
    .optional();
}

/** The money field id a schema layer is marked with, if any. */
export function moneyFieldOf(schema: z.core.$ZodType): MoneyField | undefined {
  const id = z.globalRegistry.get(schema)?.[MONEY_KEYWORD];
  return typeof id === 'string' && id in MONEY_FIELDS ? (id as MoneyField) : undefined;
}
