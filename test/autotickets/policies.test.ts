/** The pure parts of the auto-ticket: the priority rule and the technician score. */
import { describe, expect, test } from 'vitest';
import { autoTicketPriority } from '../../src/service/autotickets/priority.policy.js';
import { haversineKm } from '../../src/kernel/geo.js';
import { DEFAULT_SLA_CALENDAR, DEFAULT_SLA_TARGETS, slaTerms } from '../../src/service/sla/sla.policy.js';

const defaults = slaTerms(null);
const contract = (highResponse: number) => ({
  targets: { ...DEFAULT_SLA_TARGETS, high: { responseMinutes: highResponse, resolutionMinutes: 2000 } },
  calendar: DEFAULT_SLA_CALENDAR,
  source: 'contract' as const,
});

describe('priority rule', () => {
  test.each([
    [{ faultPriority: 'medium', tier: 'bronze', terms: defaults }, 'medium'],
    [{ faultPriority: 'medium', tier: 'silver', terms: defaults }, 'medium'],
    [{ faultPriority: 'medium', tier: 'platinum', terms: defaults }, 'high'],
    [{ faultPriority: 'high', tier: 'silver', terms: contract(240) }, 'critical'],
    [{ faultPriority: 'high', tier: 'silver', terms: contract(241) }, 'high'],
    [{ faultPriority: 'high', tier: 'gold', terms: contract(60) }, 'critical'], // one bump, not two
    [{ faultPriority: 'low', tier: 'bronze', severity: 'critical', terms: defaults }, 'high'],
    [{ faultPriority: null, tier: 'bronze', severity: 'info', terms: defaults }, 'low'],
    [{ faultPriority: null, tier: 'bronze', terms: defaults }, 'medium'],
  ] as const)('%o → %s', (input, expected) => {
    expect(autoTicketPriority(input).priority).toBe(expected);
  });

  test('critical stays critical and says why', () => {
    expect(autoTicketPriority({ faultPriority: 'critical', tier: 'gold', terms: defaults }).reasons).toEqual([
      'fault catalogue priority critical',
      'gold customer: already critical',
    ]);
  });
});

describe('distances', () => {
  test('haversine: Hamburg–München is about 612 km', () => {
    expect(Math.round(haversineKm(53.5511, 9.9937, 48.1372, 11.5756))).toBeGreaterThan(600);
    expect(Math.round(haversineKm(53.5511, 9.9937, 48.1372, 11.5756))).toBeLessThan(625);
  });
});
