/**
 * Opportunities: offers raised by service (contract renewals, replacements), edited by hand or
 * created by the rules, which run on demand (admin route) and as a background task. The tables
 * come from 0011 (preventive module).
 */
import { jobConnection, type Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import { opportunitiesRoutes } from './opportunities.routes.js';
import { OpportunitiesService } from './opportunities.service.js';
import { opportunityRulesTask } from './opportunities.task.js';
import { OpportunityRulesService } from './opportunity-rules.service.js';

export const opportunitiesModule = defineModule({
  name: 'opportunities',
  build(deps: Core) {
    const { db, clock, config } = deps;
    const opportunities = new OpportunitiesService(db, clock);
    const rules = new OpportunityRulesService(db, clock);
    return {
      exports: { opportunities },
      routes: (app) => opportunitiesRoutes(app, { opportunities, rules }),
      tasks: [opportunityRulesTask({ ...jobConnection(deps), rules, everyMs: config.OPPORTUNITY_RULES_INTERVAL_MS })],
    };
  },
});
