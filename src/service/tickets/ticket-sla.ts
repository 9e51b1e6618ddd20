/**
 * How tickets use the SLA policy: the terms of the ticket's contract, due times, the pause of the
 * resolution clock during a customer hold, the response mark, and the breach flags on read.
 */
import { ContractsRepository } from '../contracts/contracts.repository.js';
import type { Queryable } from '../../kernel/db/database.js';
import { breaches, dueTimes, pauseApplies, pausedBusinessMinutes, slaTerms, type SlaTerms } from '../sla/sla.policy.js';
import type { TicketColumns, TicketRow } from './tickets.repository.js';
import { RESPONSE_STATUSES, type TicketStatus } from './ticket-workflow.js';
import { CUSTOMER_HOLD_REASONS } from './tickets.schemas.js';

const contracts = new ContractsRepository();

/** SLA terms of a ticket's contract (the defaults without one). */
export async function termsFor(q: Queryable, contractId: string | null): Promise<SlaTerms> {
  const contract = contractId ? await contracts.find(q, contractId) : undefined;
  return slaTerms(contract ?? null);
}

/**
 * The column changes a status transition implies at `now` (besides status itself):
 * response mark, resolution/closing/cancel stamps, the customer-hold pause and its end.
 */
export function transitionEffects(
  ticket: Pick<
    TicketRow,
    'status' | 'priority' | 'created_at' | 'responded_at' | 'resolution_due_at' | 'sla_paused_at' | 'sla_paused_minutes' | 'technician_id'
  >,
  to: TicketStatus,
  holdReason: string | undefined,
  now: Date,
  terms: SlaTerms,
): TicketColumns {
  const changes: TicketColumns = { status: to, status_changed_at: now, updated_at: now };
  let resolutionDue = ticket.resolution_due_at;
  if (ticket.status === 'on_hold') {
    changes.hold_reason = null;
    if (ticket.sla_paused_at) {
      const paused = ticket.sla_paused_minutes + pausedBusinessMinutes(ticket.sla_paused_at, now, terms.calendar);
      resolutionDue = dueTimes(ticket.created_at, ticket.priority, terms, paused).resolutionDueAt;
      Object.assign(changes, { sla_paused_at: null, sla_paused_minutes: paused, resolution_due_at: resolutionDue });
    }
  }
  if (to === 'on_hold') {
    changes.hold_reason = holdReason ?? null;
    if (holdReason && CUSTOMER_HOLD_REASONS.includes(holdReason) && pauseApplies(now, resolutionDue)) changes.sla_paused_at = now;
  }
  if ((RESPONSE_STATUSES.includes(to) || to === 'resolved') && !ticket.responded_at) changes.responded_at = now;
  if (to === 'resolved') changes.resolved_at = now;
  if (ticket.status === 'resolved' && to !== 'closed') changes.resolved_at = null;
  if (to === 'closed') changes.closed_at = now;
  if (to === 'cancelled') changes.cancelled_at = now;
  if (to === 'new') changes.technician_id = null;
  return changes;
}

/** Breach flags of a stored ticket at `now`. */
export function breachFlags(row: TicketRow, now: Date) {
  return breaches({
    now,
    cancelled: row.status === 'cancelled',
    responseDueAt: row.response_due_at,
    respondedAt: row.responded_at,
    resolutionDueAt: row.resolution_due_at,
    resolvedAt: row.resolved_at,
    pausedAt: row.sla_paused_at,
  });
}
