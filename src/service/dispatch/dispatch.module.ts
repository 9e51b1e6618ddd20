/** Dispatch: technician suggestions, one-click dispatch and auto-assign, the schedule board, ETAs. */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import type { TicketEventsPort } from '../delivery/ticket-events.js';
import type { NotifierPort } from '../notifications/notification.port.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import type { VisitsService } from '../visits/visits.service.js';
import { dispatchRoutes } from './dispatch.routes.js';
import { DispatchService } from './dispatch.service.js';
import { EtaService } from './eta.service.js';
import { ScheduleService } from './schedule.service.js';

export interface DispatchDeps extends Pick<Core, 'db' | 'clock'> {
  readonly tickets: TicketsService;
  readonly visits: VisitsService;
  readonly notifier?: NotifierPort | undefined;
  readonly ticketEvents?: TicketEventsPort | undefined;
}

export const dispatchModule = defineModule({
  name: 'dispatch',
  build({ db, clock, tickets, visits, notifier, ticketEvents }: DispatchDeps) {
    const dispatch = new DispatchService(db, { clock, notifier, events: ticketEvents, tickets, visits });
    const schedule = new ScheduleService(db, { clock });
    const eta = new EtaService(db, { clock, notifier, tickets });
    return { exports: { dispatch }, routes: (app) => dispatchRoutes(app, { db, dispatch, schedule, eta }) };
  },
});
