/** Preventive maintenance: plans on contracts, and the visits they generate (a background task). */
import { jobConnection, type Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import type { TelemetryReader } from '../../telemetry/readings/telemetry.reader.js';
import type { TicketEventsPort } from '../delivery/ticket-events.js';
import type { NotifierPort } from '../notifications/notification.port.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import { MaintenancePlansService } from './maintenance-plans.service.js';
import { PreventiveGenerationService } from './preventive-generation.service.js';
import { preventiveMigration } from './preventive.migration.js';
import { preventiveRoutes } from './preventive.routes.js';
import { PREVENTIVE_QUEUE, preventiveGenerationTask } from './preventive.task.js';
import { TelemetryRunningHours } from './running-hours.reader.js';

export interface PreventiveDeps extends Core {
  readonly tickets: TicketsService;
  /** Running hours for usage-based plans; absent = those plans are skipped (reported). */
  readonly telemetry?: TelemetryReader | undefined;
  readonly ticketEvents?: TicketEventsPort | undefined;
  readonly notifier?: NotifierPort | undefined;
}

export const preventiveModule = defineModule({
  name: 'preventive',
  // 0011 also creates the opportunities tables (one historical migration).
  migrations: [preventiveMigration],
  build(deps: PreventiveDeps) {
    const { db, clock, config } = deps;
    const plans = new MaintenancePlansService(db);
    const generation = new PreventiveGenerationService(db, deps.telemetry ? new TelemetryRunningHours(deps.telemetry) : undefined, clock, {
      tickets: deps.tickets,
      events: deps.ticketEvents,
      logger: deps.logger.child({ part: PREVENTIVE_QUEUE }),
      notifier: deps.notifier,
    });
    return {
      exports: { generation },
      routes: (app) => preventiveRoutes(app, { plans, generation }),
      tasks: [preventiveGenerationTask({ ...jobConnection(deps), generation, everyMs: config.PREVENTIVE_INTERVAL_MS })],
    };
  },
});
