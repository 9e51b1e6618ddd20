/**
 * Pure scheduling of preventive maintenance: calendar due dates, running hours from a counter's
 * buckets, the running-hours projection, whichever-first, the lead-time window and the visit slot.
 *
 * Running hours (method): every shipped equipment model publishes a `running_hours` counter
 * (hours counter of the controller/drive, devices/*.yaml). The hours run since the last service
 * are the counter's increase over that period, read from InfluxDB as min/max per time bucket
 * (InfluxQL `SELECT min(..), max(..) ... GROUP BY time(<bucket>)`, TelemetryReader.read) and
 * summed as the positive steps of the sequence min0, max0, min1, max1, ... — a decrease (counter
 * reset, replaced controller) is dropped, not subtracted. The daily rate is the same increase over
 * the recent window (default 14 days) divided by the days the window's data covers; the due date
 * is now + (interval − hours run) / rate. No increase in the window (idle) → no due date.
 */

const DAY_MS = 86_400_000;

/** `date` (YYYY-MM-DD) plus `months` calendar months; the day is clamped to the month's last day (Jan 31 + 1 = Feb 28/29). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, last));
  return target.toISOString().slice(0, 10);
}

export const utcDate = (at: Date): string => at.toISOString().slice(0, 10);
export const startOfUtcDay = (date: string): Date => new Date(`${date}T00:00:00.000Z`);

/** Sum of the positive steps of a counter's successive values (decreases = resets, ignored). */
export function counterIncrease(values: readonly number[]): number {
  let total = 0;
  for (let i = 1; i < values.length; i++) {
    const step = values[i]! - values[i - 1]!;
    if (step > 0) total += step;
  }
  return total;
}

export interface CounterBucket {
  /** Start of the bucket (ISO 8601). */
  readonly time: string;
  readonly min: number;
  readonly max: number;
}

export interface RunningHoursUsage {
  /** Hours run over the whole period read (since the last service). */
  readonly hours: number;
  /** Hours per day over the recent window; null without data in it. */
  readonly ratePerDay: number | null;
}

/**
 * Hours run and recent daily rate from a counter's buckets (ascending). The rate window is
 * [rateWindowStart, now]; it covers the data's span only (a counter seen for 3 days in a 14-day
 * window divides by 3 days). A rate is capped at 24 h/day.
 */
export function runningHoursUsage(buckets: readonly CounterBucket[], window: { rateWindowStart: Date; now: Date }): RunningHoursUsage {
  const sequence = (list: readonly CounterBucket[]) => list.flatMap((b) => [b.min, b.max]);
  const hours = counterIncrease(sequence(buckets));
  const start = window.rateWindowStart.getTime();
  const firstRecent = buckets.findIndex((b) => Date.parse(b.time) >= start);
  if (firstRecent < 0) return { hours, ratePerDay: null };
  const before = buckets[firstRecent - 1];
  const recent = buckets.slice(firstRecent);
  const recentHours = counterIncrease([...(before ? [before.max] : []), ...sequence(recent)]);
  const spanStart = before ? start : Math.max(start, Date.parse(recent[0]!.time));
  const spanDays = (window.now.getTime() - spanStart) / DAY_MS;
  if (!(spanDays > 1 / 24)) return { hours, ratePerDay: null };
  return { hours, ratePerDay: Math.min(24, recentHours / spanDays) };
}

export interface PlanIntervals {
  readonly intervalMonths: number | null;
  readonly intervalRunningHours: number | null;
}

export interface DueInput {
  readonly now: Date;
  readonly plan: PlanIntervals;
  /** Due date of the previous occurrence (calendar base), or null for the first. */
  readonly previousDueOn: string | null;
  /** Plan anchor: the plan's startsOn or the contract's start (first calendar due = anchor + interval). */
  readonly anchorOn: string;
  /** Usage since the last service, for running-hours plans (undefined when not read). */
  readonly running?: RunningHoursUsage | undefined;
}

export interface Due {
  readonly dueAt: Date;
  readonly basis: 'calendar' | 'running_hours';
}

/** The calendar due date. */
export function calendarDue(plan: PlanIntervals, previousDueOn: string | null, anchorOn: string): Date | null {
  if (plan.intervalMonths === null) return null;
  return startOfUtcDay(addMonths(previousDueOn ?? anchorOn, plan.intervalMonths));
}

/** The running-hours due instant: now when already run past the interval; null without a rate. */
export function runningHoursDue(intervalHours: number, usage: RunningHoursUsage, now: Date): Date | null {
  const remaining = intervalHours - usage.hours;
  if (remaining <= 0) return now;
  if (!usage.ratePerDay || usage.ratePerDay <= 0) return null;
  return new Date(now.getTime() + (remaining / usage.ratePerDay) * DAY_MS);
}

/** The next due of a plan on an asset: the earlier of its calendar and running-hours dues. */
export function nextDue(input: DueInput): Due | null {
  const candidates: Due[] = [];
  const calendar = calendarDue(input.plan, input.previousDueOn, input.anchorOn);
  if (calendar) candidates.push({ dueAt: calendar, basis: 'calendar' });
  if (input.plan.intervalRunningHours !== null && input.running) {
    const hours = runningHoursDue(input.plan.intervalRunningHours, input.running, input.now);
    if (hours) candidates.push({ dueAt: hours, basis: 'running_hours' });
  }
  candidates.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  return candidates[0] ?? null;
}

/** True when `dueAt` is within `leadDays` of `now` (or overdue): time to generate the visit. */
export function withinLead(dueAt: Date, leadDays: number, now: Date): boolean {
  return dueAt.getTime() - leadDays * DAY_MS <= now.getTime();
}

/**
 * The planned visit: the due day at `startHourUtc`, moved a day at a time until it is not in the
 * past (an overdue occurrence is planned for the next possible day), lasting `minutes`.
 */
export function visitSlot(dueAt: Date, now: Date, startHourUtc: number, minutes: number): { start: Date; end: Date } {
  let start = new Date(Date.UTC(dueAt.getUTCFullYear(), dueAt.getUTCMonth(), dueAt.getUTCDate(), startHourUtc));
  while (start.getTime() < now.getTime()) start = new Date(start.getTime() + DAY_MS);
  return { start, end: new Date(start.getTime() + minutes * 60_000) };
}
