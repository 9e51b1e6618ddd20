/** Visits: planning a technician's time on a ticket, the work done, and closing the visit. */
import type { Queryable } from '../../kernel/db/database.js';
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import type { NotifierPort } from '../notifications/notification.port.js';
import type { StockService } from '../stock/stock.service.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import { visitClosingRoutes } from './visit-closing.routes.js';
import { VisitClosingService } from './visit-closing.service.js';
import { visitsRoutes } from './visits.routes.js';
import { VisitsService } from './visits.service.js';

export interface VisitsDeps extends Pick<Core, 'db' | 'clock'> {
  readonly tickets: TicketsService;
  readonly stock: StockService;
  readonly notifier?: NotifierPort | undefined;
  /** A visit on an asset closed as fixed (learned baselines relearn after the repair). */
  readonly repaired?: (tx: Queryable, repair: { visitId: string; assetId: string; at: Date }) => Promise<void>;
}

export const visitsModule = defineModule({
  name: 'visits',
  build(deps: VisitsDeps) {
    const { db, clock, tickets, notifier } = deps;
    const visits = new VisitsService(db, clock, { tickets, notifier, stock: deps.stock });
    const closing = new VisitClosingService(db, clock, { tickets, visits, notifier, ...(deps.repaired ? { repaired: deps.repaired } : {}) });
    return {
      exports: { visits, closing },
      routes: async (app) => {
        await visitsRoutes(app, { visits });
        await visitClosingRoutes(app, { closing });
      },
    };
  },
});
