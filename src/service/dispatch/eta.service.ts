/**
 * Setting out and ETA. `enRoute`: the ticket moves to en_route through the ticket workflow, the
 * ETA is computed from where the technician is (the given position, else their fresh current
 * location, else their home base) to the site at the speed assumption, and the customer gets
 * 'technician.en_route' with the ETA. `updateEta`: a new ETA (given, or recomputed from a
 * position); when it is more than `delayThresholdMinutes` (default 15) later than the last ETA
 * announced to the customer — or, if none was announced, than the end of the planned window —
 * the customer gets 'visit.delayed' (deduplicated per new ETA) and it becomes the announced ETA.
 */
import type { Caller } from '../../kernel/caller.js';
import { recordAudit } from '../../access/audit/audit.service.js';
import type { NotifierPort } from '../notifications/notification.port.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { AppError, conflict, notFound } from '../../kernel/errors.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { TechniciansRepository } from '../technicians/technicians.repository.js';
import { canTransition } from '../tickets/ticket-workflow.js';
import { TicketsRepository } from '../tickets/tickets.repository.js';
import { TicketsService } from '../tickets/tickets.service.js';
import { travel, type Point } from './dispatch-scoring.js';
import { DispatchRepository } from './dispatch.repository.js';
import type { Eta, EtaInput } from './dispatch.schemas.js';
import { startPoint } from './technician-ranking.js';

export interface EtaOptions {
  readonly clock?: Clock;
  /** The process's one TicketsService: ticket moves made here reach the live feed and webhooks. */
  readonly tickets: TicketsService;
  readonly notifier?: NotifierPort | undefined;
  /** Default 50 km/h. */
  readonly speedKmh?: number;
  /** Travel assumed without positions. Default 45 minutes. */
  readonly unknownTravelMinutes?: number;
  /** Default 120 minutes. */
  readonly locationFreshMinutes?: number;
  /** A new ETA this much later than the announced one notifies the customer. Default 15 minutes. */
  readonly delayThresholdMinutes?: number;
}

interface EtaVisitRow {
  id: string;
  ticket_id: string;
  technician_id: string;
  status: string;
  planned_start: Date;
  planned_end: Date;
  en_route_at: Date | null;
  eta_at: Date | null;
  eta_announced_at: Date | null;
  travel_minutes: number | null;
  latitude: number | null;
  longitude: number | null;
  site_name: string | null;
}

const MINUTE = 60_000;

export class EtaService {
  private readonly techs = new TechniciansRepository();
  private readonly ticketsRepo = new TicketsRepository();
  private readonly dispatch = new DispatchRepository();
  private readonly clock: Clock;
  private readonly tickets: TicketsService;

  constructor(
    private readonly db: Database,
    private readonly options: EtaOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.tickets = options.tickets;
  }

