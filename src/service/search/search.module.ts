/** The desk's phone intake search over customers, contacts, sites and assets; 0016 adds its indexes. */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import { searchMigration } from './search.migration.js';
import { searchRoutes } from './search.routes.js';
import { SearchService } from './search.service.js';

export const searchModule = defineModule({
  name: 'search',
  migrations: [searchMigration],
  build({ db }: Pick<Core, 'db'>) {
    const search = new SearchService(db);
    return { exports: { search }, routes: (app) => searchRoutes(app, { search }) };
  },
});
