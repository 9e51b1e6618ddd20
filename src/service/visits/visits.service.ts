/**
 * Visit rules: only open tickets get visits, the technician is a technician (and technicians
 * change only their own visits), actual start marks the ticket's SLA response, an outcome
 * completes the visit, labour on a contract with prepaid minutes draws them down in the same
 * transaction (insufficient → 409, nothing written). Scheduling rules (dispatch/schedule-rules.ts):
 * a planned window is refused when it double-books the technician (SCHEDULE_CONFLICT) or falls
 * outside their working hours or in an absence (OUTSIDE_WORKING_HOURS). Every (re)assignment is
 * kept in visit_assignment_history and the technicians are told (optional notifier).
 */
import type { Caller } from '../../kernel/caller.js';
import { recordAudit } from '../../access/audit/audit.service.js';
import { ContractsRepository } from '../contracts/contracts.repository.js';
import { drawDownPrepaid } from '../contracts/contracts.service.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { AppError, conflict, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { invalidField } from '../../kernel/errors.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { StockService } from '../stock/stock.service.js';
import { TicketsRepository } from '../tickets/tickets.repository.js';
import { TicketsService } from '../tickets/tickets.service.js';
import { notifyTechnician, reassignVisitIn } from '../dispatch/assignment.js';
import { DispatchRepository } from '../dispatch/dispatch.repository.js';
import { assertSchedulable } from '../dispatch/schedule-rules.js';
import { notifySafely, type NotifierPort } from '../notifications/notification.port.js';
import { seesMoneyKind } from '../../access/auth/money.js';
import { CatalogueRepository } from '../stock/catalogue.repository.js';
import type { Role } from '../../kernel/caller.js';
import { VisitsRepository, type LabourRow, type PartRow, type VisitColumns, type VisitRow } from './visits.repository.js';
import type { AcceptanceInput, CreateVisit, LabourInput, PartInput, UpdateVisit, Visit } from './visits.schemas.js';

const CLOSED_TICKET = ['resolved', 'closed', 'cancelled'];

export interface VisitsServiceOptions {
  /** The process's one TicketsService: ticket moves made here reach the live feed and webhooks. */
  readonly tickets: TicketsService;
  /** Technicians' assignment messages (new, changed, cancelled); none = nothing queued. */
  readonly notifier?: NotifierPort | undefined;
  /** Consumes the parts a visit used from the van or warehouse. */
  readonly stock: StockService;
}

