/**
 * Business-hours calendars: an IANA time zone, opening intervals per weekday (local wall time)
 * and holidays (local dates). Zone offsets come from Intl.DateTimeFormat, so daylight-saving
 * changes are honoured without a time-zone library.
 */
import { z } from 'zod';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface BusinessInterval {
  /** Local opening time `HH:MM`. */
  readonly start: string;
  /** Local closing time `HH:MM`, after start; `24:00` = end of the day. */
  readonly end: string;
}

export interface BusinessCalendar {
  /** IANA zone, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
  /** Opening intervals per weekday; a missing or empty day is closed. */
  readonly weekly: Readonly<Partial<Record<Weekday, readonly BusinessInterval[]>>>;
  /** Closed local dates `YYYY-MM-DD`. */
  readonly holidays: readonly string[];
}

const ALL_DAY = [{ start: '00:00', end: '24:00' }] as const;

/** Calendar used without a contract (or a contract without one): open 24 hours, 7 days, in UTC. */
export const ALWAYS_OPEN_CALENDAR: BusinessCalendar = Object.freeze({
  timeZone: 'UTC',
  weekly: Object.freeze(Object.fromEntries(WEEKDAYS.map((d) => [d, ALL_DAY]))),
  holidays: Object.freeze([]) as readonly string[],
});

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `HH:MM` → minutes since local midnight. */
export function minuteOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

const hhmm = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'expected HH:MM (00:00..24:00)');
const intervalSchema = z
  .strictObject({ start: hhmm, end: hhmm })
  .refine((i) => minuteOfDay(i.end) > minuteOfDay(i.start), { message: 'end must be after start', path: ['end'] });
const dayIntervals = z
  .array(intervalSchema)
  .max(12)
  .optional()
  .superRefine((list, ctx) => {
    const sorted = [...(list ?? [])].sort((a, b) => minuteOfDay(a.start) - minuteOfDay(b.start));
    for (let i = 1; i < sorted.length; i++) {
      if (minuteOfDay(sorted[i]!.start) < minuteOfDay(sorted[i - 1]!.end)) ctx.addIssue({ code: 'custom', message: 'intervals overlap' });
    }
  });

/** zod contract of a calendar (contracts store it as JSON). */
export const businessCalendarSchema = z
  .strictObject({
    timeZone: z.string().min(1).max(64).refine(isValidTimeZone, 'unknown IANA time zone').describe('IANA time zone, e.g. Europe/Berlin'),
    weekly: z
      .strictObject(Object.fromEntries(WEEKDAYS.map((d) => [d, dayIntervals])) as Record<Weekday, typeof dayIntervals>)
      .describe('Opening intervals per weekday in local time; absent or empty = closed'),
    holidays: z.array(z.iso.date()).max(1000).default([]).describe('Closed local dates'),
  })
  .refine((c) => WEEKDAYS.some((d) => (c.weekly[d]?.length ?? 0) > 0), { message: 'at least one weekday must have opening hours', path: ['weekly'] });

/** True when the calendar is open around the clock (fast path: plain arithmetic). */
export function isAlwaysOpen(calendar: BusinessCalendar): boolean {
  return (
    calendar.holidays.length === 0 &&
    WEEKDAYS.every((d) => {
      const list = calendar.weekly[d] ?? [];
      return list.length === 1 && list[0]!.start === '00:00' && list[0]!.end === '24:00';
    })
  );
}

// ---- Zone arithmetic ---------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalDate {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  readonly day: number;
}

/** Local wall-clock fields of an instant in a zone. */
function localFields(ms: number, timeZone: string): LocalDate & { hour: number; minute: number; second: number } {
  const out: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return { year: out.year!, month: out.month!, day: out.day!, hour: out.hour! % 24, minute: out.minute!, second: out.second! };
}

/** Offset of the zone from UTC at an instant, in ms (Berlin in summer: +7_200_000). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const f = localFields(ms, timeZone);
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The local calendar date of an instant. */
export function localDateOf(ms: number, timeZone: string): LocalDate {
  const { year, month, day } = localFields(ms, timeZone);
  return { year, month, day };
}

const DAY_MS = 86_400_000;

/**
 * The instant of a local wall time (`minutes` since local midnight of `date`, may be 1440).
 * Ambiguous times (autumn overlap) resolve to the earlier instant; times in a spring gap move
 * forward by the gap (02:30 in Berlin on the change day becomes 03:30 CEST) — like Temporal's
 * "compatible" disambiguation.
 */
export function zonedTimeToInstant(date: LocalDate, minutes: number, timeZone: string): number {
  const guess = Date.UTC(date.year, date.month - 1, date.day, 0, minutes);
  const before = zoneOffsetMs(guess - DAY_MS, timeZone);
  const after = zoneOffsetMs(guess + DAY_MS, timeZone);
  const valid = [guess - before, guess - after].filter((t, i) => zoneOffsetMs(t, timeZone) === (i === 0 ? before : after));
  if (valid.length > 0) return Math.min(...valid);
  return guess - before; // in a gap: shift forward
}

/** The next local date. */
export function nextDate(date: LocalDate): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function weekdayOf(date: LocalDate): Weekday {
  return WEEKDAYS[new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()]!;
}

export function isoDate(date: LocalDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** A calendar as validated by businessCalendarSchema (assignable to BusinessCalendar). */
export type BusinessCalendarData = z.output<typeof businessCalendarSchema>;
