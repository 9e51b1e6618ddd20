/** Activities: the interaction history with customers (table from 0004, contacts module). */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import { activitiesRoutes } from './activities.routes.js';
import { ActivitiesService } from './activities.service.js';

export const activitiesModule = defineModule({
  name: 'activities',
  build({ db, clock }: Pick<Core, 'db' | 'clock'>) {
    const activities = new ActivitiesService(db, clock);
    return { exports: { activities }, routes: (app) => activitiesRoutes(app, { activities }) };
  },
});
