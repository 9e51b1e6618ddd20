/**
 * Generates preventive visits ahead of time, once. For each active plan of an active contract and
 * each asset in its scope: when the previous occurrence is still open, wait (the next one follows
 * its completion; a cancelled one counts as skipped); else compute the next due (calendar: the
 * previous due date, or the plan/contract start, + N months; running hours: hours run since the
 * last service projected at the recent daily rate; whichever first). Within the plan's lead days
 * (and not beyond the contract's end) it creates, in ONE transaction: the occurrence (claimed
 * first through its unique (plan, asset, due_key) key — a second run or worker gets nothing and
 * stops there), a `maintenance` ticket with the ticket rules (history, audit, the contract's
 * SLA counted from the planned visit, not from generation), and — when a technician with the
 * skill is free — the planned visit, with the ticket assigned and scheduled (and, with a
 * notifier, the technician's and the customer's messages queued in the same transaction).
 */
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../../access/audit/audit.service.js';
import { publishSafely, type TicketEventsPort } from '../delivery/ticket-events.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import type { Logger } from '../../kernel/logger.js';
import type { NotifierPort } from '../notifications/notification.port.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { dueTimes } from '../sla/sla.policy.js';
import { termsFor } from '../tickets/ticket-sla.js';
import { TicketsRepository } from '../tickets/tickets.repository.js';
import { TicketsService, toTicket } from '../tickets/tickets.service.js';
import { VisitsRepository } from '../visits/visits.repository.js';
import { MaintenancePlansRepository, type CandidateRow, type PlanRow } from './maintenance-plans.repository.js';
import type { RunResult } from './maintenance-plans.schemas.js';
import { toOccurrence } from './maintenance-plans.service.js';
import { nextDue, startOfUtcDay, utcDate, visitSlot, withinLead, type Due, type RunningHoursUsage } from './preventive-schedule.js';
import type { RunningHoursSource } from './running-hours.reader.js';
import { checklistText } from './checklist-item.js';

export interface PreventiveGenerationOptions {
  /** The process's one TicketsService: ticket moves made here reach the live feed and webhooks. */
  readonly tickets: TicketsService;
  /** Hour of the day (UTC) generated visits start. Default 8. */
  readonly visitStartHourUtc?: number;
  /** Recorded as creator of the tickets and visits. Default the system actor. */
  readonly actor?: Actor;
  /** ticket.created is published after commit; none = nothing published. */
  readonly events?: TicketEventsPort | undefined;
  readonly logger?: Logger | undefined;
  /**
   * Queues, in the generating transaction, the technician's 'assignment.created' and the
   * customer's 'visit.scheduled' for each planned visit; none = nothing queued.
   */
  readonly notifier?: NotifierPort | undefined;
}

/** Advisory lock serialising the technician pick of concurrent generation transactions. */
const PLANNING_LOCK_KEY = 7_214_903_411;

interface Created {
  readonly occurrenceId: string;
  readonly ticketId: string;
}

export class PreventiveGenerationService {
  private readonly repo = new MaintenancePlansRepository();
  private readonly tickets = new TicketsRepository();
  private readonly visits = new VisitsRepository();
  private readonly ticketsService: TicketsService;
  private readonly actor: Actor;
  private readonly startHour: number;

  constructor(
    private readonly db: Database,
    /** Running hours from telemetry; undefined = running-hours plans are skipped (reported). */
    private readonly runningHours: RunningHoursSource | undefined,
    private readonly clock: Clock = systemClock,
    private readonly options: PreventiveGenerationOptions,
  ) {
    this.ticketsService = options.tickets;
    this.actor = options.actor ?? SYSTEM_ACTOR;
    this.startHour = options.visitStartHourUtc ?? 8;
  }

