/**
 * The worker-role task that sends due task reminders every `everyMs` (BullMQ job scheduler, one
 * run per repetition across all workers; each reminder is claimed in the database anyway).
 */
import { RepeatingJob, type RepeatingJobOptions } from '../../kernel/jobs/repeating-job.js';
import type { TaskRemindersService } from './task-reminders.service.js';

export const TASK_REMINDERS_QUEUE = 'task-reminders';

export interface TaskRemindersTaskDeps extends Omit<RepeatingJobOptions, 'name' | 'run' | 'everyMs'> {
  readonly reminders: Pick<TaskRemindersService, 'run'>;
  /** Interval between two runs, in ms. Default 60000 (one minute). */
  readonly everyMs?: number;
}

export function taskRemindersTask(deps: TaskRemindersTaskDeps): RepeatingJob {
  return new RepeatingJob({
    ...deps,
    name: TASK_REMINDERS_QUEUE,
    logger: deps.logger.child({ part: TASK_REMINDERS_QUEUE }),
    everyMs: deps.everyMs ?? 60_000,
    run: () => deps.reminders.run(),
  });
}
