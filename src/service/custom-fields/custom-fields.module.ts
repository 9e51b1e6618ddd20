/** Custom fields: admin-defined extra fields of customers, sites, assets... (table from 0004, contacts module). */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import { customFieldsRoutes } from './custom-fields.routes.js';
import { CustomFieldsService } from './custom-fields.service.js';

export const customFieldsModule = defineModule({
  name: 'custom-fields',
  build({ db }: Pick<Core, 'db'>) {
    const customFields = new CustomFieldsService(db);
    return { exports: { customFields }, routes: (app) => customFieldsRoutes(app, { customFields }) };
  },
});
