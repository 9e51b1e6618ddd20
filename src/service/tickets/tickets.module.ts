/** Tickets: the workflow, SLA clocks and history of service requests; every ticket move goes through this module's service. The SLA watch (a worker task) announces tickets at risk and breached. */
import { jobConnection, type Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import type { TicketEventsPort } from '../delivery/ticket-events.js';
import type { NotifierPort } from '../notifications/notification.port.js';
import { slaWatchMigration } from './sla-watch.migration.js';
import { SlaWatchService } from './sla-watch.service.js';
import { slaWatchTask } from './sla-watch.task.js';
import { ticketsMigration } from './tickets.migration.js';
import { ticketsRoutes } from './tickets.routes.js';
import { TicketsService } from './tickets.service.js';

export interface TicketsDeps extends Core {
  /** Live feed and webhooks; absent = nothing published (tests). */
  readonly ticketEvents?: TicketEventsPort | undefined;
  /** Customer notifications (outbox); absent = nobody notified (tests). */
  readonly notifier?: NotifierPort | undefined;
}

export const ticketsModule = defineModule({
  name: 'tickets',
  migrations: [ticketsMigration, slaWatchMigration],
  build(deps: TicketsDeps) {
    const tickets = new TicketsService(deps.db, deps.clock, deps.ticketEvents, deps.notifier);
    const watch = new SlaWatchService(deps.db, deps.clock, tickets, deps.ticketEvents, { leadMinutes: deps.config.SLA_AT_RISK_LEAD_MINUTES });
    return {
      exports: { tickets, slaWatch: watch },
      routes: (app) => ticketsRoutes(app, { tickets }),
      tasks: [slaWatchTask({ ...jobConnection(deps), watch, everyMs: deps.config.SLA_WATCH_INTERVAL_MS })],
    };
  },
});
