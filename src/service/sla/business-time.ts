/**
 * Business-time arithmetic over a BusinessCalendar. Pure functions; instants in, instants out.
 * Each local day's opening intervals are converted to UTC instants through the calendar's zone,
 * so a day with a DST change simply has its intervals where the wall clock says they are.
 */
import {
  isAlwaysOpen,
  isoDate,
  localDateOf,
  minuteOfDay,
  nextDate,
  weekdayOf,
  zonedTimeToInstant,
  type BusinessCalendar,
  type LocalDate,
} from './business-calendar.js';

const MINUTE_MS = 60_000;
/** Safety bound: a calendar that is never open (every day a holiday) fails instead of looping. */
const MAX_DAYS = 366 * 20;

/** The open [start, end) windows of one local day, as UTC ms. */
function openWindows(date: LocalDate, calendar: BusinessCalendar, holidays: ReadonlySet<string>): [number, number][] {
  if (holidays.has(isoDate(date))) return [];
  const intervals = calendar.weekly[weekdayOf(date)] ?? [];
  const windows: [number, number][] = [];
  for (const interval of intervals) {
    const start = zonedTimeToInstant(date, minuteOfDay(interval.start), calendar.timeZone);
    const end = zonedTimeToInstant(date, minuteOfDay(interval.end), calendar.timeZone);
    if (end > start) windows.push([start, end]);
  }
  return windows.sort((a, b) => a[0] - b[0]);
}

/** Iterates open windows from the local day containing `fromMs` onwards. */
function* windowsFrom(fromMs: number, calendar: BusinessCalendar): Generator<[number, number]> {
  const holidays = new Set(calendar.holidays);
  let date = localDateOf(fromMs, calendar.timeZone);
  for (let i = 0; i < MAX_DAYS; i++) {
    yield* openWindows(date, calendar, holidays);
    date = nextDate(date);
  }
  throw new RangeError(`business calendar has no opening hours within ${MAX_DAYS} days`);
}

/**
 * The instant `minutes` business minutes after `start`. A start outside business hours begins
 * counting at the next opening; `minutes = 0` returns the next open instant (or start if open).
 */
export function addBusinessMinutes(start: Date, minutes: number, calendar: BusinessCalendar): Date {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`minutes must be a finite number >= 0, got ${minutes}`);
  const from = start.getTime();
  if (isAlwaysOpen(calendar)) return new Date(from + minutes * MINUTE_MS);
  let remaining = minutes * MINUTE_MS;
  for (const [windowStart, windowEnd] of windowsFrom(from, calendar)) {
    if (windowEnd <= from) continue;
    const begin = Math.max(windowStart, from);
    const available = windowEnd - begin;
    if (remaining <= available) return new Date(begin + remaining);
    remaining -= available;
  }
  /* c8 ignore next */ throw new RangeError('unreachable');
}

/** Business minutes in [a, b); negative when b is before a. */
export function businessMinutesBetween(a: Date, b: Date, calendar: BusinessCalendar): number {
  const from = a.getTime();
  const to = b.getTime();
  if (to < from) return -businessMinutesBetween(b, a, calendar);
  if (isAlwaysOpen(calendar)) return (to - from) / MINUTE_MS;
  let total = 0;
  for (const [windowStart, windowEnd] of windowsFrom(from, calendar)) {
    if (windowStart >= to) break;
    const begin = Math.max(windowStart, from);
    const end = Math.min(windowEnd, to);
    if (end > begin) total += end - begin;
  }
  return total / MINUTE_MS;
}

/** True when `at` falls inside business hours. */
export function isBusinessTime(at: Date, calendar: BusinessCalendar): boolean {
  const ms = at.getTime();
  if (isAlwaysOpen(calendar)) return true;
  for (const [windowStart, windowEnd] of windowsFrom(ms, calendar)) {
    if (windowStart > ms) return false;
    if (ms < windowEnd) return true;
  }
  /* c8 ignore next */ return false;
}
