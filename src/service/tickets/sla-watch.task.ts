/**
 * The worker-role task that runs the SLA watch every `everyMs` (BullMQ job scheduler, one run per
 * repetition across all workers; each alert is claimed in the database anyway).
 */
import { RepeatingJob, type RepeatingJobOptions } from '../../kernel/jobs/repeating-job.js';
import type { SlaWatchService } from './sla-watch.service.js';

export const SLA_WATCH_QUEUE = 'sla-watch';

export interface SlaWatchTaskDeps extends Omit<RepeatingJobOptions, 'name' | 'run' | 'everyMs'> {
  readonly watch: Pick<SlaWatchService, 'run'>;
  /** Interval between two runs, in ms. Default 60000 (one minute). */
  readonly everyMs?: number;
}

export function slaWatchTask(deps: SlaWatchTaskDeps): RepeatingJob {
  return new RepeatingJob({
    ...deps,
    name: SLA_WATCH_QUEUE,
    logger: deps.logger.child({ part: SLA_WATCH_QUEUE }),
    everyMs: deps.everyMs ?? 60_000,
    run: () => deps.watch.run(),
  });
}
