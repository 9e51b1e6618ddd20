import { describe, expect, test } from 'vitest';
import { AppError } from '../../src/kernel/errors.js';
import { businessCalendarSchema } from '../../src/service/sla/business-calendar.js';
import { slaTerms, DEFAULT_SLA_TARGETS } from '../../src/service/sla/sla.policy.js';
import { transitionEffects } from '../../src/service/tickets/ticket-sla.js';
import { assertTransition, canTransition, TICKET_STATUSES, TRANSITIONS } from '../../src/service/tickets/ticket-workflow.js';
import { BERLIN_OFFICE } from './service-fixture.js';

describe('transition table', () => {
  test('final states have no way out; every other state can progress', () => {
    expect(TRANSITIONS.closed).toEqual([]);
    expect(TRANSITIONS.cancelled).toEqual([]);
    for (const s of TICKET_STATUSES) for (const to of TRANSITIONS[s]) expect(TICKET_STATUSES).toContain(to);
    expect(canTransition('new', 'assigned')).toBe(true);
    expect(canTransition('resolved', 'closed')).toBe(true);
  });
  test('a move not in the table is CONFLICT naming from, to and what is allowed', () => {
    for (const [from, to] of [
      ['new', 'closed'],
      ['closed', 'new'],
      ['cancelled', 'assigned'],
      ['in_progress', 'cancelled'],
    ] as const) {
      let error: unknown;
      try {
        assertTransition(from, to);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('CONFLICT');
      expect((error as AppError).message).toContain(`from ${from} to ${to}`);
      expect((error as AppError).details).toMatchObject({ from, to, allowed: TRANSITIONS[from] });
    }
  });
});

describe('transition effects on the SLA clocks', () => {
  const terms = slaTerms({ sla: DEFAULT_SLA_TARGETS, calendar: businessCalendarSchema.parse(BERLIN_OFFICE) });
  const created = new Date('2025-03-10T08:00:00Z'); // Mon 09:00 CET
  const ticket = {
    status: 'in_progress' as const,
    priority: 'high' as const,
    created_at: created,
    responded_at: new Date('2025-03-10T09:00:00Z'),
    resolution_due_at: new Date('2025-03-16T00:00:00Z'),
    sla_paused_at: null,
    sla_paused_minutes: 0,
    technician_id: null,
  };

  test('entering a customer hold pauses; parts hold does not', () => {
    const now = new Date('2025-03-10T10:00:00Z');
    expect(transitionEffects(ticket, 'on_hold', 'customer', now, terms)).toMatchObject({ status: 'on_hold', hold_reason: 'customer', sla_paused_at: now });
    expect(transitionEffects(ticket, 'on_hold', 'parts', now, terms).sla_paused_at).toBeUndefined();
  });
  test('no pause once breached', () => {
    const late = new Date('2025-03-17T10:00:00Z');
    expect(transitionEffects(ticket, 'on_hold', 'customer', late, terms).sla_paused_at).toBeUndefined();
  });
  test('leaving the hold adds the business minutes paused and moves the due time', () => {
    const held = { ...ticket, status: 'on_hold' as const, sla_paused_at: new Date('2025-03-10T15:00:00Z') }; // Mon 16:00 CET
    const effects = transitionEffects(held, 'in_progress', undefined, new Date('2025-03-11T09:00:00Z'), terms); // Tue 10:00 CET
    expect(effects.sla_paused_minutes).toBe(60 + 120);
    expect(effects.sla_paused_at).toBeNull();
    // high: 2880 + 180 paused = 3060 business min from Mon 09:00 CET: 480 Mon + 4 × 540 → 420 left → Mon 17 15:00 CET.
    expect(effects.resolution_due_at?.toISOString()).toBe('2025-03-17T14:00:00.000Z');
    expect(effects.hold_reason).toBeNull();
  });
  test('response mark, resolved/reopened stamps', () => {
    const fresh = { ...ticket, status: 'assigned' as const, responded_at: null };
    const now = new Date('2025-03-10T11:00:00Z');
    expect(transitionEffects(fresh, 'en_route', undefined, now, terms).responded_at).toEqual(now);
    expect(transitionEffects(fresh, 'scheduled', undefined, now, terms).responded_at).toBeUndefined();
    expect(transitionEffects({ ...ticket, status: 'resolved' }, 'in_progress', undefined, now, terms).resolved_at).toBeNull();
    expect(transitionEffects(ticket, 'resolved', undefined, now, terms)).toMatchObject({ resolved_at: now });
  });
});