export class VisitsService {
  private readonly repo = new VisitsRepository();
  private readonly tickets = new TicketsRepository();
  private readonly contracts = new ContractsRepository();
  private readonly ticketsService: TicketsService;
  private readonly assignments = new DispatchRepository();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
    private readonly options: VisitsServiceOptions,
  ) {
    this.ticketsService = options.tickets;
  }

  async create(ticketId: string, input: CreateVisit, caller: Caller): Promise<Visit> {
    const now = this.clock.now();
    return this.change(async (tx) => {
      const ticket = await this.tickets.find(tx, ticketId, { lock: true });
      if (!ticket) throw notFound('ticket', ticketId);
      if (CLOSED_TICKET.includes(ticket.status)) throw conflict(`A ${ticket.status} ticket cannot get a new visit`, { ticketStatus: ticket.status });
      if (!(await this.tickets.isTechnician(tx, input.technicianId)))
        throw invalidField('body.technicianId', `${input.technicianId} is not an active technician`);
      await assertSchedulable(tx, { technicianId: input.technicianId, start: new Date(input.plannedStart), end: new Date(input.plannedEnd) });
      const id = await this.repo.insert(tx, {
        ticketId,
        technicianId: input.technicianId,
        plannedStart: input.plannedStart,
        plannedEnd: input.plannedEnd,
        notes: input.notes ?? null,
        now,
      });
      await this.assignments.addHistory(tx, { visitId: id, from: null, to: input.technicianId, at: now, actor: caller.actor });
      await notifyTechnician(
        tx,
        this.options.notifier,
        'assignment.created',
        input.technicianId,
        { id, ticket_id: ticketId },
        { start: new Date(input.plannedStart), end: new Date(input.plannedEnd) },
      );
      // The customer learns the window (again, with the new window, when it moves).
      await notifySafely(this.options.notifier, tx, {
        event: 'visit.scheduled',
        ticketId,
        visitId: id,
        data: { windowStart: new Date(input.plannedStart).toISOString(), windowEnd: new Date(input.plannedEnd).toISOString() },
      });
      await recordAudit(tx, caller.actor, { entity: 'visit', entityId: id, action: 'create', changes: { ticketId, ...input } });
      return id;
    });
  }

  async get(id: string, caller: Caller): Promise<Visit> {
    const row = await this.repo.find(this.db, id);
    if (!row || !(await this.mayRead(this.db, row.ticket_id, caller))) throw notFound('visit', id);
    return (await this.hydrate(this.db, [row]))[0]!;
  }

  async listByTicket(ticketId: string, caller: Caller): Promise<Visit[]> {
    if (!(await this.mayRead(this.db, ticketId, caller))) throw notFound('ticket', ticketId);
    return this.hydrate(this.db, await this.repo.listByTicket(this.db, ticketId));
  }

  async update(id: string, patch: UpdateVisit, caller: Caller, ifMatch?: '*' | number[]): Promise<Visit> {
    const now = this.clock.now();
    return this.change(async (tx) => {
      const current = await this.ownVisit(tx, id, caller);
      checkVersion(ifMatch, current.version, `visit ${id}`);
      if (Object.values(patch).every((v) => v === undefined)) return id;
      if (patch.technicianId !== undefined && patch.technicianId !== current.technician_id) {
        if (caller.role === 'technician') throw new AppError('FORBIDDEN', 'Technicians cannot hand a visit to someone else');
        if (!(await this.tickets.isTechnician(tx, patch.technicianId)))
          throw invalidField('body.technicianId', `${patch.technicianId} is not an active technician`);
      }
      const next = mergeVisit(current, patch, now);
      if (current.status === 'cancelled' && Object.values(patch).some((v) => v !== undefined))
        throw conflict('A cancelled visit cannot change', { visitStatus: 'cancelled' });
      if (patch.status === 'cancelled' && current.actual_start)
        throw conflict('A visit that has started cannot be cancelled; record its outcome', { visitStatus: current.status });
      await this.applySchedule(tx, current, next, caller, now);
      await this.repo.update(tx, id, next);
      if (next.actual_start && !current.actual_start) await this.ticketsService.markResponded(tx, current.ticket_id, next.actual_start);
      await recordAudit(tx, caller.actor, { entity: 'visit', entityId: id, action: 'update', changes: patch });
      return id;
    });
  }

  /** Records labour; on a contract with prepaid minutes, draws them down in the same transaction. */
  async addLabour(id: string, input: LabourInput, caller: Caller): Promise<Visit> {
    const now = this.clock.now();
    return this.change(async (tx) => {
      const visit = await this.ownVisit(tx, id, caller);
      if (visit.status === 'cancelled') throw conflict('A cancelled visit cannot get labour', { visitStatus: 'cancelled' });
      const labourId = await this.repo.addLabour(tx, id, input, now, caller.actor);
      const ticket = (await this.tickets.find(tx, visit.ticket_id))!;
      const contract = ticket.contract_id ? await this.contracts.find(tx, ticket.contract_id) : undefined;
      if (contract && contract.prepaid_minutes_purchased > 0) {
        await drawDownPrepaid(tx, this.contracts, contract.id, input.minutes, {
          actor: caller.actor,
          at: now,
          reason: `labour on ${ticket.number}`,
          ticketId: ticket.id,
          visitId: id,
          labourEntryId: labourId,
        });
        await this.repo.setLabourPrepaid(tx, labourId, input.minutes);
      }
      await this.repo.update(tx, id, { updated_at: now });
      await recordAudit(tx, caller.actor, { entity: 'visit', entityId: id, action: 'labour', changes: { labourEntryId: labourId, ...input } });
      return id;
    });
  }

  /**
   * Records a part used. Its price comes from the catalogue when the work is invoiced; only a role
   * that sees prices (src/access/auth/money.ts) may set `unitPrice` instead, and that override is
   * audited with the catalogue price beside it. Anyone else sending it gets 403 (nothing recorded).
   */
  async addPart(id: string, input: PartInput, caller: Caller): Promise<Visit> {
    if (input.unitPrice !== undefined && !(caller.role && seesMoneyKind(caller.role as Role, 'price'))) {
      throw new AppError('FORBIDDEN', 'Part prices come from the catalogue; only the back office may set unitPrice', { field: 'body.unitPrice' });
    }
    const now = this.clock.now();
    return this.change(async (tx) => {
      const visit = await this.ownVisit(tx, id, caller);
      if (visit.status === 'cancelled') throw conflict('A cancelled visit cannot get parts', { visitStatus: 'cancelled' });
      await this.repo.addPart(tx, id, input, now, caller.actor);
      // Parts used leave stock in the same transaction (reservation, then van, then nearest; a shortfall is backordered).
      await this.options.stock.consumeForVisitPart(tx, {
        visitId: id,
        ticketId: visit.ticket_id,
        technicianId: visit.technician_id,
        sku: input.sku,
        quantity: input.quantity,
        actor: caller.actor,
      });
      await this.repo.update(tx, id, { updated_at: now });
      await recordAudit(tx, caller.actor, { entity: 'visit', entityId: id, action: 'part', changes: { ...input } });
      if (input.unitPrice !== undefined) {
        const catalogue = (await new CatalogueRepository().partsBySku(tx, [input.sku])).get(input.sku);
        await recordAudit(tx, caller.actor, {
          entity: 'visit',
          entityId: id,
          action: 'price_override',
          changes: { sku: input.sku, unitPrice: input.unitPrice, catalogueUnitPrice: catalogue ? Number(catalogue.unit_price) : null },
        });
      }
      return id;
    });
  }

  async accept(id: string, input: AcceptanceInput, caller: Caller): Promise<Visit> {
    const now = this.clock.now();
    return this.change(async (tx) => {
      const visit = await this.ownVisit(tx, id, caller);
      if (!visit.actual_start || visit.status === 'cancelled') throw conflict('Only a visit that took place can be accepted', { visitStatus: visit.status });
      const closed = await tx.query<{ closed_at: Date }>('SELECT closed_at FROM visit_closures WHERE visit_id = $1', [id]);
      if (closed.rows[0])
        throw conflict(`Visit ${id} was closed at ${closed.rows[0].closed_at.toISOString()}; its acceptance cannot change`, {
          closedAt: closed.rows[0].closed_at.toISOString(),
        });
      await this.repo.update(tx, id, {
        acceptance_name: input.name,
        acceptance_confirmation: input.confirmation ?? null,
        acceptance_signature: input.signature ?? null,
        accepted_at: now,
        updated_at: now,
      });
      await recordAudit(tx, caller.actor, { entity: 'visit', entityId: id, action: 'acceptance', changes: { name: input.name, signed: !!input.signature } });
      return id;
    });
  }

  /**
   * Scheduling side of a PATCH: a new window or technician is checked against the rules; a new
   * technician gets the visit through the assignment history (the ticket follows); the
   * technicians are told of a moved or cancelled visit.
   */
  private async applySchedule(tx: Queryable, current: VisitRow, next: VisitColumns, caller: Caller, now: Date): Promise<void> {
    const technicianId = next.technician_id ?? current.technician_id;
    const start = next.planned_start ?? current.planned_start;
    const end = next.planned_end ?? current.planned_end;
    const moved = start.getTime() !== current.planned_start.getTime() || end.getTime() !== current.planned_end.getTime();
    const handedOver = technicianId !== current.technician_id;
    const active = next.status === 'planned' || next.status === 'in_progress';
    if (active && (moved || handedOver)) await assertSchedulable(tx, { technicianId, start, end, excludeVisitId: current.id });
    if (handedOver) {
      await reassignVisitIn(tx, { ...current, planned_start: start, planned_end: end }, technicianId, {
        actor: caller.actor,
        now,
        notifier: this.options.notifier,
        ticketsService: this.ticketsService,
      });
    } else if (next.status === 'cancelled' && current.status !== 'cancelled') {
      await notifyTechnician(tx, this.options.notifier, 'assignment.cancelled', current.technician_id, current, { start, end }, undefined, now);
    } else if (moved && active) {
      await notifyTechnician(tx, this.options.notifier, 'assignment.changed', technicianId, current, { start, end });
    }
    if (moved && (next.status ?? current.status) === 'planned') {
      await notifySafely(this.options.notifier, tx, {
        event: 'visit.scheduled',
        ticketId: current.ticket_id,
        visitId: current.id,
        data: { windowStart: start.toISOString(), windowEnd: end.toISOString() },
      });
    }
  }

  /** Runs one change in a transaction and answers the visit as committed. */
  private async change(fn: (tx: Queryable) => Promise<string>): Promise<Visit> {
    const id = await this.db.transaction(fn);
    return (await this.hydrate(this.db, [(await this.repo.find(this.db, id))!]))[0]!;
  }

  /** The visit, locked; technicians may only touch their own. */
  private async ownVisit(tx: Queryable, id: string, caller: Caller): Promise<VisitRow> {
    const visit = await this.repo.find(tx, id, { lock: true });
    if (!visit) throw notFound('visit', id);
    if (caller.role === 'technician' && visit.technician_id !== caller.userId) throw new AppError('FORBIDDEN', 'Technicians may only change their own visits');
    return visit;
  }

  private async mayRead(q: Queryable, ticketId: string, caller: Caller): Promise<boolean> {
    const ticket = await this.tickets.find(q, ticketId);
    return !!ticket && (!caller.customerId || ticket.customer_id === caller.customerId);
  }

  private async hydrate(q: Queryable, rows: VisitRow[]): Promise<Visit[]> {
    const ids = rows.map((r) => r.id);
    const [labour, parts] = await Promise.all([this.repo.labour(q, ids), this.repo.parts(q, ids)]);
    return rows.map((row) =>
      toVisit(
        row,
        labour.filter((l) => l.visit_id === row.id),
        parts.filter((p) => p.visit_id === row.id),
      ),
    );
  }
}

