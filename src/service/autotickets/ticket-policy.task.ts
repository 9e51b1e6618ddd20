/**
 * The worker-role task that opens the tickets of persisting alarms (ticket policy `persist`, see
 * ticket-policy.ts) every `everyMs`, through a BullMQ job scheduler (one run per interval).
 */
import type { Database } from '../../kernel/db/database.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import type { Logger } from '../../kernel/logger.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { RepeatingJob, type RepeatingJobOptions } from '../../kernel/jobs/repeating-job.js';
import type { AutoTicketService } from './autotickets.service.js';
import { dueAlarms, persistRules } from './ticket-policy.js';

export const TICKET_POLICY_QUEUE = 'ticket-policy';

/** One sweep: opens the ticket of every due alarm; returns how many it opened or appended to. */
export async function sweepPersistingAlarms(deps: {
  db: Database;
  models: ModelRegistry;
  autotickets: Pick<AutoTicketService, 'openForAlarm'>;
  clock?: Clock;
  logger?: Logger;
}): Promise<number> {
  const rules = persistRules(deps.models);
  let opened = 0;
  for (const id of await dueAlarms(deps.db, rules, (deps.clock ?? systemClock).now())) {
    try {
      if (await deps.autotickets.openForAlarm(id)) opened++;
    } catch (error) {
      deps.logger?.warn({ err: error, alarmId: id }, 'opening the ticket of a persisting alarm failed; retried on the next sweep');
    }
  }
  return opened;
}

export interface TicketPolicyTaskDeps extends Omit<RepeatingJobOptions, 'name' | 'run'> {
  readonly db: Database;
  readonly models: ModelRegistry;
  readonly autotickets: Pick<AutoTicketService, 'openForAlarm'>;
  readonly clock?: Clock;
}

/** The sweep as a repeating job (one run per interval across all workers). */
export function ticketPolicyTask(deps: TicketPolicyTaskDeps): RepeatingJob {
  const logger = deps.logger.child({ part: TICKET_POLICY_QUEUE });
  const { db, models, autotickets, clock } = deps;
  return new RepeatingJob({
    ...deps,
    name: TICKET_POLICY_QUEUE,
    logger,
    run: () => sweepPersistingAlarms({ db, models, autotickets, ...(clock ? { clock } : {}), logger }),
  });
}
