/**
 * What an invoice charges when the customer agreed to something before the work (an accepted
 * quote): the agreed lines replace the pricing of the recorded work. The invoicing feature owns
 * this port; the feature that records the agreement implements it (quotes), so invoicing does not
 * depend on it.
 */
import type { Queryable } from '../../kernel/db/database.js';
import type { ComputedInvoice } from './invoice-calculator.js';

export interface InvoiceBasisPort {
  /** The agreed lines and totals of the ticket (no prepaid draws), or null to price the recorded work. */
  agreedFor(q: Queryable, ticketId: string): Promise<ComputedInvoice | null>;
}