/** Column changes of a PATCH, with the derived status: started → in_progress, outcome → completed. */
export function mergeVisit(current: VisitRow, patch: UpdateVisit, now: Date): VisitColumns {
  const at = (v: string | null | undefined, fallback: Date | null) => (v === undefined ? fallback : v === null ? null : new Date(v));
  const plannedStart = at(patch.plannedStart, current.planned_start)!;
  const plannedEnd = at(patch.plannedEnd, current.planned_end)!;
  if (plannedEnd <= plannedStart) throw invalidField('body.plannedEnd', 'plannedEnd must be after plannedStart');
  const outcome = patch.outcome === undefined ? current.outcome : patch.outcome;
  const actualStart = at(patch.actualStart, current.actual_start);
  let actualEnd = at(patch.actualEnd, current.actual_end);
  if (outcome && !actualStart) throw invalidField('body.actualStart', 'a visit needs an actualStart before it gets an outcome');
  if (outcome && !actualEnd) actualEnd = now;
  if (actualEnd && !actualStart) throw invalidField('body.actualStart', 'actualEnd needs an actualStart');
  if (actualStart && actualEnd && actualEnd < actualStart) throw invalidField('body.actualEnd', 'actualEnd must not be before actualStart');
  const status = patch.status ?? (current.status === 'cancelled' ? 'cancelled' : outcome ? 'completed' : actualStart ? 'in_progress' : 'planned');
  return {
    technician_id: patch.technicianId ?? current.technician_id,
    planned_start: plannedStart,
    planned_end: plannedEnd,
    actual_start: actualStart,
    actual_end: actualEnd,
    outcome,
    notes: patch.notes === undefined ? current.notes : patch.notes,
    status,
    updated_at: now,
  };
}

