/**
 * The worker-role task that runs the opportunity rules every `everyMs` (BullMQ job scheduler;
 * the rules are idempotent through their unique rule keys).
 */
import type { BackgroundTaskFactory } from '../../app/background.js';
import { RepeatingJob } from '../../kernel/jobs/repeating-job.js';
import { OpportunityRulesService, type OpportunityRulesOptions } from './opportunity-rules.service.js';

export interface OpportunityRulesTaskOptions extends OpportunityRulesOptions {
  /** Interval between two runs of the rules, in ms. Default 3600000 (1 hour). */
  readonly everyMs?: number;
}

export const OPPORTUNITY_RULES_QUEUE = 'opportunity-rules';

export function createOpportunityRulesTask(options: OpportunityRulesTaskOptions = {}): BackgroundTaskFactory {
  return (deps) => {
    const service = new OpportunityRulesService(deps.db, deps.clock, options);
    return new RepeatingJob({
      name: OPPORTUNITY_RULES_QUEUE,
      redisUrl: deps.redisUrl,
      ...(deps.redis ? { connector: deps.redis } : {}),
      prefix: deps.prefix,
      logger: deps.logger.child({ part: OPPORTUNITY_RULES_QUEUE }),
      everyMs: options.everyMs ?? 3_600_000,
      run: () => service.run(),
    });
  };
}

/** The task with its defaults (hourly; the rule defaults of OpportunityRulesOptions). */
export const opportunityRulesTask: BackgroundTaskFactory = createOpportunityRulesTask();
