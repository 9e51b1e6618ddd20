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
import type { LatestReadings } from './customer-360.service.js';

export interface CustomersDeps extends Pick<Core, 'db' | 'clock'> {
  /** The assets' latest readings in the 360 (InfluxDB); absent = none shown. */
  readonly telemetry?: LatestReadings | undefined;
}

export const customersModule = defineModule({
  name: 'customers',
  migrations: [customersMigration],
  build({ db, clock, telemetry }: CustomersDeps) {
    const customers = new CustomersService(db);
    const customer360 = new Customer360Service(db, clock, telemetry);
    return {
      exports: { customers },
      routes: async (app) => {
        await customersRoutes(app, { customers });
        await customer360Routes(app, { customer360 });
      },
    };
  },
});
