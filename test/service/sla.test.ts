import { describe, expect, test } from 'vitest';
import {
  ALWAYS_OPEN_CALENDAR,
  businessCalendarSchema,
  zonedTimeToInstant,
  zoneOffsetMs,
  type BusinessCalendar,
} from '../../src/service/sla/business-calendar.js';
import { addBusinessMinutes, businessMinutesBetween, isBusinessTime } from '../../src/service/sla/business-time.js';
import { breaches, DEFAULT_SLA_TARGETS, dueTimes, slaTerms } from '../../src/service/sla/sla.policy.js';
import { BERLIN_OFFICE } from './service-fixture.js';

const berlin = businessCalendarSchema.parse(BERLIN_OFFICE);
const at = (iso: string) => new Date(iso);
const add = (iso: string, minutes: number, calendar: BusinessCalendar = berlin) => addBusinessMinutes(at(iso), minutes, calendar).toISOString();
const between = (a: string, b: string, calendar: BusinessCalendar = berlin) => businessMinutesBetween(at(a), at(b), calendar);

describe('addBusinessMinutes in Europe/Berlin, Mon–Fri 08–17', () => {
  test('within one day', () => {
    expect(add('2025-03-10T08:00:00Z', 120)).toBe('2025-03-10T10:00:00.000Z'); // 09:00 CET + 2 h
  });
  test('overnight: the rest of today, then tomorrow morning', () => {
    expect(add('2025-03-10T15:00:00Z', 120)).toBe('2025-03-11T08:00:00.000Z'); // Mon 16:00 → Tue 09:00 CET
  });
  test('over the weekend', () => {
    expect(add('2025-03-14T15:00:00Z', 120)).toBe('2025-03-17T08:00:00.000Z'); // Fri 16:00 → Mon 09:00
  });
  test('a start outside business hours counts from the next opening', () => {
    expect(add('2025-03-15T11:00:00Z', 60)).toBe('2025-03-17T08:00:00.000Z'); // Sat noon → Mon 09:00
    expect(add('2025-03-11T05:00:00Z', 30)).toBe('2025-03-11T07:30:00.000Z'); // Tue 06:00 → 08:30
    expect(add('2025-03-11T20:00:00Z', 0)).toBe('2025-03-12T07:00:00.000Z'); // 0 minutes = next open instant
  });
  test('holidays are skipped', () => {
    // Wed 24 Dec 16:00 CET: 60 min that day, Thu 25 and Fri 26 closed, weekend, Mon 29 09:00.
    expect(add('2025-12-24T15:00:00Z', 120)).toBe('2025-12-29T08:00:00.000Z');
  });
  test('the week daylight saving starts (Sun 30 Mar 2025)', () => {
    expect(add('2025-03-28T15:00:00Z', 120)).toBe('2025-03-31T07:00:00.000Z'); // Fri 16:00 CET → Mon 09:00 CEST
    // Mon 24 Mar 08:00 CET, six working days of 540 min end Mon 31 17:00 CEST.
    expect(add('2025-03-24T07:00:00Z', 6 * 540)).toBe('2025-03-31T15:00:00.000Z');
    expect(between('2025-03-24T00:00:00Z', '2025-03-31T23:00:00Z')).toBe(6 * 540);
    expect(between('2025-03-28T16:00:00Z', '2025-03-31T06:00:00Z')).toBe(0);
  });
  test('the week daylight saving ends (Sun 26 Oct 2025)', () => {
    expect(add('2025-10-24T14:00:00Z', 120)).toBe('2025-10-27T08:00:00.000Z'); // Fri 16:00 CEST → Mon 09:00 CET
  });
  test('lunch breaks: several intervals a day', () => {
    const lunch = businessCalendarSchema.parse({
      timeZone: 'Europe/Berlin',
      weekly: {
        mon: [
          { start: '13:00', end: '17:00' },
          { start: '08:00', end: '12:00' },
        ],
      },
    });
    expect(add('2025-03-10T10:00:00Z', 120, lunch)).toBe('2025-03-10T13:00:00.000Z'); // 11:00 → 12:00, 13:00 → 14:00 CET
    expect(add('2025-03-10T15:30:00Z', 60, lunch)).toBe('2025-03-17T07:30:00.000Z'); // only Mondays
  });
});

