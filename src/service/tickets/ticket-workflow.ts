/**
 * The ticket status workflow as a pure transition table. The service asks `assertTransition`
 * before every status change; an unlisted move is a CONFLICT (409) naming from and to.
 *
 *   new → assigned → scheduled → en_route → in_progress → on_hold → resolved → closed
 *   (+ cancelled from any open state before work is done; + a few ways back, listed below)
 */
import { AppError } from '../../kernel/errors.js';

export const TICKET_STATUSES = ['new', 'assigned', 'scheduled', 'en_route', 'in_progress', 'on_hold', 'resolved', 'closed', 'cancelled'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = Object.freeze({
  // resolved: a question answered at first contact.
  new: ['assigned', 'resolved', 'cancelled'],
  // new: unassigned again; en_route/in_progress: urgent jobs go without scheduling.
  assigned: ['new', 'scheduled', 'en_route', 'in_progress', 'cancelled'],
  // assigned: unscheduled (reschedule).
  scheduled: ['assigned', 'en_route', 'in_progress', 'cancelled'],
  // scheduled: turned back on the way.
  en_route: ['scheduled', 'in_progress', 'on_hold', 'cancelled'],
  // scheduled: another visit needed.
  in_progress: ['on_hold', 'scheduled', 'resolved'],
  on_hold: ['in_progress', 'scheduled', 'assigned', 'resolved', 'cancelled'],
  // in_progress: reopened.
  resolved: ['closed', 'in_progress'],
  closed: [],
  cancelled: [],
});

/** Statuses in which the ticket is still open work. */
export const OPEN_STATUSES: readonly TicketStatus[] = ['new', 'assigned', 'scheduled', 'en_route', 'in_progress', 'on_hold'];

/** Entering one of these marks the SLA response as met. */
export const RESPONSE_STATUSES: readonly TicketStatus[] = ['en_route', 'in_progress'];

/** Statuses that require a technician on the ticket. */
export const NEEDS_TECHNICIAN: readonly TicketStatus[] = ['assigned', 'scheduled', 'en_route', 'in_progress'];

/**
 * Quotes: a ticket waiting for the customer's approval of a quote (hold reason `awaiting_quote`)
 * is held from any open state before the work is done, not only from en_route and in_progress;
 * only the quotes feature holds and releases it (TicketsService.holdForQuote / resumeAfterQuote).
 */
export const QUOTE_HOLD_FROM: readonly TicketStatus[] = ['new', 'assigned', 'scheduled', 'en_route', 'in_progress'];

/** Where a ticket held for a quote goes once the quote is accepted: where it was (a trip that was under way is scheduled again). */
export function afterQuoteHold(before: TicketStatus): TicketStatus {
  return before === 'en_route' ? 'scheduled' : before;
}

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: TicketStatus, to: TicketStatus): void {
  if (canTransition(from, to)) return;
  const allowed = TRANSITIONS[from];
  throw new AppError(
    'CONFLICT',
    `A ticket cannot go from ${from} to ${to}; allowed from ${from}: ${allowed.length ? allowed.join(', ') : 'none (final state)'}`,
    { from, to, allowed },
  );
}
