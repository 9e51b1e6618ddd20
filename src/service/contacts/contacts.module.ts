/**
 * Contacts: the people of a customer. 0004 (crm_people) also creates the custom field
 * definitions, activities and knowledge articles tables.
 */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import { contactsMigration } from './contacts.migration.js';
import { contactsRoutes } from './contacts.routes.js';
import { ContactsService } from './contacts.service.js';

export const contactsModule = defineModule({
  name: 'contacts',
  migrations: [contactsMigration],
  build({ db }: Pick<Core, 'db'>) {
    const contacts = new ContactsService(db);
    return { exports: { contacts }, routes: (app) => contactsRoutes(app, { contacts }) };
  },
});
