/**
 * SLA policy: targets per priority (in business minutes of a calendar), due times, breach flags
 * and the on-hold pause. Pure functions; the ticket service stores what they compute.
 *
 * Rules (documented in the API description too):
 * - Due times count from the ticket's creation in the contract's business calendar.
 * - Response is met at the first of: a transition to `en_route` or `in_progress`, the actual start
 *   of a visit, or resolution (a question answered at first contact). It is never paused.
 * - Resolution is met when the ticket reaches `resolved`. Its clock pauses only while the ticket is
 *   `on_hold` waiting for the customer (holdReason `customer`); waiting for parts or a third party is
 *   our side's problem and does not pause it. A pause that starts after the due time is not a pause
 *   (the ticket has already breached). The business minutes spent paused push the due time out.
 * - Cancelled tickets are not measured: both breach flags are false.
 */
import { z } from 'zod';
import { addBusinessMinutes, businessMinutesBetween } from './business-time.js';
import { ALWAYS_OPEN_CALENDAR, type BusinessCalendar } from './business-calendar.js';

export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface SlaTarget {
  /** Business minutes from creation to the first response on site / hands-on work. */
  readonly responseMinutes: number;
  /** Business minutes from creation to resolution (minus customer-caused pauses). */
  readonly resolutionMinutes: number;
}
export type SlaTargets = Readonly<Record<Priority, SlaTarget>>;

/**
 * Targets used when no contract applies (or the contract defines no SLA), on the always-open
 * 24x7 UTC calendar: critical 4 h / 24 h, high 8 h / 48 h, medium 24 h / 72 h, low 48 h / 7 days.
 */
export const DEFAULT_SLA_TARGETS: SlaTargets = Object.freeze({
  critical: { responseMinutes: 4 * 60, resolutionMinutes: 24 * 60 },
  high: { responseMinutes: 8 * 60, resolutionMinutes: 48 * 60 },
  medium: { responseMinutes: 24 * 60, resolutionMinutes: 72 * 60 },
  low: { responseMinutes: 48 * 60, resolutionMinutes: 7 * 24 * 60 },
});

export const DEFAULT_SLA_CALENDAR: BusinessCalendar = ALWAYS_OPEN_CALENDAR;

const minutes = z.number().int().min(1).max(525_600);
export const slaTargetSchema = z
  .strictObject({ responseMinutes: minutes, resolutionMinutes: minutes })
  .refine((t) => t.resolutionMinutes >= t.responseMinutes, { message: 'resolutionMinutes must be >= responseMinutes', path: ['resolutionMinutes'] });
export const slaTargetsSchema = z
  .strictObject({ low: slaTargetSchema, medium: slaTargetSchema, high: slaTargetSchema, critical: slaTargetSchema })
  .describe('Targets per priority in business minutes of the contract calendar');

export interface SlaTerms {
  readonly targets: SlaTargets;
  readonly calendar: BusinessCalendar;
  readonly source: 'contract' | 'default';
}

/** The terms of a contract, falling back to the defaults for what it leaves out. */
export function slaTerms(contract: { sla: SlaTargets | null; calendar: BusinessCalendar | null } | null): SlaTerms {
  if (!contract || (!contract.sla && !contract.calendar)) return { targets: DEFAULT_SLA_TARGETS, calendar: DEFAULT_SLA_CALENDAR, source: 'default' };
  return { targets: contract.sla ?? DEFAULT_SLA_TARGETS, calendar: contract.calendar ?? DEFAULT_SLA_CALENDAR, source: 'contract' };
}

export interface DueTimes {
  readonly responseDueAt: Date;
  readonly resolutionDueAt: Date;
}

/** Due times of a ticket created at `createdAt`, with `pausedMinutes` business minutes of customer hold. */
export function dueTimes(createdAt: Date, priority: Priority, terms: SlaTerms, pausedMinutes = 0): DueTimes {
  const target = terms.targets[priority];
  return {
    responseDueAt: addBusinessMinutes(createdAt, target.responseMinutes, terms.calendar),
    resolutionDueAt: addBusinessMinutes(createdAt, target.resolutionMinutes + Math.max(0, pausedMinutes), terms.calendar),
  };
}

/** Business minutes a pause from `pausedAt` to `resumedAt` adds to the resolution clock. */
export function pausedBusinessMinutes(pausedAt: Date, resumedAt: Date, calendar: BusinessCalendar): number {
  return Math.max(0, businessMinutesBetween(pausedAt, resumedAt, calendar));
}

/** Whether entering a customer hold at `at` pauses the clock (not once it has breached). */
export function pauseApplies(at: Date, resolutionDueAt: Date): boolean {
  return at.getTime() < resolutionDueAt.getTime();
}

export interface BreachInput {
  readonly now: Date;
  readonly cancelled: boolean;
  readonly responseDueAt: Date;
  readonly respondedAt: Date | null;
  readonly resolutionDueAt: Date;
  readonly resolvedAt: Date | null;
  /** Start of the current customer-hold pause, if paused. */
  readonly pausedAt: Date | null;
}

export interface Breaches {
  readonly responseBreached: boolean;
  readonly resolutionBreached: boolean;
}

/** Breach flags on read. A paused clock is judged at the moment it paused. */
export function breaches(input: BreachInput): Breaches {
  if (input.cancelled) return { responseBreached: false, resolutionBreached: false };
  const responseAt = input.respondedAt ?? input.now;
  const resolutionAt = input.resolvedAt ?? input.pausedAt ?? input.now;
  return {
    responseBreached: responseAt.getTime() > input.responseDueAt.getTime(),
    resolutionBreached: resolutionAt.getTime() > input.resolutionDueAt.getTime(),
  };
}
