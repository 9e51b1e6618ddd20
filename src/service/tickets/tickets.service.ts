/**
 * Ticket rules: customer/site/asset consistency, the contract looked up at creation, SLA due
 * times, the enforced status workflow with its history, technician assignment, optimistic
 * concurrency. One transaction per change, with its history and audit rows.
 */
import type { Caller } from '../../kernel/caller.js';
import { diff, recordAudit, type Actor } from '../../access/audit/audit.service.js';
import { resolveContract, resolvePlace } from './ticket-references.js';
import { toTicket } from './ticket-view.js';
import { afterCommit, type Database, type Queryable } from '../../kernel/db/database.js';
import { AppError, conflict, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { invalidField } from '../../kernel/errors.js';
import { isUniqueViolation } from '../../kernel/db/database-errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { dueTimes } from '../sla/sla.policy.js';
import { TicketsRepository, type TicketColumns, type TicketFilters, type TicketRow } from './tickets.repository.js';
import type { AssignmentRequest, CreateTicket, ListTickets, Ticket, TicketCounts, TicketHistory, TransitionRequest, UpdateTicket } from './tickets.schemas.js';
import { termsFor, transitionEffects } from './ticket-sla.js';
import { afterQuoteHold, assertTransition, NEEDS_TECHNICIAN, QUOTE_HOLD_FROM, type TicketStatus } from './ticket-workflow.js';
import { publishSafely, type TicketEventsPort } from '../delivery/ticket-events.js';
import { notifySafely, type NotifierPort } from '../notifications/notification.port.js';
import { releaseTicketReservations } from '../stock/stock.service.js';

/** The unique index behind auto-tickets (migration 0005): one open IoT ticket per asset and fault code. */
export const OPEN_IOT_FAULT_INDEX = 'tickets_open_iot_fault_idx';

/** A write that would make a second open IoT ticket for the same asset and fault is a CONFLICT. */
function openFaultConflict(error: unknown): never {
  if (isUniqueViolation(error, OPEN_IOT_FAULT_INDEX)) {
    throw conflict('An open IoT ticket for this asset and fault code already exists', { constraint: OPEN_IOT_FAULT_INDEX });
  }
  throw error;
}

/** Who is asking: customer users see only their customer's tickets; technicians move only their own. */
export class TicketsService {
  private readonly repo = new TicketsRepository();
  /** Tickets moved by transitionIn, per open transaction: announced after its commit. */
  private readonly moved = new WeakMap<Queryable, Map<string, TicketStatus>>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
    /** Ticket events (SSE stream, webhooks), published after commit; none = nothing published. */
    private readonly events?: TicketEventsPort,
    /** Customer notifications (outbox, in the same transaction); none = nobody is notified. */
    private readonly notifier?: NotifierPort,
  ) {}

  async create(input: CreateTicket, caller: Caller): Promise<Ticket> {
    const now = this.clock.now();
    const row = await this.db
      .transaction(async (tx) => {
        if (caller.customerId && input.customerId && input.customerId !== caller.customerId) {
          throw invalidField('body.customerId', 'customers may only open tickets for themselves');
        }
        const scoped = caller.customerId !== undefined;
        const place = await resolvePlace(tx, caller.customerId ?? input.customerId, input.siteId, input.assetId, scoped);
        const contractId = await resolveContract(tx, place.customerId, place.assetId, input.contractId, now, scoped);
        const terms = await termsFor(tx, contractId);
        const due = dueTimes(now, input.priority, terms);
        const id = await this.repo.insert(tx, {
          // A customer user raises requests through the portal, whatever the request names.
          channel: caller.customerId ? 'portal' : input.channel,
          type: input.type,
          priority: input.priority,
          title: input.title,
          description: input.description ?? null,
          customer_id: place.customerId,
          site_id: place.siteId,
          asset_id: place.assetId,
          contract_id: contractId,
          fault_code: input.faultCode ?? null,
          status: 'new',
          sla_source: terms.source,
          response_due_at: due.responseDueAt,
          resolution_due_at: due.resolutionDueAt,
          status_changed_at: now,
          created_by_type: caller.actor.type,
          created_by_id: caller.actor.id,
          created_at: now,
          updated_at: now,
        });
        await this.repo.addHistory(tx, id, { from: null, to: 'new', at: now, actor: caller.actor, technicianId: null });
        await notifySafely(this.notifier, tx, { event: 'ticket.received', ticketId: id });
        const created = (await this.repo.find(tx, id))!;
        await recordAudit(tx, caller.actor, { entity: 'ticket', entityId: id, action: 'create', changes: this.toTicket(created, now) });
        return created;
      })
      .catch(openFaultConflict);
    const ticket = this.toTicket(row, now);
    await publishSafely(this.events, { type: 'ticket.created', ticket });
    return ticket;
  }

  async get(id: string, caller?: Pick<Caller, 'customerId'>): Promise<Ticket> {
    return this.toTicket(await this.visible(this.db, id, caller), this.clock.now());
  }

  async list(query: ListTickets, caller?: Pick<Caller, 'customerId'>): Promise<Page<Ticket>> {
    if (caller?.customerId && query.customerId && query.customerId !== caller.customerId) return { items: [], nextCursor: null };
    const now = this.clock.now();
    const page = await this.repo.list(this.db, caller?.customerId ? { ...query, customerId: caller.customerId } : query, now);
    return { items: page.items.map((r) => this.toTicket(r, now)), nextCursor: page.nextCursor };
  }

  /** How many tickets the list filters match, by status and priority (customers: their own). */
  async counts(query: TicketFilters, caller?: Pick<Caller, 'customerId'>): Promise<TicketCounts> {
    const own = caller?.customerId && query.customerId && query.customerId !== caller.customerId;
    return this.repo.counts(
      this.db,
      caller?.customerId ? { ...query, customerId: own ? '00000000-0000-0000-0000-000000000000' : caller.customerId } : query,
      this.clock.now(),
    );
  }

  async update(id: string, patch: UpdateTicket, caller: Caller, ifMatch?: '*' | number[]): Promise<Ticket> {
    return this.change(id, async (tx, current, now) => {
      checkVersion(ifMatch, current.version, `ticket ${id}`);
      if (Object.values(patch).every((v) => v === undefined)) return current;
      const changes: TicketColumns = { updated_at: now };
      if (patch.type !== undefined) changes.type = patch.type;
      if (patch.title !== undefined) changes.title = patch.title;
      if (patch.description !== undefined) changes.description = patch.description;
      if (patch.faultCode !== undefined) changes.fault_code = patch.faultCode;
      if (patch.siteId !== undefined || patch.assetId !== undefined) {
        const assetId = patch.assetId === undefined ? current.asset_id : patch.assetId;
        const siteId = patch.siteId === undefined ? (patch.assetId === undefined ? current.site_id : undefined) : patch.siteId;
        const place = await resolvePlace(tx, current.customer_id, siteId ?? undefined, assetId ?? undefined);
        Object.assign(changes, { site_id: place.siteId, asset_id: place.assetId });
      }
      if (patch.priority !== undefined || patch.assetId !== undefined || patch.contractId !== undefined) {
        const assetId = changes.asset_id === undefined ? current.asset_id : changes.asset_id;
        const contractId =
          patch.contractId !== undefined || patch.assetId !== undefined
            ? await resolveContract(tx, current.customer_id, assetId, patch.contractId ?? undefined, current.created_at)
            : current.contract_id;
        const terms = await termsFor(tx, contractId);
        const due = dueTimes(current.created_at, patch.priority ?? current.priority, terms, current.sla_paused_minutes);
        Object.assign(changes, {
          priority: patch.priority ?? current.priority,
          contract_id: contractId,
          sla_source: terms.source,
          response_due_at: due.responseDueAt,
          resolution_due_at: due.resolutionDueAt,
        });
      }
      await this.repo.update(tx, id, changes);
      const updated = (await this.repo.find(tx, id))!;
      const { version: _v, updatedAt: _u, ...after } = this.toTicket(updated, now);
      await recordAudit(tx, caller.actor, { entity: 'ticket', entityId: id, action: 'update', changes: diff(this.toTicket(current, now), after) });
      return updated;
    });
  }

  /** Moves the ticket along the workflow; an invalid move is CONFLICT naming from and to. */
  async transition(id: string, request: TransitionRequest, caller: Caller, ifMatch?: '*' | number[]): Promise<Ticket> {
    return this.change(id, async (tx, current, now) => {
      if (caller.role === 'technician' && current.technician_id !== caller.userId) {
        throw new AppError('FORBIDDEN', 'Technicians may only move tickets assigned to them');
      }
      checkVersion(ifMatch, current.version, `ticket ${id}`);
      let ticket = current;
      if (request.technicianId && request.technicianId !== current.technician_id) {
        if (caller.role === 'technician') throw new AppError('FORBIDDEN', 'Technicians cannot assign tickets');
        assertTransition(current.status, request.to);
        await this.setTechnician(tx, current, request.technicianId, request.reason, caller.actor, now);
        ticket = (await this.repo.find(tx, id))!;
      }
      await this.applyTransition(tx, ticket, request.to, { reason: request.reason, holdReason: request.holdReason }, caller.actor, now);
      return (await this.repo.find(tx, id))!;
    });
  }

  /** Sets (or clears) the technician; a `new` ticket becomes `assigned`, an `assigned` one unassigned becomes `new`. */
  async assign(id: string, request: AssignmentRequest, caller: Caller, ifMatch?: '*' | number[]): Promise<Ticket> {
    return this.change(id, async (tx, current, now) => {
      checkVersion(ifMatch, current.version, `ticket ${id}`);
      const technicianId = request.technicianId;
      if (['resolved', 'closed', 'cancelled'].includes(current.status)) {
        throw conflict(`A ${current.status} ticket cannot be reassigned`, { ticketStatus: current.status });
      }
      if (!technicianId && current.status !== 'new' && current.status !== 'assigned' && NEEDS_TECHNICIAN.includes(current.status)) {
        throw conflict(`A ${current.status} ticket needs a technician; move it back to assigned or new first`, { ticketStatus: current.status });
      }
      if (technicianId === current.technician_id) return current;
      await this.setTechnician(tx, current, technicianId, request.reason, caller.actor, now);
      const next: TicketStatus | null = technicianId && current.status === 'new' ? 'assigned' : !technicianId && current.status === 'assigned' ? 'new' : null;
      const after = (await this.repo.find(tx, id))!;
      if (next) await this.applyTransition(tx, after, next, { reason: request.reason }, caller.actor, now);
      return (await this.repo.find(tx, id))!;
    });
  }

  async history(id: string, caller?: Pick<Caller, 'customerId'>): Promise<TicketHistory> {
    await this.visible(this.db, id, caller);
    const rows = await this.repo.history(this.db, id);
    const now = this.clock.now().getTime();
    const timeInStatus: Record<string, number> = {};
    const entries = rows.map((row, i) => {
      const end = rows[i + 1]?.at.getTime() ?? now;
      const durationSeconds = Math.max(0, (end - row.at.getTime()) / 1000);
      timeInStatus[row.to_status] = (timeInStatus[row.to_status] ?? 0) + durationSeconds;
      return {
        id: row.id,
        from: row.from_status,
        to: row.to_status,
        at: row.at.toISOString(),
        actor: { type: row.actor_type, id: row.actor_id },
        reason: row.reason,
        technicianId: row.technician_id,
        durationSeconds,
        current: i === rows.length - 1,
      };
    });
    return { ticketId: id, entries, timeInStatus };
  }

  /**
   * Moves a ticket inside the caller's transaction (platform flows such as the auto-cancel of a
   * transient alarm): same workflow rules, history and audit as `transition`.
   */
  async transitionIn(
    tx: Queryable,
    id: string,
    to: TicketStatus,
    reason: string | undefined,
    actor: Actor,
    options: { announce?: boolean } = {},
  ): Promise<TicketRow> {
    const current = await this.repo.find(tx, id, { lock: true });
    if (!current) throw notFound('ticket', id);
    await this.applyTransition(tx, current, to, { reason }, actor, this.clock.now());
    if (options.announce !== false) this.announceAfterCommit(tx, current);
    return (await this.repo.find(tx, id))!;
  }

  /**
   * Quotes: holds an open ticket before its work is done while the customer decides on a quote
   * (hold reason awaiting_quote), in the caller's transaction. False when not moved (resolved,
   * closed, cancelled, or already on hold).
   */
  async holdForQuote(tx: Queryable, id: string, reason: string, actor: Actor): Promise<boolean> {
    const current = await this.repo.find(tx, id, { lock: true });
    if (!current) throw notFound('ticket', id);
    if (!QUOTE_HOLD_FROM.includes(current.status)) return false;
    await this.applyTransition(tx, current, 'on_hold', { reason, holdReason: 'awaiting_quote', quote: true }, actor, this.clock.now());
    this.announceAfterCommit(tx, current);
    return true;
  }

  /** Quotes: an accepted quote lets a ticket held for it proceed, back to the status it was held from. False when not held for a quote. */
  async resumeAfterQuote(tx: Queryable, id: string, reason: string, actor: Actor): Promise<boolean> {
    const current = await this.repo.find(tx, id, { lock: true });
    if (!current) throw notFound('ticket', id);
    if (current.status !== 'on_hold' || current.hold_reason !== 'awaiting_quote') return false;
    const held = (await this.repo.history(tx, id)).findLast((h) => h.to_status === 'on_hold');
    let to = afterQuoteHold(held?.from_status ?? 'new');
    if (NEEDS_TECHNICIAN.includes(to) && !current.technician_id) to = 'new';
    await this.applyTransition(tx, current, to, { reason, quote: true }, actor, this.clock.now());
    this.announceAfterCommit(tx, current);
    return true;
  }

  /**
   * Whatever path moved the ticket (a visit, dispatch, an auto-ticket, a technician setting out),
   * the live feed and webhooks hear of it once the transaction commits: one `ticket.status_changed`
   * per ticket and transaction, from the status before its first move to the committed state.
   */
  private announceAfterCommit(tx: Queryable, before: TicketRow): void {
    let moved = this.moved.get(tx);
    const first = !moved;
    moved ??= new Map();
    if (!moved.has(before.id)) moved.set(before.id, before.status);
    if (!first) return;
    this.moved.set(tx, moved);
    const changes = moved;
    afterCommit(tx, async () => {
      for (const [id, from] of changes) {
        const row = await this.repo.find(this.db, id);
        if (row && row.status !== from) await publishSafely(this.events, { type: 'ticket.status_changed', ticket: this.toTicket(row, this.clock.now()), from });
      }
    });
  }

  /** Marks the SLA response met at `at` if not yet (a visit actually started). Runs in the caller's transaction. */
  async markResponded(tx: Queryable, ticketId: string, at: Date): Promise<void> {
    await tx.query('UPDATE tickets SET responded_at = $2, version = version + 1, updated_at = $2 WHERE id = $1 AND responded_at IS NULL', [ticketId, at]);
  }

  private async setTechnician(
    tx: Queryable,
    current: TicketRow,
    technicianId: string | null,
    reason: string | undefined,
    actor: Actor,
    now: Date,
  ): Promise<void> {
    if (technicianId && !(await this.repo.isTechnician(tx, technicianId))) {
      throw invalidField('body.technicianId', `${technicianId} is not an active technician`);
    }
    await this.repo.update(tx, current.id, { technician_id: technicianId, updated_at: now });
    await recordAudit(tx, actor, {
      entity: 'ticket',
      entityId: current.id,
      action: 'assign',
      changes: { technicianId: { from: current.technician_id, to: technicianId }, reason: reason ?? null },
    });
  }

  private async applyTransition(
    tx: Queryable,
    current: TicketRow,
    to: TicketStatus,
    /** quote: a quote's hold or release (holdForQuote, resumeAfterQuote), which check the move themselves. */
    options: { reason?: string | undefined; holdReason?: string | undefined; quote?: boolean },
    actor: Actor,
    now: Date,
  ): Promise<void> {
    if (!options.quote) assertTransition(current.status, to);
    if (NEEDS_TECHNICIAN.includes(to) && !current.technician_id) {
      throw conflict(`A ticket needs a technician before it can go to ${to}; assign one first`, { from: current.status, to });
    }
    const terms = await termsFor(tx, current.contract_id);
    const changes = transitionEffects(current, to, options.holdReason, now, terms);
    await this.repo.update(tx, current.id, changes);
    const technicianId = changes.technician_id === undefined ? current.technician_id : changes.technician_id;
    await this.repo.addHistory(tx, current.id, { from: current.status, to, at: now, actor, reason: options.reason, technicianId });
    // Parts held for work that will not happen (cancelled) or is over (closed) go back to stock.
    if (to === 'cancelled' || to === 'closed') await releaseTicketReservations(tx, current.id, actor, now, `ticket ${to}`);
    await recordAudit(tx, actor, {
      entity: 'ticket',
      entityId: current.id,
      action: 'transition',
      changes: { status: { from: current.status, to }, reason: options.reason ?? null, holdReason: options.holdReason ?? null },
    });
  }

  private async visible(q: Queryable, id: string, caller?: Pick<Caller, 'customerId'>): Promise<TicketRow> {
    const row = await this.repo.find(q, id);
    if (!row || (caller?.customerId && row.customer_id !== caller.customerId)) throw notFound('ticket', id);
    return row;
  }

  private toTicket(row: TicketRow, now: Date): Ticket {
    return toTicket(row, now);
  }

  /**
   * One change to an existing ticket: in a transaction, with the row locked (unknown id →
   * NOT_FOUND); a clash on the open-IoT-fault index becomes CONFLICT; the result is published
   * after commit.
   */
  private async change(id: string, fn: (tx: Queryable, current: TicketRow, now: Date) => Promise<TicketRow>): Promise<Ticket> {
    const now = this.clock.now();
    let before: TicketRow | undefined;
    const row = await this.db
      .transaction(async (tx) => {
        const current = await this.repo.find(tx, id, { lock: true });
        if (!current) throw notFound('ticket', id);
        before = current;
        return fn(tx, current, now);
      })
      .catch(openFaultConflict);
    return this.published(row, now, before);
  }

  private async published(row: TicketRow, now: Date, before?: TicketRow): Promise<Ticket> {
    const ticket = this.toTicket(row, now);
    if (before && before.status !== row.status) {
      await publishSafely(this.events, { type: 'ticket.status_changed', ticket, from: before.status });
    } else if (!before || before.version !== row.version) {
      await publishSafely(this.events, { type: 'ticket.updated', ticket });
    }
    return ticket;
  }
}

export { toTicket } from './ticket-view.js';
