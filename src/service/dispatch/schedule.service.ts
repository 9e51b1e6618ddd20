/**
 * The schedule board: per technician, one local date — their shifts, absences, booked visits
 * with the travel before each (from the previous visit's site, else the start location, at the
 * speed assumption) and the free gaps of working time.
 */
import type { Caller } from '../../kernel/caller.js';
import type { Database } from '../../kernel/db/database.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { hoursOf, TechniciansRepository, zoneOf } from '../technicians/technicians.repository.js';
import { merge, parseIsoDate, subtract, workingIntervals } from '../technicians/working-hours.js';
import { zonedTimeToInstant } from '../sla/business-calendar.js';
import { travel, type Point, type ScoringOptions } from './dispatch-scoring.js';
import { DispatchRepository } from './dispatch.repository.js';
import type { Schedule } from './dispatch.schemas.js';
import { startPoint } from './technician-ranking.js';

export interface ScheduleOptions extends ScoringOptions {
  readonly clock?: Clock;
  /** Default 120 minutes. */
  readonly locationFreshMinutes?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

export class ScheduleService {
  private readonly techs = new TechniciansRepository();
  private readonly repo = new DispatchRepository();
  private readonly clock: Clock;

  constructor(
    private readonly db: Database,
    private readonly options: ScheduleOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  /** Technicians see only their own row. */
  async board(date: string, technicianId: string | undefined, caller: Caller): Promise<Schedule> {
    let only = technicianId;
    if (caller.role === 'technician') {
      if (technicianId && technicianId !== caller.userId) throw new AppError('FORBIDDEN', 'Technicians see only their own schedule');
      only = caller.userId;
    }
    const day = parseIsoDate(date);
    const dayUtc = Date.UTC(day.year, day.month - 1, day.day);
    const from = new Date(dayUtc - 16 * HOUR);
    const to = new Date(dayUtc + 40 * HOUR);
    const techs = await this.techs.listActive(this.db, only ? [only] : undefined);
    if (technicianId && techs.length === 0) throw notFound('technician', technicianId);
    const ids = techs.map((t) => t.id);
    const [absences, booked] = await Promise.all([this.techs.absences(this.db, ids, from, to), this.repo.booked(this.db, ids, from, to)]);
    const now = this.clock.now();

    return {
      date,
      technicians: techs.map((tech) => {
        const zone = zoneOf(tech);
        const shifts = workingIntervals(hoursOf(tech), zone, day);
        const localStart = zonedTimeToInstant(day, 0, zone);
        const localEnd = zonedTimeToInstant(day, 24 * 60, zone);
        const own = absences.filter((a) => a.technician_id === tech.id && a.starts_at.getTime() < localEnd && a.ends_at.getTime() > localStart);
        const visits = booked.filter((b) => b.technician_id === tech.id && b.planned_start.getTime() < localEnd && b.planned_end.getTime() > localStart);
        let previous: Point | null = startPoint(tech, now, this.options.locationFreshMinutes ?? 120, shifts[0]?.start ?? localStart);
        const rows = visits.map((v) => {
          const site = v.latitude !== null && v.longitude !== null ? { lat: v.latitude, lon: v.longitude, label: v.site_name ?? '' } : null;
          const before = previous && site ? travel(previous, site, this.options).minutes : null;
          previous = site;
          return {
            visitId: v.id,
            ticketId: v.ticket_id,
            ticketNumber: v.ticket_number,
            title: v.title,
            start: v.planned_start.toISOString(),
            end: v.planned_end.toISOString(),
            status: v.status,
            siteName: v.site_name,
            travelMinutesBefore: before,
          };
        });
        const busy = merge([
          ...visits.map((v) => ({ start: v.planned_start.getTime(), end: v.planned_end.getTime() })),
          ...own.map((a) => ({ start: a.starts_at.getTime(), end: a.ends_at.getTime() })),
        ]);
        const gaps = subtract(shifts, busy)
          .map((g) => ({ start: iso(g.start), end: iso(g.end), minutes: Math.round((g.end - g.start) / MINUTE) }))
          .filter((g) => g.minutes > 0);
        const bookedMinutes = Math.round(
          visits.reduce((sum, v) => sum + (Math.min(v.planned_end.getTime(), localEnd) - Math.max(v.planned_start.getTime(), localStart)), 0) / MINUTE,
        );
        return {
          technicianId: tech.id,
          name: tech.name,
          timezone: zone,
          workingHours: shifts.map((s) => ({ start: iso(s.start), end: iso(s.end) })),
          absent: own.some((a) => shifts.some((s) => a.starts_at.getTime() < s.end && a.ends_at.getTime() > s.start)),
          absences: own.map((a) => ({
            id: a.id,
            start: a.starts_at.toISOString(),
            end: a.ends_at.toISOString(),
            reason: a.reason,
            substituteId: a.substitute_id,
          })),
          visits: rows,
          bookedMinutes,
          gaps,
        };
      }),
    };
  }
}
