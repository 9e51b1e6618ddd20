/**
 * When a scheduled report is due. A cadence defines occurrences; each occurrence is one period
 * with a stable key, and a schedule is delivered once per key:
 * - every_hours (hours N): occurrences at multiples of N hours since the Unix epoch (UTC-aligned:
 *   every 6 h = 00:00, 06:00, 12:00, 18:00 UTC); key `h<N>:<index>`.
 * - daily (at HH:MM, timezone): every day at that local time; key `d:<local date>`.
 * - weekly (weekday, at HH:MM, timezone): key `w:<local date>`.
 * The runner handles only the latest occurrence at or before now, and only if it is not before the
 * schedule was created (a schedule does not back-fill; missed occurrences collapse into the latest).
 */
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { isValidTimeZone, localDateOf, minuteOfDay, WEEKDAYS, weekdayOf, zonedTimeToInstant, type LocalDate } from '../sla/business-calendar.js';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (00:00..23:59)');
const timeZone = z.string().min(1).max(64).refine(isValidTimeZone, 'unknown IANA time zone').default('UTC').describe('IANA time zone (default UTC)');

export const cadenceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('every_hours'), hours: z.number().int().min(1).max(744).describe('Every N hours, aligned on UTC epoch multiples') }),
  z.strictObject({ kind: z.literal('daily'), at: hhmm, timezone: timeZone }),
  z.strictObject({ kind: z.literal('weekly'), weekday: z.enum(WEEKDAYS), at: hhmm, timezone: timeZone }),
]);
export type Cadence = z.output<typeof cadenceSchema>;

export interface Occurrence {
  readonly at: Date;
  readonly key: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

function previousDate(date: LocalDate): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day - 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const iso = (d: LocalDate) => `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

/** The latest occurrence at or before `now`. */
export function latestOccurrence(cadence: Cadence, now: Date): Occurrence {
  const ms = now.getTime();
  if (cadence.kind === 'every_hours') {
    const span = cadence.hours * HOUR_MS;
    const index = Math.floor(ms / span);
    return { at: new Date(index * span), key: `h${cadence.hours}:${index}` };
  }
  const minutes = minuteOfDay(cadence.at);
  let date = localDateOf(ms, cadence.timezone);
  // At most 8 steps back: today, then previous days until the weekday matches and the time is past.
  for (let step = 0; step < 8; step++) {
    const at = zonedTimeToInstant(date, minutes, cadence.timezone);
    const weekdayOk = cadence.kind === 'daily' || weekdayOf(date) === cadence.weekday;
    if (weekdayOk && at <= ms) return { at: new Date(at), key: `${cadence.kind === 'daily' ? 'd' : 'w'}:${iso(date)}` };
    date = previousDate(date);
  }
  /* c8 ignore next */
  throw new AppError('INTERNAL', `no occurrence found within 8 days before ${now.toISOString()}`);
}

/** The occurrence that is due at `now` for a schedule created at `createdAt`, if any. */
export function dueOccurrence(cadence: Cadence, createdAt: Date, now: Date): Occurrence | null {
  const occurrence = latestOccurrence(cadence, now);
  return occurrence.at.getTime() >= createdAt.getTime() ? occurrence : null;
}

/** Nominal length of one period of the cadence, in ms (for the run lease and docs). */
export function periodMs(cadence: Cadence): number {
  return cadence.kind === 'every_hours' ? cadence.hours * HOUR_MS : cadence.kind === 'daily' ? DAY_MS : 7 * DAY_MS;
}
