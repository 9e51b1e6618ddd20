/**
 * Customers and the customer 360 view. 0001 is the foundation migration: it also creates sites,
 * equipment_models, assets and devices.
 */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import { customer360Routes } from './customer-360.routes.js';
import { Customer360Service } from './customer-360.service.js';
import { customersMigration } from './customers.migration.js';
import { customersRoutes } from './customers.routes.js';
import { CustomersService } from './customers.service.js';

export const customersModule = defineModule({
  name: 'customers',
  migrations: [customersMigration],
  build({ db, clock }: Pick<Core, 'db' | 'clock'>) {
    const customers = new CustomersService(db);
    const customer360 = new Customer360Service(db, clock);
    return {
      exports: { customers },
      routes: async (app) => {
        await customersRoutes(app, { customers });
        await customer360Routes(app, { customer360 });
      },
    };
  },
});