  async enRoute(visitId: string, position: { lat?: number | undefined; lon?: number | undefined }, caller: Caller): Promise<Eta> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const visit = await this.visit(tx, visitId, caller);
      if (visit.status !== 'planned') throw conflict(`A ${visit.status} visit cannot set out`, { visitStatus: visit.status });
      if (position.lat !== undefined && position.lon !== undefined) {
        await this.techs.recordLocation(
          tx,
          visit.technician_id,
          { lat: position.lat, lon: position.lon, accuracy: null, at: now, source: 'api', receivedAt: now },
          500,
        );
      }
      const est = await this.estimate(tx, visit, now);
      const ticket = (await this.ticketsRepo.find(tx, visit.ticket_id, { lock: true }))!;
      if (ticket.status !== 'en_route') {
        if (!canTransition(ticket.status, 'en_route')) throw conflict(`The ticket is ${ticket.status}; it cannot go en_route`, { ticketStatus: ticket.status });
        await this.tickets.transitionIn(tx, ticket.id, 'en_route', 'technician set out', caller.actor);
      }
      await tx.query(
        'UPDATE visits SET en_route_at = $2, eta_at = $3, eta_announced_at = $3, travel_minutes = $4, updated_at = $2, version = version + 1 WHERE id = $1',
        [visitId, now, est.eta, est.travelMinutes],
      );
      const name = await this.dispatch.technicianName(tx, visit.technician_id);
      await this.options.notifier?.enqueue(tx, {
        event: 'technician.en_route',
        ticketId: visit.ticket_id,
        visitId,
        dedupeKey: `technician.en_route:${visitId}:${now.toISOString()}`,
        data: {
          eta: est.eta.toISOString(),
          technicianName: name ?? null,
          travelMinutes: est.travelMinutes,
          windowStart: visit.planned_start.toISOString(),
          windowEnd: visit.planned_end.toISOString(),
        },
      });
      await recordAudit(tx, caller.actor, {
        entity: 'visit',
        entityId: visitId,
        action: 'en_route',
        changes: { etaAt: est.eta.toISOString(), basis: est.basis },
      });
      return this.result(tx, visitId, { distanceKm: est.km, basis: est.basis, delayed: false, delayMinutes: null });
    });
  }

  async updateEta(visitId: string, input: EtaInput, caller: Caller): Promise<Eta> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const visit = await this.visit(tx, visitId, caller);
      if (visit.status !== 'planned') throw conflict(`A ${visit.status} visit has no ETA to update`, { visitStatus: visit.status });
      let eta: Date;
      let basis: string;
      let km: number | null = null;
      let travelMinutes = visit.travel_minutes;
      if (input.etaAt) {
        eta = new Date(input.etaAt);
        basis = 'given by the technician or dispatcher';
      } else {
        await this.techs.recordLocation(
          tx,
          visit.technician_id,
          { lat: input.lat!, lon: input.lon!, accuracy: null, at: now, source: 'api', receivedAt: now },
          500,
        );
        const est = await this.estimate(tx, visit, now);
        ({ eta, basis, km, travelMinutes } = { eta: est.eta, basis: est.basis, km: est.km, travelMinutes: est.travelMinutes });
      }
      const reference = visit.eta_announced_at ?? visit.planned_end;
      const delayMinutes = Math.round((eta.getTime() - reference.getTime()) / MINUTE);
      const delayed = delayMinutes > (this.options.delayThresholdMinutes ?? 15);
      await tx.query(
        'UPDATE visits SET eta_at = $2, travel_minutes = $3, eta_announced_at = CASE WHEN $4 THEN $2 ELSE eta_announced_at END, updated_at = $5, version = version + 1 WHERE id = $1',
        [visitId, eta, travelMinutes, delayed, now],
      );
      if (delayed) {
        const name = await this.dispatch.technicianName(tx, visit.technician_id);
        await this.options.notifier?.enqueue(tx, {
          event: 'visit.delayed',
          ticketId: visit.ticket_id,
          visitId,
          dedupeKey: `visit.delayed:${visitId}:${eta.toISOString()}`,
          data: { eta: eta.toISOString(), previousEta: reference.toISOString(), delayMinutes, technicianName: name ?? null, reason: input.reason ?? null },
        });
      }
      await recordAudit(tx, caller.actor, { entity: 'visit', entityId: visitId, action: 'eta', changes: { etaAt: eta.toISOString(), delayed, delayMinutes } });
      return this.result(tx, visitId, { distanceKm: km, basis, delayed, delayMinutes: delayed ? delayMinutes : null });
    });
  }

  async get(visitId: string, caller: Caller): Promise<Eta> {
    await this.visit(this.db, visitId, caller, { read: true });
    return this.result(this.db, visitId, { distanceKm: null, basis: 'stored', delayed: false, delayMinutes: null });
  }

  /** ETA from the technician's best known position to the site. */
  private async estimate(q: Queryable, visit: EtaVisitRow, now: Date): Promise<{ eta: Date; travelMinutes: number; km: number | null; basis: string }> {
    const tech = (await this.techs.find(q, visit.technician_id))!;
    const from = startPoint(tech, now, this.options.locationFreshMinutes ?? 120, now.getTime());
    const site: Point | null =
      visit.latitude !== null && visit.longitude !== null ? { lat: visit.latitude, lon: visit.longitude, label: visit.site_name ?? 'the site' } : null;
    const t = travel(from, site, this.options);
    const basis = from && site ? `~${t.km} km from ${from.label} at ${this.options.speedKmh ?? 50} km/h` : `position unknown: ${t.minutes} min assumed`;
    return { eta: new Date(now.getTime() + t.minutes * MINUTE), travelMinutes: t.minutes, km: t.km, basis };
  }

  private async visit(q: Queryable, id: string, caller: Caller, options: { read?: boolean } = {}): Promise<EtaVisitRow> {
    const { rows } = await q.query<EtaVisitRow>(
      `SELECT v.id, v.ticket_id, v.technician_id, v.status, v.planned_start, v.planned_end, v.en_route_at, v.eta_at, v.eta_announced_at, v.travel_minutes,
              s.latitude, s.longitude, s.name AS site_name
       FROM visits v JOIN tickets t ON t.id = v.ticket_id LEFT JOIN assets a ON a.id = t.asset_id LEFT JOIN sites s ON s.id = COALESCE(t.site_id, a.site_id)
       WHERE v.id = $1 ${options.read ? '' : 'FOR UPDATE OF v'}`,
      [id],
    );
    const visit = rows[0];
    if (!visit) throw notFound('visit', id);
    if (caller.role === 'technician' && visit.technician_id !== caller.userId)
      throw new AppError('FORBIDDEN', 'Technicians may only report on their own visits');
    return visit;
  }

  private async result(q: Queryable, visitId: string, extra: Pick<Eta, 'distanceKm' | 'basis' | 'delayed' | 'delayMinutes'>): Promise<Eta> {
    const { rows } = await q.query<EtaVisitRow & { ticket_status: string }>(
      'SELECT v.*, t.status AS ticket_status FROM visits v JOIN tickets t ON t.id = v.ticket_id WHERE v.id = $1',
      [visitId],
    );
    const v = rows[0]!;
    const iso = (d: Date | null) => (d ? d.toISOString() : null);
    return {
      visitId: v.id,
      ticketId: v.ticket_id,
      technicianId: v.technician_id,
      ticketStatus: v.ticket_status,
      enRouteAt: iso(v.en_route_at),
      etaAt: iso(v.eta_at),
      etaAnnouncedAt: iso(v.eta_announced_at),
      travelMinutes: v.travel_minutes,
      ...extra,
    };
  }
}
