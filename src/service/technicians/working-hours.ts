/**
 * Technicians' working hours as pure functions: a weekly pattern in local wall time of an IANA
 * zone (`{ mon: [["08:00","17:00"]], ... }`), turned into UTC intervals for a date or a span.
 * Zone arithmetic is the SLA calendar's (Intl, daylight-saving aware).
 */
import { z } from 'zod';
import {
  isoDate,
  isValidTimeZone,
  localDateOf,
  minuteOfDay,
  nextDate,
  weekdayOf,
  WEEKDAYS,
  zonedTimeToInstant,
  type LocalDate,
  type Weekday,
} from '../sla/business-calendar.js';

export type WorkingHours = Partial<Record<Weekday, readonly (readonly [string, string])[]>>;

/** Used when a technician has no profile yet: Monday to Friday, 08:00–17:00 (UTC unless a profile says otherwise). */
export const DEFAULT_WORKING_HOURS: WorkingHours = Object.freeze(
  Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['08:00', '17:00']] as const])),
);

const hhmm = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'expected HH:MM (00:00..24:00)');
const dayShifts = z
  .array(z.tuple([hhmm, hhmm]))
  .max(6)
  .superRefine((list, ctx) => {
    for (const [i, [start, end]] of list.entries()) {
      if (minuteOfDay(end) <= minuteOfDay(start)) ctx.addIssue({ code: 'custom', message: `shift ${i + 1}: end must be after start`, path: [i] });
    }
    const sorted = [...list].sort((a, b) => minuteOfDay(a[0]) - minuteOfDay(b[0]));
    for (let i = 1; i < sorted.length; i++) {
      if (minuteOfDay(sorted[i]![0]) < minuteOfDay(sorted[i - 1]![1])) ctx.addIssue({ code: 'custom', message: 'shifts overlap' });
    }
  })
  .optional();

export const workingHoursSchema = z
  .strictObject(Object.fromEntries(WEEKDAYS.map((d) => [d, dayShifts])) as Record<Weekday, typeof dayShifts>)
  .describe('Shifts per weekday in local time, e.g. { "mon": [["08:00","12:00"],["13:00","17:00"]] }; a missing or empty day is off');

export const timeZoneSchema = z.string().min(1).max(64).refine(isValidTimeZone, 'unknown IANA time zone').describe('IANA time zone, e.g. Europe/Berlin');

/** A half-open interval [start, end) in epoch ms. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

export function parseIsoDate(date: string): LocalDate {
  const [year, month, day] = date.split('-').map(Number);
  return { year: year!, month: month!, day: day! };
}

/** The shifts of one local date as UTC intervals, in order. */
export function workingIntervals(hours: WorkingHours, timeZone: string, date: LocalDate): Interval[] {
  const shifts = hours[weekdayOf(date)] ?? [];
  return shifts
    .map(([start, end]) => ({ start: zonedTimeToInstant(date, minuteOfDay(start), timeZone), end: zonedTimeToInstant(date, minuteOfDay(end), timeZone) }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
}

/** Every shift touching [from, to), adjacent shifts merged (a night shift running past midnight is one interval). */
export function workingIntervalsBetween(hours: WorkingHours, timeZone: string, from: number, to: number): Interval[] {
  const out: Interval[] = [];
  let date = localDateOf(from - 86_400_000, timeZone);
  const last = isoDate(localDateOf(to + 86_400_000, timeZone));
  for (let guard = 0; guard < 400 && isoDate(date) <= last; guard++, date = nextDate(date)) {
    for (const i of workingIntervals(hours, timeZone, date)) if (i.end > from && i.start < to) out.push(i);
  }
  return merge(out);
}

export function merge(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const lastOne = out[out.length - 1];
    if (lastOne && i.start <= lastOne.end) out[out.length - 1] = { start: lastOne.start, end: Math.max(lastOne.end, i.end) };
    else out.push(i);
  }
  return out;
}

/** `intervals` minus `busy`. */
export function subtract(intervals: readonly Interval[], busy: readonly Interval[]): Interval[] {
  let free = [...intervals];
  for (const b of busy) {
    free = free.flatMap((f) => {
      if (b.end <= f.start || b.start >= f.end) return [f];
      const parts: Interval[] = [];
      if (b.start > f.start) parts.push({ start: f.start, end: b.start });
      if (b.end < f.end) parts.push({ start: b.end, end: f.end });
      return parts;
    });
  }
  return free;
}

/** True when one interval contains [start, end] entirely. */
export function covers(intervals: readonly Interval[], start: number, end: number): boolean {
  return intervals.some((i) => i.start <= start && end <= i.end);
}

export function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}

/** `HH:MM` local wall time of an instant (for messages). */
export function localTime(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
}

/** `YYYY-MM-DD HH:MM` in the zone (for messages). */
export function localDateTime(ms: number, timeZone: string): string {
  return `${isoDate(localDateOf(ms, timeZone))} ${localTime(ms, timeZone)}`;
}
