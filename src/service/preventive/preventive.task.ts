/**
 * The worker-role task that generates preventive visits: PreventiveGenerationService.run every
 * `everyMs` (BullMQ job scheduler, one run per repetition across all workers; the generation is
 * idempotent anyway through the occurrences' unique key).
 */
import { RepeatingJob, type RepeatingJobOptions } from '../../kernel/jobs/repeating-job.js';
import type { PreventiveGenerationService } from './preventive-generation.service.js';

export const PREVENTIVE_QUEUE = 'preventive-generation';

export interface PreventiveTaskDeps extends Omit<RepeatingJobOptions, 'name' | 'run' | 'everyMs'> {
  readonly generation: Pick<PreventiveGenerationService, 'run'>;
  /** Interval between two generation runs, in ms. Default 900000 (15 minutes). */
  readonly everyMs?: number;
}

/** Generation as a repeating job (one run per interval across all workers). */
export function preventiveGenerationTask(deps: PreventiveTaskDeps): RepeatingJob {
  return new RepeatingJob({
    ...deps,
    name: PREVENTIVE_QUEUE,
    logger: deps.logger.child({ part: PREVENTIVE_QUEUE }),
    everyMs: deps.everyMs ?? 900_000,
    run: () => deps.generation.run(),
  });
}
