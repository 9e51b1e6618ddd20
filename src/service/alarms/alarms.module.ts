/** Alarms: one open alarm per asset and fault, fed by auto-tickets (detection findings); read and acknowledged over the API. */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import { alarmsNewNormalMigration } from './alarms.migration.js';
import { alarmsRoutes } from './alarms.routes.js';
import { AlarmsService } from './alarms.service.js';

export const alarmsModule = defineModule({
  name: 'alarms',
  // Its table comes with 0005_alarms, declared by the auto-tickets module (one historical migration).
  migrations: [alarmsNewNormalMigration],
  build({ db, clock }: Pick<Core, 'db' | 'clock'>) {
    const alarms = new AlarmsService(db, clock);
    return { exports: { alarms }, routes: (app) => alarmsRoutes(app, { alarms }) };
  },
});
