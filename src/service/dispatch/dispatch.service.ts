/**
 * Dispatch: suggestions, one-click dispatch (plan or move the ticket's visit, assign the ticket,
 * schedule it, tell the technician and the customer — one transaction) and the optional
 * auto-assign policy (dispatch_settings.auto_assign) for new tickets.
 */
import type { Caller } from '../../kernel/caller.js';
import { recordAudit, type Actor } from '../../access/audit/audit.service.js';
import { publishSafely, type TicketEventsPort } from '../delivery/ticket-events.js';
import type { NotifierPort } from '../notifications/notification.port.js';
import type { Database } from '../../kernel/db/database.js';
import { AppError, conflict, notFound } from '../../kernel/errors.js';
import { invalidField } from '../../kernel/errors.js';
import { isoDate, localDateOf, nextDate } from '../sla/business-calendar.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { TicketsRepository } from '../tickets/tickets.repository.js';
import { TicketsService } from '../tickets/tickets.service.js';
import type { Ticket } from '../tickets/tickets.schemas.js';
import { canTransition } from '../tickets/ticket-workflow.js';
import { VisitsService } from '../visits/visits.service.js';
import type { Visit } from '../visits/visits.schemas.js';
import { assignTicketIn, notifyTechnician, reassignVisitIn, type ChangeContext } from './assignment.js';
import { DispatchRepository } from './dispatch.repository.js';
import type { DispatchInput, Suggestions, SuggestionsQuery } from './dispatch.schemas.js';
import { assertSchedulable } from './schedule-rules.js';
import { jobNeeds, suggest, type SuggestionOptions } from './suggestions.js';

export interface DispatchOptions extends SuggestionOptions {
  readonly clock?: Clock;
  /** The process's one TicketsService: ticket moves made here reach the live feed and webhooks. */
  readonly tickets: TicketsService;
  readonly visits: VisitsService;
  /** Technician and customer messages; none = nothing queued. */
  readonly notifier?: NotifierPort | undefined;
  /** Ticket events after commit (SSE, webhooks); none = nothing published. */
  readonly events?: TicketEventsPort | undefined;
  /** Days searched for a free slot when dispatching without a window. Default 14. */
  readonly searchDays?: number;
  /** Shown in the settings; used by EtaService. Default 15 minutes. */
  readonly delayThresholdMinutes?: number;
}

export type AutoAssignResult =
  | { readonly assigned: true; readonly technicianId: string; readonly visitId: string; readonly start: string; readonly end: string; readonly score: number }
  | { readonly assigned: false; readonly reason: string };

export class DispatchService {
  private readonly repo = new DispatchRepository();
  private readonly ticketsRepo = new TicketsRepository();
  private readonly clock: Clock;
  private readonly tickets: TicketsService;
  private readonly visits: VisitsService;

  constructor(
    private readonly db: Database,
    private readonly options: DispatchOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.tickets = options.tickets;
    this.visits = options.visits;
  }

  suggest(ticketId: string, query: Pick<SuggestionsQuery, 'date' | 'skill' | 'limit'>): Promise<Suggestions> {
    return suggest(this.db, ticketId, query, this.clock.now(), this.options);
  }

  /**
   * The suggested slot on the first day (from today) that has one: the given technician's, or
   * the best candidate's. A technician lacking the required skill is refused (VALIDATION_FAILED
   * on body.technicianId: give start and end to dispatch them anyway).
   */
  async firstSlot(ticketId: string, technicianId?: string, filter: (c: Suggestions['candidates'][number]) => boolean = () => true) {
    let date = localDateOf(this.clock.now().getTime(), 'UTC');
    for (let i = 0; i < (this.options.searchDays ?? 14); i++, date = nextDate(date)) {
      const s = await this.suggest(ticketId, { date: isoDate(date), limit: 50 });
      const found = s.candidates.find((c) => c.slot && (!technicianId || c.technicianId === technicianId) && filter(c));
      if (found?.slot) return { candidate: found, slot: found.slot };
      const unskilled = technicianId && s.excluded.find((e) => e.technicianId === technicianId && e.reason.startsWith('Lacks skill'));
      if (unskilled) throw invalidField('body.technicianId', `${unskilled.name}: ${unskilled.reason}; give start and end to dispatch them anyway`);
    }
    return undefined;
  }

