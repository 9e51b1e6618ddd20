/**
 * The worker-role task that runs the opportunity rules every `everyMs` (BullMQ job scheduler;
 * the rules are idempotent through their unique rule keys).
 */
import { RepeatingJob, type RepeatingJobOptions } from '../../kernel/jobs/repeating-job.js';
import type { OpportunityRulesService } from './opportunity-rules.service.js';

export const OPPORTUNITY_RULES_QUEUE = 'opportunity-rules';

export interface OpportunityRulesTaskDeps extends Omit<RepeatingJobOptions, 'name' | 'run' | 'everyMs'> {
  readonly rules: Pick<OpportunityRulesService, 'run'>;
  /** Interval between two runs of the rules, in ms. Default 3600000 (1 hour). */
  readonly everyMs?: number;
}

/** The rules as a repeating job (one run per interval across all workers). */
export function opportunityRulesTask(deps: OpportunityRulesTaskDeps): RepeatingJob {
  return new RepeatingJob({
    ...deps,
    name: OPPORTUNITY_RULES_QUEUE,
    logger: deps.logger.child({ part: OPPORTUNITY_RULES_QUEUE }),
    everyMs: deps.everyMs ?? 3_600_000,
    run: () => deps.rules.run(),
  });
}