  /** One generation pass over every active plan (or the given ones); returns what it created. */
  async run(filter: { planIds?: readonly string[] } = {}): Promise<RunResult> {
    const now = this.clock.now();
    const candidates = await this.repo.candidates(this.db, filter.planIds);
    const created: Created[] = [];
    const skipped: RunResult['skipped'] = [];
    let waiting = 0;
    let notDue = 0;
    let raced = 0;
    for (const candidate of candidates) {
      if (candidate.last_open) {
        waiting++;
        continue;
      }
      try {
        const running = await this.usage(candidate, now);
        const due = this.due(candidate, running, now);
        if (!due) {
          notDue++;
          continue;
        }
        const result = await this.db.transaction((tx) => this.generate(tx, candidate, due, running, now));
        if (result) created.push(result);
        else raced++;
      } catch (error) {
        const reason = (error as Error).message;
        this.options.logger?.warn({ planId: candidate.plan_id, assetId: candidate.asset_id, err: error }, 'preventive generation skipped a plan/asset');
        skipped.push({ planId: candidate.plan_id, assetId: candidate.asset_id, reason });
      }
    }
    for (const { ticketId } of created) {
      const row = await this.tickets.find(this.db, ticketId);
      if (row) await publishSafely(this.options.events, { type: 'ticket.created', ticket: toTicket(row, now) });
    }
    const occurrences = created.length ? await this.repo.occurrences(this.db, { ids: created.map((c) => c.occurrenceId) }) : [];
    return { ranAt: now.toISOString(), checked: candidates.length, created: occurrences.map(toOccurrence), waiting, notDue, raced, skipped };
  }

  /** Running hours since the last service (or the plan's anchor); undefined for calendar-only plans. */
  private async usage(c: CandidateRow, now: Date): Promise<RunningHoursUsage | undefined> {
    if (c.interval_running_hours === null) return undefined;
    if (!this.runningHours) throw new Error('running hours need telemetry, which is not configured');
    const since = c.last_served_at ?? startOfUtcDay(c.plan_starts_on ?? c.contract_starts_on);
    return this.runningHours.usage(c.asset_id, since, now);
  }

  /** The next due when it is time to generate it (within the lead, not after the contract's end), else null. */
  private due(c: CandidateRow, running: RunningHoursUsage | undefined, now: Date): Due | null {
    const due = nextDue({
      now,
      plan: { intervalMonths: c.interval_months, intervalRunningHours: c.interval_running_hours === null ? null : Number(c.interval_running_hours) },
      previousDueOn: c.last_due_at ? utcDate(c.last_due_at) : null,
      anchorOn: c.plan_starts_on ?? c.contract_starts_on,
      running,
    });
    if (!due) return null;
    if (c.contract_ends_on && utcDate(due.dueAt) > c.contract_ends_on) return null;
    return withinLead(due.dueAt, c.lead_days, now) ? due : null;
  }

  private async generate(tx: Queryable, c: CandidateRow, due: Due, running: RunningHoursUsage | undefined, now: Date): Promise<Created | null> {
    const seq = (c.last_seq ?? 0) + 1;
    const occurrenceId = await this.repo.claim(tx, {
      planId: c.plan_id,
      assetId: c.asset_id,
      seq,
      dueAt: due.dueAt,
      basis: due.basis,
      runningHours: running ? Math.round(running.hours * 100) / 100 : null,
      dailyRate: running?.ratePerDay == null ? null : Math.round(running.ratePerDay * 1000) / 1000,
      now,
    });
    if (!occurrenceId) return null; // another run or worker generated it
    const plan = (await this.repo.find(tx, c.plan_id))!;
    const slot = visitSlot(due.dueAt, now, this.startHour, plan.estimated_minutes);
    const terms = await termsFor(tx, c.contract_id);
    const sla = dueTimes(slot.start, plan.priority, terms);
    const ticketId = await this.tickets.insert(tx, {
      channel: 'agent',
      type: 'maintenance',
      priority: plan.priority,
      title: `${plan.name}: ${c.serial_number}`.slice(0, 300),
      description: describe(plan, due, seq),
      customer_id: c.customer_id,
      site_id: c.site_id,
      asset_id: c.asset_id,
      contract_id: c.contract_id,
      fault_code: null,
      status: 'new',
      sla_source: terms.source,
      response_due_at: sla.responseDueAt,
      resolution_due_at: sla.resolutionDueAt,
      status_changed_at: now,
      created_by_type: this.actor.type,
      created_by_id: this.actor.id,
      created_at: now,
      updated_at: now,
    });
    await this.tickets.addHistory(tx, ticketId, { from: null, to: 'new', at: now, actor: this.actor, reason: 'preventive maintenance', technicianId: null });
    await recordAudit(tx, this.actor, {
      entity: 'ticket',
      entityId: ticketId,
      action: 'create',
      changes: { source: 'preventive', planId: plan.id, occurrenceId, dueAt: due.dueAt.toISOString(), basis: due.basis },
    });
    const visitId = await this.planVisit(tx, plan, ticketId, slot, now);
    await this.repo.link(tx, occurrenceId, ticketId, visitId);
    return { occurrenceId, ticketId };
  }

