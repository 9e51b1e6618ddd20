/**
 * Assignment changes inside the caller's transaction, shared by visits, dispatch and absences:
 * the ticket's technician (same rules as TicketsService.assign: open tickets only, the user must
 * be an active technician, `new` becomes `assigned`, audited), a visit handed to another
 * technician (assignment history, audit, ticket follows), and the technicians' messages.
 */
import { recordAudit, type Actor } from '../../access/audit/audit.service.js';
import type { NotifierPort, TechnicianEvent } from '../notifications/notification.port.js';
import type { Queryable } from '../../kernel/db/database.js';
import { conflict, notFound } from '../../kernel/errors.js';
import { invalidField } from '../../kernel/errors.js';
import { TicketsRepository } from '../tickets/tickets.repository.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import { DispatchRepository } from './dispatch.repository.js';

const tickets = new TicketsRepository();
const dispatch = new DispatchRepository();
const CLOSED = ['resolved', 'closed', 'cancelled'];

export interface ChangeContext {
  readonly actor: Actor;
  readonly now: Date;
  readonly reason?: string | undefined;
  readonly notifier?: NotifierPort | undefined;
  /** For the workflow move new → assigned (TicketsService.transitionIn). */
  readonly ticketsService: TicketsService;
}

/** Sets the ticket's technician like TicketsService.assign, in the caller's transaction. Returns true if it changed. */
export async function assignTicketIn(tx: Queryable, ticketId: string, technicianId: string, ctx: ChangeContext): Promise<boolean> {
  const current = await tickets.find(tx, ticketId, { lock: true });
  if (!current) throw notFound('ticket', ticketId);
  if (CLOSED.includes(current.status)) throw conflict(`A ${current.status} ticket cannot be reassigned`, { ticketStatus: current.status });
  if (current.technician_id === technicianId) return false;
  if (!(await tickets.isTechnician(tx, technicianId))) throw invalidField('body.technicianId', `${technicianId} is not an active technician`);
  await tickets.update(tx, ticketId, { technician_id: technicianId, updated_at: ctx.now });
  await recordAudit(tx, ctx.actor, {
    entity: 'ticket',
    entityId: ticketId,
    action: 'assign',
    changes: { technicianId: { from: current.technician_id, to: technicianId }, reason: ctx.reason ?? null },
  });
  if (current.status === 'new') await ctx.ticketsService.transitionIn(tx, ticketId, 'assigned', ctx.reason, ctx.actor);
  return true;
}

export interface VisitRef {
  readonly id: string;
  readonly ticket_id: string;
  readonly technician_id: string;
  readonly planned_start: Date;
  readonly planned_end: Date;
}

/**
 * Hands a visit to another technician: the visit row, its assignment history, the ticket's
 * technician when it was the previous one (or none), and both technicians told.
 */
export async function reassignVisitIn(tx: Queryable, visit: VisitRef, to: string, ctx: ChangeContext): Promise<void> {
  if (visit.technician_id === to) return;
  await tx.query('UPDATE visits SET technician_id = $2, updated_at = $3, version = version + 1 WHERE id = $1', [visit.id, to, ctx.now]);
  await dispatch.addHistory(tx, { visitId: visit.id, from: visit.technician_id, to, at: ctx.now, actor: ctx.actor, reason: ctx.reason });
  await recordAudit(tx, ctx.actor, {
    entity: 'visit',
    entityId: visit.id,
    action: 'reassign',
    changes: { technicianId: { from: visit.technician_id, to }, reason: ctx.reason ?? null },
  });
  const ticket = await tickets.find(tx, visit.ticket_id);
  if (ticket && !CLOSED.includes(ticket.status) && (ticket.technician_id === visit.technician_id || ticket.technician_id === null)) {
    await assignTicketIn(tx, visit.ticket_id, to, ctx);
  }
  const window = { start: visit.planned_start, end: visit.planned_end };
  await notifyTechnician(tx, ctx.notifier, 'assignment.cancelled', visit.technician_id, visit, window, ctx.reason, ctx.now);
  await notifyTechnician(tx, ctx.notifier, 'assignment.created', to, visit, window, ctx.reason, ctx.now);
}

/** Cancels a planned visit (audited, with `why`) and tells its technician. */
export async function cancelVisitIn(tx: Queryable, visit: VisitRef, ctx: ChangeContext, why: string): Promise<void> {
  await tx.query("UPDATE visits SET status = 'cancelled', updated_at = $2, version = version + 1 WHERE id = $1", [visit.id, ctx.now]);
  await notifyTechnician(
    tx,
    ctx.notifier,
    'assignment.cancelled',
    visit.technician_id,
    visit,
    { start: visit.planned_start, end: visit.planned_end },
    ctx.reason,
    ctx.now,
  );
  await recordAudit(tx, ctx.actor, { entity: 'visit', entityId: visit.id, action: 'cancel', changes: { status: 'cancelled', reason: why } });
}

/** Queues a technician message (no-op without a notifier). */
export async function notifyTechnician(
  tx: Queryable,
  notifier: NotifierPort | undefined,
  event: TechnicianEvent,
  technicianId: string,
  visit: Pick<VisitRef, 'id' | 'ticket_id'>,
  window: { start: Date; end: Date },
  reason?: string,
  /** When given, part of the dedupe key: the same event may recur later (A → B → A). */
  at?: Date,
): Promise<void> {
  if (!notifier) return;
  const { rows } = await tx.query<{ number: string; title: string; site_name: string | null; address: string | null }>(
    `SELECT t.number, t.title, s.name AS site_name, s.address FROM tickets t
     LEFT JOIN assets a ON a.id = t.asset_id LEFT JOIN sites s ON s.id = COALESCE(t.site_id, a.site_id) WHERE t.id = $1`,
    [visit.ticket_id],
  );
  const t = rows[0];
  await notifier.enqueueForTechnician(tx, {
    event,
    technicianId,
    ticketId: visit.ticket_id,
    visitId: visit.id,
    ...(at ? { dedupeKey: `${event}:${visit.id}:${technicianId}:${window.start.toISOString()}:${at.toISOString()}` } : {}),
    data: {
      start: window.start.toISOString(),
      end: window.end.toISOString(),
      ticketNumber: t?.number ?? null,
      title: t?.title ?? null,
      siteName: t?.site_name ?? null,
      address: t?.address ?? null,
      reason: reason ?? null,
    },
  });
}
