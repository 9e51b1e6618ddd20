/** Parts and stock: catalogue, locations, levels, reservations, transfers, planning. */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import { CatalogueService } from './catalogue.service.js';
import { StockDeskService } from './stock-desk.service.js';
import { StockPlanningService } from './stock-planning.service.js';
import { StockTransfersService } from './stock-transfers.service.js';
import { stockMigration } from './stock.migration.js';
import { stockRoutes } from './stock.routes.js';
import { StockService } from './stock.service.js';

export const stockModule = defineModule({
  name: 'stock',
  migrations: [stockMigration],
  build({ db, clock }: Pick<Core, 'db' | 'clock'>) {
    const stock = new StockService(db, { clock });
    const services = {
      stock,
      desk: new StockDeskService(db, clock),
      planning: new StockPlanningService(db, clock),
      catalogue: new CatalogueService(db, clock),
      transfers: new StockTransfersService(db, clock),
    };
    return { exports: { stock }, routes: (app) => stockRoutes(app, services) };
  },
});