function toVisit(row: VisitRow, labour: LabourRow[], parts: PartRow[]): Visit {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: row.id,
    ticketId: row.ticket_id,
    technicianId: row.technician_id,
    status: row.status,
    plannedStart: row.planned_start.toISOString(),
    plannedEnd: row.planned_end.toISOString(),
    actualStart: iso(row.actual_start),
    actualEnd: iso(row.actual_end),
    outcome: row.outcome,
    firstTimeFix: row.first_time_fix,
    notes: row.notes,
    labour: labour.map((l) => ({
      id: l.id,
      minutes: l.minutes,
      skill: l.skill,
      overtime: l.overtime,
      description: l.description,
      prepaidMinutes: l.prepaid_minutes,
      recordedAt: l.recorded_at.toISOString(),
    })),
    parts: parts.map((p) => ({
      id: p.id,
      sku: p.sku,
      description: p.description,
      quantity: Number(p.quantity),
      unitPrice: p.unit_price === null ? null : Number(p.unit_price),
      recordedAt: p.recorded_at.toISOString(),
    })),
    labourMinutes: labour.reduce((sum, l) => sum + l.minutes, 0),
    acceptance: row.accepted_at
      ? { name: row.acceptance_name!, confirmation: row.acceptance_confirmation, signature: row.acceptance_signature, at: row.accepted_at.toISOString() }
      : null,
    etaAt: row.eta_at ? row.eta_at.toISOString() : null,
    travelMinutes: row.travel_minutes ?? null,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
