/**
 * Priority of an auto-ticket, a pure function of the fault, the finding, the customer tier and
 * the contract. The rule (each step is returned as a reason, shown on the ticket):
 *
 * 1. Base: the fault catalogue's priority. A fault code not in the catalogue takes it from the
 *    finding's severity (critical → critical, alarm → high, warning → medium, info → low; none → medium).
 * 2. A controller event of severity `critical` raises the base to at least `high`.
 * 3. One level up (never above critical), once, when the customer is `platinum` or `gold`, or
 *    when the contract promises a short response for the base priority (≤ SHORT_RESPONSE_MINUTES
 *    business minutes, default 240 = 4 h).
 */
import type { CustomerTier } from '../customers/customer-tier.js';
import { PRIORITIES, type Priority, type SlaTerms } from '../sla/sla.policy.js';

/** A contract response target at or below this (business minutes) counts as a short SLA. */
export const SHORT_RESPONSE_MINUTES = 240;

const BY_SEVERITY: Record<string, Priority> = { critical: 'critical', alarm: 'high', warning: 'medium', info: 'low' };

export interface PriorityInput {
  /** Catalogue priority of the fault; null when the fault is not in the catalogue. */
  readonly faultPriority: Priority | null;
  readonly severity?: string | undefined;
  readonly tier: CustomerTier;
  readonly terms: SlaTerms;
}

export interface PriorityDecision {
  readonly priority: Priority;
  readonly base: Priority;
  readonly reasons: string[];
}

const rank = (p: Priority) => PRIORITIES.indexOf(p);
const up = (p: Priority): Priority => PRIORITIES[Math.min(PRIORITIES.length - 1, rank(p) + 1)]!;

export function autoTicketPriority(input: PriorityInput): PriorityDecision {
  const reasons: string[] = [];
  let base: Priority;
  if (input.faultPriority) {
    base = input.faultPriority;
    reasons.push(`fault catalogue priority ${base}`);
  } else {
    base = BY_SEVERITY[input.severity ?? ''] ?? 'medium';
    reasons.push(`fault not in the catalogue: ${base} from severity ${input.severity ?? 'unknown'}`);
  }
  if (input.severity === 'critical' && rank(base) < rank('high')) {
    base = 'high';
    reasons.push('critical controller event: at least high');
  }
  let priority = base;
  const premium = input.tier === 'platinum' || input.tier === 'gold';
  const response = input.terms.source === 'contract' ? input.terms.targets[base].responseMinutes : undefined;
  const shortSla = response !== undefined && response <= SHORT_RESPONSE_MINUTES;
  if (premium || shortSla) {
    priority = up(base);
    const why = [premium ? `${input.tier} customer` : null, shortSla ? `contract response ${response} min ≤ ${SHORT_RESPONSE_MINUTES}` : null]
      .filter(Boolean)
      .join(' and ');
    reasons.push(priority === base ? `${why}: already critical` : `${why}: one level up to ${priority}`);
  }
  return { priority, base, reasons };
}
