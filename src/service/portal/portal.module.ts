/** The customer portal's server side: reads and writes scoped to the caller's customer. */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import { portalMigration } from './portal.migration.js';
import { portalRoutes } from './portal.routes.js';
import { PortalService } from './portal.service.js';

export const portalModule = defineModule({
  name: 'portal',
  migrations: [portalMigration],
  build(deps: Pick<Core, 'db' | 'clock'> & { readonly notifications: NotificationsService }) {
    const portal = new PortalService(deps.db, deps.clock, deps.notifications);
    return { exports: { portal }, routes: (app) => portalRoutes(app, { portal }) };
  },
});
