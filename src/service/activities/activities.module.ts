/** Activities: the interaction history with customers (table from 0004, contacts module). */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import { activitiesRoutes } from './activities.routes.js';
import { ActivitiesService, type ActivityRecorded } from './activities.service.js';

export const activitiesModule = defineModule({
  name: 'activities',
  build({ db, clock, recorded }: Pick<Core, 'db' | 'clock'> & { readonly recorded?: ActivityRecorded }) {
    const activities = new ActivitiesService(db, clock, recorded);
    return { exports: { activities }, routes: (app) => activitiesRoutes(app, { activities }) };
  },
});
