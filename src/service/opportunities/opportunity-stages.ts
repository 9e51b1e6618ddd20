/**
 * The opportunity pipeline as a pure transition table:
 *
 *   new → qualified → proposed → won
 *     ↘        ↘          ↘
 *      lost     lost       lost       (+ proposed → qualified: the proposal is reworked)
 *
 * won and lost are final. An unlisted move is a CONFLICT (409) naming from and to.
 */
import { AppError } from '../../kernel/errors.js';

export const OPPORTUNITY_STAGES = ['new', 'qualified', 'proposed', 'won', 'lost'] as const;
export type OpportunityStage = (typeof OPPORTUNITY_STAGES)[number];

export const OPPORTUNITY_KINDS = ['contract_offer', 'replacement_offer', 'consumables_offer', 'other'] as const;
export type OpportunityKind = (typeof OPPORTUNITY_KINDS)[number];

/** Stages still in play (shown on the customer 360). */
export const OPEN_STAGES: readonly OpportunityStage[] = ['new', 'qualified', 'proposed'];

export const STAGE_TRANSITIONS: Readonly<Record<OpportunityStage, readonly OpportunityStage[]>> = Object.freeze({
  new: ['qualified', 'lost'],
  qualified: ['proposed', 'lost'],
  proposed: ['won', 'lost', 'qualified'],
  won: [],
  lost: [],
});

export function assertStageTransition(from: OpportunityStage, to: OpportunityStage): void {
  if (STAGE_TRANSITIONS[from].includes(to)) return;
  const allowed = STAGE_TRANSITIONS[from];
  throw new AppError(
    'CONFLICT',
    `An opportunity cannot go from ${from} to ${to}; allowed from ${from}: ${allowed.length ? allowed.join(', ') : 'none (final stage)'}`,
    { from, to, allowed },
  );
}