describe('other zones', () => {
  const newYork = businessCalendarSchema.parse({
    timeZone: 'America/New_York',
    weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ start: '09:00', end: '17:00' }]])),
  });
  test('America/New_York across its own DST change (Sun 9 Mar 2025)', () => {
    expect(add('2025-03-07T21:00:00Z', 120, newYork)).toBe('2025-03-10T14:00:00.000Z'); // Fri 16:00 EST → Mon 10:00 EDT
  });
  test('Asia/Kolkata, half-hour offset, a Saturday half day', () => {
    const kolkata = businessCalendarSchema.parse({
      timeZone: 'Asia/Kolkata',
      weekly: { mon: [{ start: '09:30', end: '18:00' }], sat: [{ start: '10:00', end: '13:00' }] },
    });
    // Mon 2 Jun 17:00 IST (11:30Z): 60 min Monday, then Saturday 10:00 IST + 60 = 11:00 IST = 05:30Z.
    expect(add('2025-06-02T11:30:00Z', 120, kolkata)).toBe('2025-06-07T05:30:00.000Z');
    expect(isBusinessTime(at('2025-06-07T05:00:00Z'), kolkata)).toBe(true);
    expect(isBusinessTime(at('2025-06-07T08:00:00Z'), kolkata)).toBe(false);
  });
});

describe('businessMinutesBetween', () => {
  test('counts only open time, signed', () => {
    expect(between('2025-03-10T08:00:00Z', '2025-03-10T10:00:00Z')).toBe(120);
    expect(between('2025-03-14T15:00:00Z', '2025-03-17T08:00:00Z')).toBe(120);
    expect(between('2025-03-17T08:00:00Z', '2025-03-14T15:00:00Z')).toBe(-120);
    expect(between('2025-03-15T00:00:00Z', '2025-03-16T23:59:00Z')).toBe(0);
  });
  test('inverse of addBusinessMinutes for many starts and lengths', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 300; i++) {
      const start = new Date(Date.UTC(2025, 0, 1) + Math.floor(random() * 365 * 86_400_000));
      const minutes = Math.floor(random() * 5000);
      const end = addBusinessMinutes(start, minutes, berlin);
      expect(businessMinutesBetween(start, end, berlin)).toBeCloseTo(minutes, 6);
      expect(end.getTime()).toBeGreaterThanOrEqual(start.getTime());
    }
  });
  test('a 24h calendar in a DST zone counts real minutes: the spring day has 23 h, the autumn day 25 h', () => {
    const allDay = [{ start: '00:00', end: '24:00' }];
    const berlin24 = businessCalendarSchema.parse({
      timeZone: 'Europe/Berlin',
      weekly: Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, allDay])),
      holidays: ['2030-01-01'], // not "always open": goes through the zone arithmetic
    });
    expect(between('2025-03-28T23:00:00Z', '2025-03-30T22:00:00Z', berlin24)).toBe(47 * 60); // Sat 00:00 CET → Mon 00:00 CEST
    expect(between('2025-10-24T22:00:00Z', '2025-10-26T23:00:00Z', berlin24)).toBe(49 * 60); // Sat 00:00 CEST → Mon 00:00 CET
    expect(add('2025-03-29T12:00:00Z', 24 * 60, berlin24)).toBe('2025-03-30T12:00:00.000Z');
  });
  test('an interval spanning the spring gap is shorter', () => {
    const night = businessCalendarSchema.parse({ timeZone: 'Europe/Berlin', weekly: { sun: [{ start: '01:00', end: '04:00' }] } });
    expect(between('2025-03-29T00:00:00Z', '2025-03-31T00:00:00Z', night)).toBe(120); // 01:00 CET → 04:00 CEST
    expect(between('2025-10-25T00:00:00Z', '2025-10-27T00:00:00Z', night)).toBe(240); // 01:00 CEST → 04:00 CET
  });
});

describe('zone conversion', () => {
  test('offsets and local → instant, gap and overlap', () => {
    expect(zoneOffsetMs(Date.parse('2025-01-15T12:00:00Z'), 'Europe/Berlin')).toBe(3_600_000);
    expect(zoneOffsetMs(Date.parse('2025-07-15T12:00:00Z'), 'Europe/Berlin')).toBe(7_200_000);
    const d = (year: number, month: number, day: number) => ({ year, month, day });
    expect(new Date(zonedTimeToInstant(d(2025, 3, 30), 150, 'Europe/Berlin')).toISOString()).toBe('2025-03-30T01:30:00.000Z'); // 02:30 does not exist → 03:30 CEST
    expect(new Date(zonedTimeToInstant(d(2025, 10, 26), 150, 'Europe/Berlin')).toISOString()).toBe('2025-10-26T00:30:00.000Z'); // twice → the earlier
    expect(new Date(zonedTimeToInstant(d(2025, 6, 1), 24 * 60, 'Asia/Kolkata')).toISOString()).toBe('2025-06-01T18:30:00.000Z');
  });
});