  /**
   * The planned visit with a free technician (the ticket assigned and scheduled), or null when
   * nobody fits. Concurrent generation transactions pick technicians one at a time (advisory
   * transaction lock), so two of them never book the same technician twice for one slot.
   */
  private async planVisit(tx: Queryable, plan: PlanRow, ticketId: string, slot: { start: Date; end: Date }, now: Date): Promise<string | null> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PLANNING_LOCK_KEY]);
    const technicianId = await this.repo.freeTechnician(tx, plan.required_skill, slot.start, slot.end, plan.technician_id);
    if (!technicianId) return null;
    const notes = plan.checklist.length ? `Checklist:\n${plan.checklist.map((item) => `- ${checklistText(item)}`).join('\n')}` : null;
    const visitId = await this.visits.insert(tx, {
      ticketId,
      technicianId,
      plannedStart: slot.start.toISOString(),
      plannedEnd: slot.end.toISOString(),
      notes,
      now,
    });
    await recordAudit(tx, this.actor, { entity: 'visit', entityId: visitId, action: 'create', changes: { ticketId, technicianId, source: 'preventive' } });
    await this.tickets.update(tx, ticketId, { technician_id: technicianId, updated_at: now });
    await recordAudit(tx, this.actor, {
      entity: 'ticket',
      entityId: ticketId,
      action: 'assign',
      changes: { technicianId: { from: null, to: technicianId }, reason: 'preventive plan' },
    });
    // Created in this transaction: its ticket.created event (after commit) carries the status.
    await this.ticketsService.transitionIn(tx, ticketId, 'assigned', 'preventive plan', this.actor, { announce: false });
    await this.ticketsService.transitionIn(tx, ticketId, 'scheduled', 'preventive visit planned', this.actor, { announce: false });
    const notifier = this.options.notifier;
    if (notifier) {
      const window = { start: slot.start.toISOString(), end: slot.end.toISOString() };
      await notifier.enqueueForTechnician(tx, { event: 'assignment.created', technicianId, ticketId, visitId, data: window });
      await notifier.enqueue(tx, { event: 'visit.scheduled', ticketId, visitId, data: { windowStart: window.start, windowEnd: window.end } });
    }
    return visitId;
  }
}

function describe(plan: PlanRow, due: Due, seq: number): string {
  const lines = [
    `Preventive maintenance (plan "${plan.name}", occurrence ${seq}), due ${due.dueAt.toISOString()} by ${due.basis === 'calendar' ? 'calendar' : 'running hours'}.`,
  ];
  if (plan.description) lines.push('', plan.description);
  if (plan.checklist.length) lines.push('', 'Checklist:', ...plan.checklist.map((item) => `- ${checklistText(item)}`));
  if (plan.parts.length) lines.push('', 'Parts:', ...plan.parts.map((p) => `- ${p.quantity} × ${p.sku}${p.description ? ` (${p.description})` : ''}`));
  if (plan.required_skill) lines.push('', `Required skill: ${plan.required_skill}`);
  return lines.join('\n').slice(0, 20_000);
}
