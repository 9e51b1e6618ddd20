/**
 * Dispatch: suggestions, one-click dispatch (plan or move the ticket's visit, assign the ticket,
 * schedule it, tell the technician and the customer — one transaction) and the optional
 * auto-assign policy (dispatch_settings.auto_assign) for new tickets.
 */
import type { Caller } from '../../kernel/caller.js';
import { recordAudit, type Actor } from '../../access/audit/audit.service.js';
import { publishSafely, type TicketEventsPort } from '../delivery/ticket-events.js';
import type { NotifierPort } from '../notifications/notification.port.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
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
import { assignTicketIn, cancelVisitIn, notifyTechnician, reassignVisitIn, type ChangeContext, type VisitRef } from './assignment.js';
import { DispatchRepository } from './dispatch.repository.js';
import type { DispatchCheck, DispatchCheckInput, DispatchInput, Suggestions, SuggestionsQuery } from './dispatch.schemas.js';
import { assertSchedulable } from './schedule-rules.js';
import { checkWindow, crewFor, planOverDays, type DispatchPlan, type ScheduleProblem } from './dispatch-planner.js';
import type { PlannedWindow } from './visit-plan.js';
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
  | {
      readonly assigned: true;
      readonly technicianId: string;
      readonly visitId: string;
      readonly visitIds: readonly string[];
      readonly start: string;
      readonly end: string;
    }
  | { readonly assigned: false; readonly reason: string };

