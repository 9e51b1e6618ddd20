/** The pure scheduling rules: month arithmetic, counter increase with resets, rate, whichever-first, lead window, visit slot. */
import { describe, expect, it } from 'vitest';
import {
  addMonths,
  counterIncrease,
  nextDue,
  runningHoursDue,
  runningHoursUsage,
  visitSlot,
  withinLead,
} from '../../src/service/preventive/preventive-schedule.js';

const at = (iso: string) => new Date(iso);

describe('preventive schedule', () => {
  it('adds calendar months, clamping to the end of shorter months', () => {
    expect(addMonths('2025-01-31', 1)).toBe('2025-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2025-11-15', 3)).toBe('2026-02-15');
    expect(addMonths('2025-03-10', -12)).toBe('2024-03-10');
  });

  it('sums counter increases and drops resets', () => {
    expect(counterIncrease([10, 12, 15])).toBe(5);
    expect(counterIncrease([10, 12, 0, 3])).toBe(5);
    expect(counterIncrease([7])).toBe(0);
  });

  it('computes hours and the recent rate from buckets, bridging from the bucket before the window', () => {
    const buckets = [
      { time: '2025-06-01T00:00:00.000Z', min: 100, max: 110 },
      { time: '2025-06-05T00:00:00.000Z', min: 110, max: 120 },
      { time: '2025-06-09T00:00:00.000Z', min: 124, max: 130 },
    ];
    const usage = runningHoursUsage(buckets, { rateWindowStart: at('2025-06-07T00:00:00Z'), now: at('2025-06-11T00:00:00Z') });
    expect(usage.hours).toBe(30);
    expect(usage.ratePerDay).toBe(10 / 4); // 120 → 130 over the 4-day window
    expect(runningHoursUsage([], { rateWindowStart: at('2025-06-07T00:00:00Z'), now: at('2025-06-11T00:00:00Z') })).toEqual({ hours: 0, ratePerDay: null });
  });

  it('projects the running-hours due, now when overrun, none when idle', () => {
    const now = at('2025-06-11T00:00:00Z');
    expect(runningHoursDue(100, { hours: 40, ratePerDay: 12 }, now)).toEqual(at('2025-06-16T00:00:00Z'));
    expect(runningHoursDue(100, { hours: 120, ratePerDay: null }, now)).toEqual(now);
    expect(runningHoursDue(100, { hours: 40, ratePerDay: null }, now)).toBeNull();
  });

  it('takes whichever interval comes first', () => {
    const now = at('2025-06-11T00:00:00Z');
    const plan = { intervalMonths: 6, intervalRunningHours: 100 };
    expect(nextDue({ now, plan, previousDueOn: null, anchorOn: '2025-01-01', running: { hours: 40, ratePerDay: 12 } })).toEqual({
      dueAt: at('2025-06-16T00:00:00Z'),
      basis: 'running_hours',
    });
    expect(nextDue({ now, plan, previousDueOn: '2025-01-05', anchorOn: '2025-01-01', running: { hours: 40, ratePerDay: 1 } })).toEqual({
      dueAt: at('2025-07-05T00:00:00Z'),
      basis: 'calendar',
    });
  });

  it('generates within the lead days and plans an overdue visit on the next possible day', () => {
    expect(withinLead(at('2025-04-15T00:00:00Z'), 14, at('2025-04-01T00:00:00Z'))).toBe(true);
    expect(withinLead(at('2025-04-15T00:00:00Z'), 14, at('2025-03-31T23:59:59Z'))).toBe(false);
    expect(visitSlot(at('2025-04-15T00:00:00Z'), at('2025-04-01T09:00:00Z'), 8, 90)).toEqual({
      start: at('2025-04-15T08:00:00Z'),
      end: at('2025-04-15T09:30:00Z'),
    });
    expect(visitSlot(at('2025-03-01T00:00:00Z'), at('2025-03-10T09:00:00Z'), 8, 60).start).toEqual(at('2025-03-11T08:00:00Z'));
  });
});
