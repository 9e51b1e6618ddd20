/** Sites: the customers' addresses where assets are installed (table from 0001, customers module). */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import { sitesRoutes } from './sites.routes.js';
import { SitesService } from './sites.service.js';

export const sitesModule = defineModule({
  name: 'sites',
  build({ db }: Pick<Core, 'db'>) {
    const sites = new SitesService(db);
    return { exports: { sites }, routes: (app) => sitesRoutes(app, { sites }) };
  },
});