/** How far after a dropped start the first visit of a split job may begin (travel to the site). */
const DROP_SLACK_MS = 2 * 3_600_000;

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

  /**
   * What to book: the given window, else the first single slot (the given technician's, or the
   * best candidate's), else the job split into consecutive visits over the days searched; plus
   * the helpers of a crew job. Undefined when nothing fits.
   */
  async plan(
    ticketId: string,
    technicianId: string | undefined,
    policy: { requireSla?: boolean; window?: { start: string; end: string; split?: boolean } } = {},
  ): Promise<DispatchPlan | undefined> {
    const job = await jobNeeds(this.db, ticketId, undefined, this.options);
    // Today's ranking first, then the skilled technicians who do not work or are away today (they may on later days).
    const ranked = async () => {
      const today = await this.suggest(ticketId, { limit: 50 });
      return [...today.candidates.map((c) => c.technicianId), ...today.excluded.filter((e) => !e.reason.startsWith('Lacks skill')).map((e) => e.technicianId)];
    };
    let lead: { technicianId: string; windows: PlannedWindow[] } | undefined;
    if (policy.window) {
      lead = {
        technicianId: technicianId!,
        windows: [{ start: Date.parse(policy.window.start), end: Date.parse(policy.window.end), travelMinutes: Number.NaN }],
      };
      // A start without an end (a drop on the board) that runs past the working hours: the job
      // split into consecutive visits from that start, like one-click dispatch does from now.
      if (
        policy.window.split &&
        (await checkWindow(this.db, technicianId!, new Date(policy.window.start), new Date(policy.window.end))).some((p) => p.code === 'OUTSIDE_WORKING_HOURS')
      ) {
        // Only when the first visit starts where it was dropped (travel aside): a drop too late in
        // the day for a worthwhile first visit (the plan then starts another day) stays a refusal.
        const split = await planOverDays(this.db, job, [technicianId!], new Date(policy.window.start), this.options);
        const first = split?.windows[0]?.start;
        if (split && first !== undefined && first - Date.parse(policy.window.start) <= DROP_SLACK_MS) lead = split;
      }
    } else {
      const found = await this.firstSlot(ticketId, technicianId, (c) => !policy.requireSla || c.meetsSla);
      if (found) {
        lead = {
          technicianId: found.candidate.technicianId,
          windows: [{ start: Date.parse(found.slot.start), end: Date.parse(found.slot.end), travelMinutes: found.candidate.travelMinutes ?? Number.NaN }],
        };
      } else {
        const { ticket } = job;
        const meetsSla = (w: readonly PlannedWindow[]) =>
          !policy.requireSla ||
          ((ticket.responded_at !== null || w[0]!.start <= ticket.response_due_at.getTime()) && w.at(-1)!.end <= ticket.resolution_due_at.getTime());
        lead = await planOverDays(this.db, job, technicianId ? [technicianId] : await ranked(), this.clock.now(), this.options, meetsSla);
      }
    }
    if (!lead) return undefined;
    const helpers = job.crew > 1 ? await crewFor(this.db, job, lead.technicianId, lead.windows, await ranked()) : [];
    return { ...lead, helpers };
  }

  /** Every rule a planned window breaks for the technician, without booking anything (the board asks before a drop). */
  async check(input: DispatchCheckInput): Promise<DispatchCheck> {
    const problems: ScheduleProblem[] = [];
    if (!(await this.ticketsRepo.isTechnician(this.db, input.technicianId)))
      throw invalidField('body.technicianId', `${input.technicianId} is not an active technician`);
    if (input.start) {
      const job = await jobNeeds(this.db, input.ticketId, undefined, this.options);
      const end = input.end ?? new Date(Date.parse(input.start) + job.labourMinutes * 60_000).toISOString();
      if (!input.end) {
        const plan = await this.plan(input.ticketId, input.technicianId, { window: { start: input.start, end, split: true } });
        if (plan && plan.windows.length > 1) return { ok: true, problems, visits: visitsOf(plan) };
      }
      problems.push(...(await checkWindow(this.db, input.technicianId, new Date(input.start), new Date(end), input.visitId)));
      return {
        ok: problems.length === 0,
        problems,
        visits: [
          {
            technicianId: input.technicianId,
            start: new Date(input.start).toISOString(),
            end: new Date(end).toISOString(),
            travelMinutes: null,
            helper: false,
          },
        ],
      };
    }
    try {
      const plan = await this.plan(input.ticketId, input.technicianId);
      if (!plan)
        return {
          ok: false,
          problems: [{ code: 'SCHEDULE_CONFLICT', message: this.noSlotMessage(), details: { technicianId: input.technicianId } }],
          visits: [],
        };
      return { ok: true, problems, visits: visitsOf(plan) };
    } catch (error) {
      if (error instanceof AppError && error.code === 'SCHEDULE_CONFLICT')
        return { ok: false, problems: [{ code: error.code, message: error.message, details: error.details ?? {} }], visits: [] };
      throw error;
    }
  }

  private noSlotMessage(): string {
    return `No free time for this technician in the next ${this.options.searchDays ?? 14} days; give start and end`;
  }

  /** One-click dispatch: returns the ticket (assigned, scheduled), its first planned visit and all the visits planned. */
  async dispatch(ticketId: string, input: DispatchInput, caller: Caller): Promise<{ ticket: Ticket; visit: Visit; visits: Visit[] }> {
    let window: { start: string; end: string; split: boolean } | undefined;
    if (input.start) {
      const job = await jobNeeds(this.db, ticketId, undefined, this.options);
      window = { start: input.start, end: input.end ?? new Date(Date.parse(input.start) + job.labourMinutes * 60_000).toISOString(), split: !input.end };
    } else if (!(await this.ticketsRepo.isTechnician(this.db, input.technicianId))) {
      throw invalidField('body.technicianId', `${input.technicianId} is not an active technician`);
    }
    const plan = await this.plan(ticketId, input.technicianId, { window });
    if (!plan) throw new AppError('SCHEDULE_CONFLICT', this.noSlotMessage(), { technicianId: input.technicianId });
    return this.book(ticketId, plan, input.reason ?? 'dispatched', caller);
  }

  /** Books the plan in one transaction: the ticket's planned visit moved to the first window (or created), further visits created, the ticket assigned and scheduled. */
  private async book(ticketId: string, plan: DispatchPlan, reason: string, caller: Caller): Promise<{ ticket: Ticket; visit: Visit; visits: Visit[] }> {
    const before = await this.ticketsRepo.find(this.db, ticketId);
    const now = this.clock.now();
    const lead = plan.technicianId;
    const ids = await this.db.transaction(async (tx) => {
      const ticket = await this.ticketsRepo.find(tx, ticketId, { lock: true });
      if (!ticket) throw notFound('ticket', ticketId);
      if (['resolved', 'closed', 'cancelled'].includes(ticket.status))
        throw conflict(`A ${ticket.status} ticket cannot be dispatched`, { ticketStatus: ticket.status });
      if (!(await this.ticketsRepo.isTechnician(tx, lead))) throw invalidField('body.technicianId', `${lead} is not an active technician`);
      const ctx: ChangeContext = { actor: caller.actor, now, reason, notifier: this.options.notifier, ticketsService: this.tickets };
      const { rows } = await tx.query<VisitRef>(
        `SELECT id, ticket_id, technician_id, planned_start, planned_end FROM visits WHERE ticket_id = $1 AND status = 'planned' ORDER BY planned_start, id FOR UPDATE`,
        [ticketId],
      );
      // The new plan replaces the old one: the first planned visit is moved (it keeps its history),
      // the ticket's other planned visits (an earlier multi-day or crew plan) are cancelled first,
      // so they neither stay on the board nor block the new windows.
      const [existing, ...superseded] = rows;
      for (const old of superseded) await cancelVisitIn(tx, old, ctx, 'superseded by a new dispatch');
      const out: string[] = [];
      for (const [i, w] of plan.windows.entries()) {
        const start = new Date(w.start).toISOString();
        const end = new Date(w.end).toISOString();
        const travelMinutes = Number.isNaN(w.travelMinutes) ? null : w.travelMinutes;
        await assertSchedulable(tx, { technicianId: lead, start: new Date(start), end: new Date(end), excludeVisitId: existing?.id });
        if (i === 0 && existing) {
          const windowChanged = existing.planned_start.getTime() !== w.start || existing.planned_end.getTime() !== w.end;
          await tx.query(
            'UPDATE visits SET planned_start = $2, planned_end = $3, travel_minutes = COALESCE($4, travel_minutes), updated_at = $5, version = version + 1 WHERE id = $1',
            [existing.id, start, end, travelMinutes, now],
          );
          if (existing.technician_id !== lead) {
            await reassignVisitIn(tx, { ...existing, planned_start: new Date(start), planned_end: new Date(end) }, lead, ctx);
          } else if (windowChanged) {
            await notifyTechnician(tx, this.options.notifier, 'assignment.changed', lead, existing, { start: new Date(start), end: new Date(end) }, ctx.reason);
          }
          await recordAudit(tx, caller.actor, {
            entity: 'visit',
            entityId: existing.id,
            action: 'dispatch',
            changes: { technicianId: lead, plannedStart: start, plannedEnd: end },
          });
          out.push(existing.id);
        } else {
          out.push(await this.createVisit(tx, ticketId, lead, { start, end, travelMinutes }, ctx, caller));
        }
      }
      for (const h of plan.helpers) {
        const start = new Date(h.start).toISOString();
        const end = new Date(h.end).toISOString();
        await assertSchedulable(tx, { technicianId: h.technicianId, start: new Date(start), end: new Date(end) });
        out.push(await this.createVisit(tx, ticketId, h.technicianId, { start, end, travelMinutes: null }, { ...ctx, reason: `${reason} (crew)` }, caller));
      }
      await assignTicketIn(tx, ticketId, lead, ctx);
      const after = (await this.ticketsRepo.find(tx, ticketId))!;
      if (after.status !== 'scheduled' && ['assigned', 'on_hold'].includes(after.status) && canTransition(after.status, 'scheduled')) {
        await this.tickets.transitionIn(tx, ticketId, 'scheduled', ctx.reason, caller.actor);
      }
      const name = await this.repo.technicianName(tx, lead);
      for (const [i, w] of plan.windows.entries()) {
        await this.options.notifier?.enqueue(tx, {
          event: 'visit.scheduled',
          ticketId,
          visitId: out[i]!,
          dedupeKey: `visit.scheduled:${out[i]!}:${new Date(w.start).toISOString()}`,
          data: { windowStart: new Date(w.start).toISOString(), windowEnd: new Date(w.end).toISOString(), technicianName: name ?? null },
        });
      }
      return out;
    });
    const ticket = await this.tickets.get(ticketId);
    // A status change was announced by TicketsService after the commit; otherwise say it changed.
    if (!before || before.status === ticket.status) await publishSafely(this.options.events, { type: 'ticket.updated', ticket });
    const visits = await Promise.all(ids.map((id) => this.visits.get(id, { actor: caller.actor })));
    return { ticket, visit: visits[0]!, visits };
  }

  private async createVisit(
    tx: Queryable,
    ticketId: string,
    technicianId: string,
    w: { start: string; end: string; travelMinutes: number | null },
    ctx: ChangeContext,
    caller: Caller,
  ): Promise<string> {
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO visits (ticket_id, technician_id, status, planned_start, planned_end, travel_minutes, created_at, updated_at) VALUES ($1, $2, 'planned', $3, $4, $5, $6, $6) RETURNING id`,
      [ticketId, technicianId, w.start, w.end, w.travelMinutes, ctx.now],
    );
    const id = inserted.rows[0]!.id;
    await this.repo.addHistory(tx, { visitId: id, from: null, to: technicianId, at: ctx.now, actor: caller.actor, reason: ctx.reason });
    await notifyTechnician(
      tx,
      this.options.notifier,
      'assignment.created',
      technicianId,
      { id, ticket_id: ticketId },
      { start: new Date(w.start), end: new Date(w.end) },
      ctx.reason,
    );
    await recordAudit(tx, caller.actor, {
      entity: 'visit',
      entityId: id,
      action: 'create',
      changes: { ticketId, technicianId, plannedStart: w.start, plannedEnd: w.end, dispatched: true },
    });
    return id;
  }

  /**
   * The auto-assign policy: when dispatch_settings.auto_assign is on, dispatches an unassigned
   * open ticket to the top candidate with a slot (meeting the SLA when auto_assign_requires_sla),
   * searching from today up to `searchDays` ahead; a job longer than a day's free time is split
   * into consecutive visits. Never throws for "nothing to do".
   */
  async autoAssign(ticketId: string, actor: Actor): Promise<AutoAssignResult> {
    const settings = await this.repo.settings(this.db);
    if (!settings.auto_assign) return { assigned: false, reason: 'Auto-assign is off' };
    const ticket = await this.ticketsRepo.find(this.db, ticketId);
    if (!ticket) throw notFound('ticket', ticketId);
    if (ticket.technician_id) return { assigned: false, reason: 'The ticket already has a technician' };
    if (ticket.status !== 'new') return { assigned: false, reason: `The ticket is ${ticket.status}` };
    try {
      const plan = await this.plan(ticketId, undefined, { requireSla: settings.auto_assign_requires_sla });
      if (!plan)
        return {
          assigned: false,
          reason: `No candidate with a free slot${settings.auto_assign_requires_sla ? ' meeting the SLA' : ''} in the next ${this.options.searchDays ?? 14} days`,
        };
      const visits = plan.windows.length === 1 ? 'one visit' : `${plan.windows.length} consecutive visits`;
      const result = await this.book(ticketId, plan, `auto-assigned: best ranked technician with free time, ${visits}`, { actor });
      const first = plan.windows[0]!;
      return {
        assigned: true,
        technicianId: plan.technicianId,
        visitId: result.visit.id,
        visitIds: result.visits.map((v) => v.id),
        start: new Date(first.start).toISOString(),
        end: new Date(first.end).toISOString(),
      };
    } catch (error) {
      if (error instanceof AppError && ['SCHEDULE_CONFLICT', 'OUTSIDE_WORKING_HOURS', 'CONFLICT'].includes(error.code))
        return { assigned: false, reason: error.message };
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

/** The plan as the visits it would book (lead first, then the crew). */
function visitsOf(plan: DispatchPlan): DispatchCheck['visits'] {
  const iso = (ms: number) => new Date(ms).toISOString();
  return [
    ...plan.windows.map((w) => ({
      technicianId: plan.technicianId,
      start: iso(w.start),
      end: iso(w.end),
      travelMinutes: Number.isNaN(w.travelMinutes) ? null : w.travelMinutes,
      helper: false,
    })),
    ...plan.helpers.map((h) => ({ technicianId: h.technicianId, start: iso(h.start), end: iso(h.end), travelMinutes: null, helper: true })),
  ];
}
