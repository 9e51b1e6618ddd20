/**
 * The worker-role task that generates preventive visits: PreventiveGenerationService.run every
 * `everyMs` (BullMQ job scheduler, one run per repetition across all workers; the generation is
 * idempotent anyway through the occurrences' unique key).
 */
import type { NotifierPort } from '../notifications/notification.port.js';
import type { BackgroundTaskFactory } from '../../app/background.js';
import { RepeatingJob } from '../../kernel/jobs/repeating-job.js';
import { PreventiveGenerationService, type PreventiveGenerationOptions } from './preventive-generation.service.js';
import { TelemetryRunningHours, type RunningHoursOptions } from './running-hours.reader.js';

export interface PreventiveTaskOptions extends Omit<PreventiveGenerationOptions, 'events' | 'logger'> {
  /** Default: a `notifier` on the background deps, if the platform provides one. */
  readonly notifier?: NotifierPort | undefined;
  /** Interval between two generation runs, in ms. Default 900000 (15 minutes). */
  readonly everyMs?: number;
  readonly runningHours?: RunningHoursOptions;
}

export const PREVENTIVE_QUEUE = 'preventive-generation';

export function createPreventiveGenerationTask(options: PreventiveTaskOptions = {}): BackgroundTaskFactory {
  return (deps) => {
    const logger = deps.logger.child({ part: PREVENTIVE_QUEUE });
    const service = new PreventiveGenerationService(deps.db, new TelemetryRunningHours(deps.telemetry, options.runningHours), deps.clock, {
      ...options,
      events: deps.ticketEvents,
      logger,
      notifier: options.notifier ?? deps.notifier,
    });
    return new RepeatingJob({
      name: PREVENTIVE_QUEUE,
      redisUrl: deps.redisUrl,
      ...(deps.redis ? { connector: deps.redis } : {}),
      prefix: deps.prefix,
      logger,
      everyMs: options.everyMs ?? 900_000,
      run: () => service.run(),
    });
  };
}

/** The task with its defaults (15-minute runs, visits at 08:00 UTC). */
export const preventiveGenerationTask: BackgroundTaskFactory = createPreventiveGenerationTask();
