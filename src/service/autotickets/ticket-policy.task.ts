/**
 * The worker-role task that opens the tickets of persisting alarms (ticket policy `persist`, see
 * ticket-policy.ts) every `everyMs`, through a BullMQ job scheduler (one run per interval).
 */
import type { BackgroundTaskFactory } from '../../app/background.js';
import type { Database } from '../../kernel/db/database.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import type { Logger } from '../../kernel/logger.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { RepeatingJob } from '../../kernel/jobs/repeating-job.js';
import { StockService } from '../stock/stock.service.js';
import { DispatchService } from '../dispatch/dispatch.service.js';
import { AutoTicketService } from './autotickets.service.js';
import { dueAlarms, persistRules } from './ticket-policy.js';

export const TICKET_POLICY_QUEUE = 'ticket-policy';

/** One sweep: opens the ticket of every due alarm; returns how many it opened or appended to. */
export async function sweepPersistingAlarms(deps: { db: Database; models: ModelRegistry; autotickets: Pick<AutoTicketService, 'openForAlarm'>; clock?: Clock; logger?: Logger }): Promise<number> {
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

export function createTicketPolicyTask(options: { everyMs: number }): BackgroundTaskFactory {
  return (deps) => {
    const logger = deps.logger.child({ part: TICKET_POLICY_QUEUE });
    const autotickets = new AutoTicketService(
      deps.db,
      deps.clock,
      { stock: new StockService(deps.db), dispatch: new DispatchService(deps.db, { notifier: deps.notifier, events: deps.ticketEvents }), logger },
      deps.ticketEvents,
    );
    return new RepeatingJob({
      name: TICKET_POLICY_QUEUE,
      redisUrl: deps.redisUrl,
      ...(deps.redis ? { connector: deps.redis } : {}),
      prefix: deps.prefix,
      logger,
      everyMs: options.everyMs,
      run: () => sweepPersistingAlarms({ db: deps.db, models: deps.models, autotickets, ...(deps.clock ? { clock: deps.clock } : {}), logger }),
    });
  };
}