  /** One-click dispatch: returns the ticket (assigned, scheduled) and its planned visit. */
  async dispatch(ticketId: string, input: DispatchInput, caller: Caller): Promise<{ ticket: Ticket; visit: Visit }> {
    const job = await jobNeeds(this.db, ticketId, undefined, this.options);
    let start: string;
    let end: string;
    let travelMinutes: number | null = null;
    if (input.start) {
      start = input.start;
      end = input.end ?? new Date(Date.parse(input.start) + job.labourMinutes * 60_000).toISOString();
    } else {
      if (!(await this.ticketsRepo.isTechnician(this.db, input.technicianId))) throw invalidField('body.technicianId', `${input.technicianId} is not an active technician`);
      const found = await this.firstSlot(ticketId, input.technicianId);
      if (!found) {
        throw new AppError('SCHEDULE_CONFLICT', `No free slot for this technician in the next ${this.options.searchDays ?? 14} days; give start and end`, { technicianId: input.technicianId });
      }
      ({ start, end } = found.slot);
      travelMinutes = found.candidate.travelMinutes;
    }
    const before = await this.ticketsRepo.find(this.db, ticketId);
    const now = this.clock.now();
    const visitId = await this.db.transaction(async (tx) => {
      const ticket = await this.ticketsRepo.find(tx, ticketId, { lock: true });
      if (!ticket) throw notFound('ticket', ticketId);
      if (['resolved', 'closed', 'cancelled'].includes(ticket.status)) throw conflict(`A ${ticket.status} ticket cannot be dispatched`, { ticketStatus: ticket.status });
      if (!(await this.ticketsRepo.isTechnician(tx, input.technicianId))) throw invalidField('body.technicianId', `${input.technicianId} is not an active technician`);
      const ctx: ChangeContext = { actor: caller.actor, now, reason: input.reason ?? 'dispatched', notifier: this.options.notifier, ticketsService: this.tickets };
      const { rows } = await tx.query<{ id: string; ticket_id: string; technician_id: string; planned_start: Date; planned_end: Date }>(
        `SELECT id, ticket_id, technician_id, planned_start, planned_end FROM visits WHERE ticket_id = $1 AND status = 'planned' ORDER BY planned_start DESC, id LIMIT 1 FOR UPDATE`,
        [ticketId],
      );
      const existing = rows[0];
      await assertSchedulable(tx, { technicianId: input.technicianId, start: new Date(start), end: new Date(end), excludeVisitId: existing?.id });
      let id: string;
      if (existing) {
        id = existing.id;
        const windowChanged = existing.planned_start.getTime() !== Date.parse(start) || existing.planned_end.getTime() !== Date.parse(end);
        await tx.query('UPDATE visits SET planned_start = $2, planned_end = $3, travel_minutes = COALESCE($4, travel_minutes), updated_at = $5, version = version + 1 WHERE id = $1', [id, start, end, travelMinutes, now]);
        if (existing.technician_id !== input.technicianId) {
          await reassignVisitIn(tx, { ...existing, planned_start: new Date(start), planned_end: new Date(end) }, input.technicianId, ctx);
        } else if (windowChanged) {
          await notifyTechnician(tx, this.options.notifier, 'assignment.changed', input.technicianId, existing, { start: new Date(start), end: new Date(end) }, ctx.reason);
        }
        await recordAudit(tx, caller.actor, { entity: 'visit', entityId: id, action: 'dispatch', changes: { technicianId: input.technicianId, plannedStart: start, plannedEnd: end } });
      } else {
        const inserted = await tx.query<{ id: string }>(
          `INSERT INTO visits (ticket_id, technician_id, status, planned_start, planned_end, travel_minutes, created_at, updated_at) VALUES ($1, $2, 'planned', $3, $4, $5, $6, $6) RETURNING id`,
          [ticketId, input.technicianId, start, end, travelMinutes, now],
        );
        id = inserted.rows[0]!.id;
        await this.repo.addHistory(tx, { visitId: id, from: null, to: input.technicianId, at: now, actor: caller.actor, reason: ctx.reason });
        await notifyTechnician(tx, this.options.notifier, 'assignment.created', input.technicianId, { id, ticket_id: ticketId }, { start: new Date(start), end: new Date(end) }, ctx.reason);
        await recordAudit(tx, caller.actor, { entity: 'visit', entityId: id, action: 'create', changes: { ticketId, technicianId: input.technicianId, plannedStart: start, plannedEnd: end, dispatched: true } });
      }
      await assignTicketIn(tx, ticketId, input.technicianId, ctx);
      const after = (await this.ticketsRepo.find(tx, ticketId))!;
      if (after.status !== 'scheduled' && ['assigned', 'on_hold'].includes(after.status) && canTransition(after.status, 'scheduled')) {
        await this.tickets.transitionIn(tx, ticketId, 'scheduled', ctx.reason, caller.actor);
      }
      const name = await this.repo.technicianName(tx, input.technicianId);
      await this.options.notifier?.enqueue(tx, {
        event: 'visit.scheduled',
        ticketId,
        visitId: id,
        dedupeKey: `visit.scheduled:${id}:${new Date(start).toISOString()}`,
        data: { windowStart: new Date(start).toISOString(), windowEnd: new Date(end).toISOString(), technicianName: name ?? null },
      });
      return id;
    });
    const ticket = await this.tickets.get(ticketId);
    // A status change was announced by TicketsService after the commit; otherwise say it changed.
    if (!before || before.status === ticket.status) await publishSafely(this.options.events, { type: 'ticket.updated', ticket });
    return { ticket, visit: await this.visits.get(visitId, { actor: caller.actor }) };
  }

