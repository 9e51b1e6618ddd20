/** Tickets: the workflow, SLA clocks and history of service requests; every ticket move goes through this module's service. */
import type { Clock } from '../../kernel/clock.js';
import type { Database } from '../../kernel/db/database.js';
import { defineModule } from '../../kernel/module.js';
import type { TicketEventsPort } from '../delivery/ticket-events.js';
import type { NotifierPort } from '../notifications/notification.port.js';
import { ticketsMigration } from './tickets.migration.js';
import { ticketsRoutes } from './tickets.routes.js';
import { TicketsService } from './tickets.service.js';

export interface TicketsDeps {
  readonly db: Database;
  readonly clock: Clock;
  /** Live feed and webhooks; absent = nothing published (tests). */
  readonly ticketEvents?: TicketEventsPort | undefined;
  /** Customer notifications (outbox); absent = nobody notified (tests). */
  readonly notifier?: NotifierPort | undefined;
}

export const ticketsModule = defineModule({
  name: 'tickets',
  migrations: [ticketsMigration],
  build(deps: TicketsDeps) {
    const tickets = new TicketsService(deps.db, deps.clock, deps.ticketEvents, deps.notifier);
    return { exports: { tickets }, routes: (app) => ticketsRoutes(app, { tickets }) };
  },
});
