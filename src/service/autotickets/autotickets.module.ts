/**
 * Auto-tickets: a detection finding becomes an alarm and, by the rule's ticket policy, a
 * diagnosed ticket with parts reserved and (auto-assign on) a technician dispatched. The worker
 * role's detection hands its findings to this module's service; the persist policy's sweep runs
 * as a background task.
 */
import { jobConnection, type Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import type { AlarmsService } from '../alarms/alarms.service.js';
import type { TicketEventsPort } from '../delivery/ticket-events.js';
import type { DispatchService } from '../dispatch/dispatch.service.js';
import type { StockService } from '../stock/stock.service.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import { autoticketsMigration } from './autotickets.migration.js';
import { autoTicketsRoutes } from './autotickets.routes.js';
import { AutoTicketService } from './autotickets.service.js';
import { ticketPolicyTask } from './ticket-policy.task.js';

export interface AutoTicketsDeps extends Core {
  readonly models: ModelRegistry;
  readonly tickets: TicketsService;
  readonly alarms: AlarmsService;
  readonly stock: StockService;
  readonly dispatch: DispatchService;
  readonly ticketEvents?: TicketEventsPort | undefined;
}

export const autoticketsModule = defineModule({
  name: 'autotickets',
  migrations: [autoticketsMigration],
  build(deps: AutoTicketsDeps) {
    const { db, clock, config, models } = deps;
    const autotickets = new AutoTicketService(
      db,
      clock,
      { tickets: deps.tickets, alarms: deps.alarms, stock: deps.stock, dispatch: deps.dispatch, logger: deps.logger.child({ part: 'autotickets' }) },
      deps.ticketEvents,
    );
    const everyMs = config.TICKET_POLICY_SWEEP_INTERVAL_MS;
    return {
      exports: { autotickets },
      routes: (app) => autoTicketsRoutes(app, { autotickets }),
      tasks: everyMs > 0 ? [ticketPolicyTask({ ...jobConnection(deps), db, models, autotickets, clock, everyMs })] : [],
    };
  },
});