  /**
   * The auto-assign policy: when dispatch_settings.auto_assign is on, dispatches an unassigned
   * open ticket to the top candidate with a slot (meeting the SLA when auto_assign_requires_sla),
   * searching from today up to `searchDays` ahead. Never throws for "nothing to do".
   */
  async autoAssign(ticketId: string, actor: Actor): Promise<AutoAssignResult> {
    const settings = await this.repo.settings(this.db);
    if (!settings.auto_assign) return { assigned: false, reason: 'Auto-assign is off' };
    const ticket = await this.ticketsRepo.find(this.db, ticketId);
    if (!ticket) throw notFound('ticket', ticketId);
    if (ticket.technician_id) return { assigned: false, reason: 'The ticket already has a technician' };
    if (ticket.status !== 'new') return { assigned: false, reason: `The ticket is ${ticket.status}` };
    const found = await this.firstSlot(ticketId, undefined, (c) => !settings.auto_assign_requires_sla || c.meetsSla);
    if (!found) return { assigned: false, reason: `No candidate with a free slot${settings.auto_assign_requires_sla ? ' meeting the SLA' : ''} in the next ${this.options.searchDays ?? 14} days` };
    try {
      const result = await this.dispatch(ticketId, { technicianId: found.candidate.technicianId, start: found.slot.start, end: found.slot.end, reason: `auto-assigned: rank 1, score ${found.candidate.score}` }, { actor });
      return { assigned: true, technicianId: found.candidate.technicianId, visitId: result.visit.id, start: found.slot.start, end: found.slot.end, score: found.candidate.score };
    } catch (error) {
      if (error instanceof AppError && ['SCHEDULE_CONFLICT', 'OUTSIDE_WORKING_HOURS', 'CONFLICT'].includes(error.code)) return { assigned: false, reason: error.message };
      throw error;
    }
  }

  async settings() {
    const row = await this.repo.settings(this.db);
    return {
      autoAssign: row.auto_assign,
      autoAssignRequiresSla: row.auto_assign_requires_sla,
      speedKmh: this.options.speedKmh ?? 50,
      delayThresholdMinutes: this.options.delayThresholdMinutes ?? 15,
      locationFreshMinutes: this.options.locationFreshMinutes ?? 120,
      version: row.version,
      updatedAt: row.updated_at.toISOString(),
    };
  }

  async updateSettings(values: { autoAssign?: boolean | undefined; autoAssignRequiresSla?: boolean | undefined }, caller: Caller) {
    await this.db.transaction(async (tx) => {
      await this.repo.updateSettings(tx, values, this.clock.now());
      await recordAudit(tx, caller.actor, { entity: 'dispatch_settings', entityId: 'default', action: 'update', changes: values });
    });
    return this.settings();
  }
}