describe('calendar validation', () => {
  test('refuses unknown zones, bad times, overlaps and a calendar never open', () => {
    const bad = (input: unknown) => businessCalendarSchema.safeParse(input).error?.issues.map((i) => i.path.join('.'));
    expect(bad({ timeZone: 'Mars/Olympus', weekly: { mon: [{ start: '08:00', end: '17:00' }] } })).toEqual(['timeZone']);
    expect(bad({ timeZone: 'UTC', weekly: { mon: [{ start: '17:00', end: '08:00' }] } })).toEqual(['weekly.mon.0.end']);
    expect(bad({ timeZone: 'UTC', weekly: { mon: [{ start: '8:00', end: '24:01' }] } })).toEqual(['weekly.mon.0.start', 'weekly.mon.0.end']);
    expect(
      bad({
        timeZone: 'UTC',
        weekly: {
          mon: [
            { start: '08:00', end: '12:00' },
            { start: '11:00', end: '13:00' },
          ],
        },
      }),
    ).toEqual(['weekly.mon']);
    expect(bad({ timeZone: 'UTC', weekly: {} })).toEqual(['weekly']);
  });
});

describe('SLA policy', () => {
  test('defaults without a contract: 24x7 UTC and the documented targets', () => {
    const terms = slaTerms(null);
    expect(terms.source).toBe('default');
    expect(terms.calendar).toBe(ALWAYS_OPEN_CALENDAR);
    expect(DEFAULT_SLA_TARGETS.critical).toEqual({ responseMinutes: 240, resolutionMinutes: 1440 });
    const due = dueTimes(at('2025-03-15T10:00:00Z'), 'high', terms);
    expect(due.responseDueAt.toISOString()).toBe('2025-03-15T18:00:00.000Z');
    expect(due.resolutionDueAt.toISOString()).toBe('2025-03-17T10:00:00.000Z');
  });
  test('contract terms and paused minutes push resolution out in business time', () => {
    const terms = slaTerms({ sla: { ...DEFAULT_SLA_TARGETS, high: { responseMinutes: 240, resolutionMinutes: 540 } }, calendar: berlin });
    const due = dueTimes(at('2025-03-14T14:00:00Z'), 'high', terms, 60); // Fri 15:00 CET
    expect(due.responseDueAt.toISOString()).toBe('2025-03-17T09:00:00.000Z'); // 2 h Fri + 2 h Mon → Mon 10:00 CET
    expect(due.resolutionDueAt.toISOString()).toBe('2025-03-17T15:00:00.000Z'); // 540 + 60 paused: 120 Fri + 480 Mon → Mon 16:00 CET
    expect(dueTimes(at('2025-03-14T14:00:00Z'), 'high', terms).resolutionDueAt.toISOString()).toBe('2025-03-17T14:00:00.000Z');
  });
  test('breach flags', () => {
    const base = {
      cancelled: false,
      responseDueAt: at('2025-03-10T10:00:00Z'),
      respondedAt: null,
      resolutionDueAt: at('2025-03-10T12:00:00Z'),
      resolvedAt: null,
      pausedAt: null,
    };
    expect(breaches({ ...base, now: at('2025-03-10T09:00:00Z') })).toEqual({ responseBreached: false, resolutionBreached: false });
    expect(breaches({ ...base, now: at('2025-03-10T11:00:00Z') })).toEqual({ responseBreached: true, resolutionBreached: false });
    expect(breaches({ ...base, respondedAt: at('2025-03-10T09:59:00Z'), now: at('2025-03-10T13:00:00Z') })).toEqual({
      responseBreached: false,
      resolutionBreached: true,
    });
    expect(breaches({ ...base, pausedAt: at('2025-03-10T11:00:00Z'), now: at('2025-03-11T00:00:00Z') }).resolutionBreached).toBe(false);
    expect(breaches({ ...base, resolvedAt: at('2025-03-10T11:59:00Z'), now: at('2025-03-12T00:00:00Z') }).resolutionBreached).toBe(false);
    expect(breaches({ ...base, cancelled: true, now: at('2025-03-12T00:00:00Z') })).toEqual({ responseBreached: false, resolutionBreached: false });
  });
});
