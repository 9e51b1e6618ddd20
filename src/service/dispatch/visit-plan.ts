/**
 * Jobs longer than one stretch of free time: the labour is split into consecutive visits of one
 * technician, day after day, each visit starting after the travel in and ending early enough for
 * the travel on to their next booked visit (same rules as `findSlot`). A visit shorter than
 * `minVisitMinutes` is not planned unless it finishes the job (a half hour on site after an
 * hour's drive helps nobody).
 *
 * `technicianDays` loads what the planner needs for one technician (shifts minus absences, booked
 * visits, start point) over the days searched; `splitIntoVisits` is pure.
 */
import type { Queryable } from '../../kernel/db/database.js';
import { isoDate, localDateOf, nextDate } from '../sla/business-calendar.js';
import { hoursOf, TechniciansRepository, zoneOf, type TechnicianRow } from '../technicians/technicians.repository.js';
import { subtract, workingIntervals, type Interval } from '../technicians/working-hours.js';
import { travel, type BookedStop, type Point, type ScoringOptions } from './dispatch-scoring.js';
import { DispatchRepository } from './dispatch.repository.js';
import { startPoint } from './technician-ranking.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface WorkDay {
  readonly date: string;
  /** Free working time (shifts minus absences), in order. */
  readonly free: readonly Interval[];
  /** Where the technician sets out from before the day's first visit. */
  readonly startFrom: Point | null;
}

export interface PlannedWindow {
  readonly start: number;
  readonly end: number;
  readonly travelMinutes: number;
}

export interface SplitRequest {
  readonly days: readonly WorkDay[];
  /** The technician's booked visits over the days searched. */
  readonly booked: readonly BookedStop[];
  readonly site: Point | null;
  readonly labourMinutes: number;
  readonly notBefore: number;
  /** Default 60 minutes. */
  readonly minVisitMinutes?: number;
}

/** Consecutive visits that together give the labour, earliest first; null when the days searched do not suffice. */
export function splitIntoVisits(req: SplitRequest, options: ScoringOptions = {}): PlannedWindow[] | null {
  const step = (options.slotStepMinutes ?? 5) * MINUTE;
  const minVisit = (req.minVisitMinutes ?? 60) * MINUTE;
  const booked = [...req.booked].sort((a, b) => a.start - b.start);
  const out: PlannedWindow[] = [];
  let remaining = req.labourMinutes * MINUTE;
  for (const day of req.days) {
    let previousEnd: { at: number } | null = null;
    for (const shift of day.free) {
      const inside = booked.filter((b) => b.end > shift.start && b.start < shift.end);
      let cursor = Math.max(shift.start, req.notBefore);
      for (const next of [...inside, null]) {
        const gapEnd = next ? Math.min(next.start, shift.end) : shift.end;
        if (gapEnd > cursor) {
          const before = booked.filter((b) => b.end <= cursor && b.end > cursor - 12 * 60 * MINUTE).pop();
          // Right after our own previous visit of the day at the same site: no travel.
          const stayed = previousEnd !== null && previousEnd.at >= (before?.end ?? 0);
          const tin: { minutes: number } = stayed ? { minutes: 0 } : travel(before ? before.point : day.startFrom, req.site, options);
          const start: number = Math.ceil((cursor + tin.minutes * MINUTE) / step) * step;
          const tout = next ? travel(req.site, next.point, options).minutes * MINUTE : 0;
          const room = Math.floor((gapEnd - tout - start) / step) * step;
          const length = Math.min(room, remaining);
          if (length > 0 && (length >= minVisit || length === remaining)) {
            out.push({ start, end: start + length, travelMinutes: tin.minutes });
            remaining -= length;
            if (remaining <= 0) return out;
            previousEnd = { at: start + length };
            cursor = start + length;
          }
        }
        if (next) {
          cursor = Math.max(cursor, next.end);
          previousEnd = null;
        }
      }
    }
  }
  return null;
}

const techRepo = new TechniciansRepository();
const dispatchRepo = new DispatchRepository();

/** A technician's working days from `fromDate` (their local date) for `count` days, with their booked visits. */
export async function technicianDays(
  q: Queryable,
  tech: TechnicianRow,
  now: Date,
  count: number,
  freshMinutes: number,
): Promise<{ days: WorkDay[]; booked: BookedStop[] }> {
  const zone = zoneOf(tech);
  const from = new Date(now.getTime() - DAY);
  const to = new Date(now.getTime() + (count + 1) * DAY);
  const [absences, visits] = await Promise.all([techRepo.absences(q, [tech.id], from, to), dispatchRepo.booked(q, [tech.id], from, to)]);
  const away = absences.map((a) => ({ start: a.starts_at.getTime(), end: a.ends_at.getTime() }));
  const days: WorkDay[] = [];
  let date = localDateOf(now.getTime(), zone);
  for (let i = 0; i < count; i++, date = nextDate(date)) {
    const shifts = workingIntervals(hoursOf(tech), zone, date);
    const free = subtract(shifts, away);
    if (free.length) days.push({ date: isoDate(date), free, startFrom: startPoint(tech, now, freshMinutes, free[0]!.start) });
  }
  const booked = visits.map((b) => ({
    start: b.planned_start.getTime(),
    end: b.planned_end.getTime(),
    point: b.latitude !== null && b.longitude !== null ? { lat: b.latitude, lon: b.longitude, label: `their previous visit (${b.ticket_number})` } : null,
  }));
  return { days, booked };
}
