/**
 * Technician and slot suggestion as pure functions.
 *
 * Travel: great-circle distance (haversine) at `speedKmh` (default 50 km/h, a blend of town and
 * road driving), rounded up to whole minutes; `unknownTravelMinutes` (default 45) when a position
 * is missing. Travel into a slot starts from the site of the technician's previous visit that
 * day; before their first visit, from their current location when fresh, else their home base.
 *
 * Slot: the earliest start in the day's free working time (shifts minus absences minus booked
 * visits, never before now) such that travel in, the labour estimate and travel on to the next
 * booked visit all fit; starts are rounded up to `slotStepMinutes` (default 5).
 *
 * Score, in minutes-equivalents, LOWER IS BETTER:
 *   travel minutes
 *   + 0.25 × minutes the customer waits (earliest possible start of the day → slot start)
 *   + 0.1 × minutes already booked that day (load)
 *   + 45 per needed part not (fully) on the technician's van (a detour to a warehouse)
 *   + 120 when the slot starts after the SLA response due time (not yet responded)
 *   + 240 when the slot ends after the SLA resolution due time
 *   + 20 when the technician's territories do not cover the site's city or country
 *   + 10 × (3 − skill level)  (level 5: −20, level 1: +20)
 *   − 15 for the named substitute of an absent technician
 *   + 100000 without a slot that day (listed last).
 */
import { haversineKm } from '../../kernel/geo.js';
import type { Interval } from '../technicians/working-hours.js';

export interface ScoringOptions {
  /** Travel speed assumption. Default 50 km/h. */
  readonly speedKmh?: number;
  /** Travel assumed when a position is unknown. Default 45 minutes. */
  readonly unknownTravelMinutes?: number;
  /** Slot starts are rounded up to this step. Default 5 minutes. */
  readonly slotStepMinutes?: number;
}

export interface Point {
  readonly lat: number;
  readonly lon: number;
  readonly label: string;
}

export interface BookedStop {
  readonly start: number;
  readonly end: number;
  readonly point: Point | null;
}

export interface SlotRequest {
  /** Free working time of the day (shifts minus absences), in order. */
  readonly free: readonly Interval[];
  /** The technician's booked visits around that day, in order. */
  readonly booked: readonly BookedStop[];
  /** Where the technician starts from before their first visit (fresh current location or home base). */
  readonly startFrom: Point | null;
  readonly site: Point | null;
  readonly labourMinutes: number;
  /** Nothing starts before this instant (now). */
  readonly notBefore: number;
}

export interface SlotFound {
  readonly start: number;
  readonly end: number;
  readonly travelMinutes: number;
  readonly distanceKm: number | null;
  readonly from: Point | null;
  /** First possible start of the day (free time start + travel), for the waiting term. */
  readonly earliestPossible: number;
}

const MINUTE = 60_000;

export function travel(from: Point | null, to: Point | null, options: ScoringOptions = {}): { minutes: number; km: number | null } {
  if (!from || !to) return { minutes: options.unknownTravelMinutes ?? 45, km: null };
  const km = haversineKm(from.lat, from.lon, to.lat, to.lon);
  return { minutes: Math.ceil((km / (options.speedKmh ?? 50)) * 60), km: Math.round(km * 10) / 10 };
}

/** The earliest slot that fits, or null. */
export function findSlot(req: SlotRequest, options: ScoringOptions = {}): SlotFound | null {
  const step = (options.slotStepMinutes ?? 5) * MINUTE;
  const roundUp = (ms: number) => Math.ceil(ms / step) * step;
  const booked = [...req.booked].sort((a, b) => a.start - b.start);
  let earliestPossible: number | null = null;
  for (const shift of req.free) {
    const inside = booked.filter((b) => b.end > shift.start && b.start < shift.end);
    let cursor = Math.max(shift.start, req.notBefore);
    // The next booked visit bounding each gap; null = the end of the free interval.
    for (const next of [...inside, null]) {
      const gapEnd = next ? Math.min(next.start, shift.end) : shift.end;
      if (gapEnd > cursor) {
        const gapStart = cursor;
        const previous = booked.filter((b) => b.end <= gapStart && b.end > gapStart - 12 * 60 * MINUTE).pop();
        const from = previous ? previous.point : req.startFrom;
        const tin = travel(from, req.site, options);
        const start = roundUp(gapStart + tin.minutes * MINUTE);
        earliestPossible ??= start;
        const end = start + req.labourMinutes * MINUTE;
        const tout = next ? travel(req.site, next.point, options).minutes : 0;
        if (end + tout * MINUTE <= gapEnd) return { start, end, travelMinutes: tin.minutes, distanceKm: tin.km, from, earliestPossible };
      }
      if (next) cursor = Math.max(cursor, next.end);
    }
  }
  return null;
}

export interface ScoreInput {
  readonly slot: SlotFound | null;
  readonly loadMinutes: number;
  readonly missingParts: number;
  readonly responseDueAt: number | null;
  readonly resolutionDueAt: number | null;
  readonly territoryMatch: boolean | null;
  readonly skillLevel: number | null;
  readonly substitute: boolean;
}

export interface ScoreResult {
  readonly score: number;
  readonly meetsResponse: boolean;
  readonly meetsResolution: boolean;
  readonly waitMinutes: number;
}

export function score(input: ScoreInput): ScoreResult {
  const slot = input.slot;
  const waitMinutes = slot ? Math.max(0, Math.round((slot.start - slot.earliestPossible) / MINUTE)) : 0;
  const meetsResponse = !slot || input.responseDueAt === null || slot.start <= input.responseDueAt;
  const meetsResolution = !slot || input.resolutionDueAt === null || slot.end <= input.resolutionDueAt;
  let total = slot ? slot.travelMinutes + 0.25 * waitMinutes : 100_000;
  total += 0.1 * input.loadMinutes;
  total += 45 * input.missingParts;
  if (!meetsResponse) total += 120;
  if (!meetsResolution) total += 240;
  if (input.territoryMatch === false) total += 20;
  if (input.skillLevel !== null) total += 10 * (3 - input.skillLevel);
  if (input.substitute) total -= 15;
  return { score: Math.round(total), meetsResponse, meetsResolution, waitMinutes };
}
