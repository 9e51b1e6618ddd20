/**
 * Overtime from a technician's working hours: the share of a visit's actual window that falls
 * outside them. `technician_profiles.working_hours` (dispatch work) holds local wall-clock
 * intervals per weekday, `{ "mon": [["08:00","17:00"]], ... }` (the `{ start, end }` form of
 * business calendars is accepted too); `technician_profiles.timezone` is their IANA zone.
 */
import { z } from 'zod';
import { isValidTimeZone, minuteOfDay, WEEKDAYS, type BusinessCalendar, type BusinessInterval, type Weekday } from '../sla/business-calendar.js';
import { businessMinutesBetween, isBusinessTime } from '../sla/business-time.js';

const hhmm = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/);
const interval = z.union([z.tuple([hhmm, hhmm]), z.object({ start: hhmm, end: hhmm })]);
const workingHoursSchema = z.record(z.string(), z.array(interval).max(12));

/**
 * The technician's working hours as a business calendar, or null when unknown, unreadable or
 * empty (then only the labour entry's own overtime flag counts). An unknown zone falls back to UTC.
 */
export function workingHoursCalendar(raw: unknown, timeZone: string | null | undefined): BusinessCalendar | null {
  const parsed = workingHoursSchema.safeParse(typeof raw === 'string' ? safeJson(raw) : raw);
  if (!parsed.success) return null;
  const weekly: Partial<Record<Weekday, BusinessInterval[]>> = {};
  let any = false;
  for (const [day, list] of Object.entries(parsed.data)) {
    const weekday = WEEKDAYS.find((d) => d === day.toLowerCase().slice(0, 3));
    if (!weekday) continue;
    const intervals = list
      .map((i) => (Array.isArray(i) ? { start: i[0], end: i[1] } : i))
      .filter((i) => minuteOfDay(i.end) > minuteOfDay(i.start))
      .sort((a, b) => minuteOfDay(a.start) - minuteOfDay(b.start));
    if (intervals.length === 0) continue;
    weekly[weekday] = intervals;
    any = true;
  }
  if (!any) return null;
  return { timeZone: timeZone && isValidTimeZone(timeZone) ? timeZone : 'UTC', weekly, holidays: [] };
}

/**
 * Share (0..1, four decimals) of [start, end) outside the working hours. Without an end the
 * visit counts as in or out as a whole, by its start; without working hours the share is 0.
 */
export function outOfHoursShare(start: Date, end: Date | null, calendar: BusinessCalendar | null): number {
  if (!calendar) return 0;
  const total = end ? (end.getTime() - start.getTime()) / 60_000 : 0;
  if (!end || total <= 0) return isBusinessTime(start, calendar) ? 0 : 1;
  const inside = businessMinutesBetween(start, end, calendar);
  return Math.round(Math.min(1, Math.max(0, 1 - inside / total)) * 10_000) / 10_000;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
