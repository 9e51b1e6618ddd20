/**
 * Features still wired the old way: routes given the whole AppContext, tasks given BackgroundDeps,
 * migrations listed here. Each moves into a `<feature>.module.ts` (see src/app/modules.ts).
 */
import type { Config } from '../kernel/config.js';
import type { Migration } from '../kernel/db/migration.types.js';
import type { RouteModule } from '../kernel/http/http.types.js';
import type { AppContext } from './context.js';
import type { BackgroundTaskFactory } from './background.js';
import { authRoutes } from '../access/auth/auth.routes.js';
import { apiKeysRoutes } from '../access/auth/api-keys.routes.js';
import { usersRoutes } from '../access/users/users.routes.js';
import { customersRoutes } from '../service/customers/customers.routes.js';
import { sitesRoutes } from '../service/sites/sites.routes.js';
import { assetsRoutes } from '../service/assets/assets.routes.js';
import { contractsRoutes } from '../service/contracts/contracts.routes.js';
import { contactsRoutes } from '../service/contacts/contacts.routes.js';
import { activitiesRoutes } from '../service/activities/activities.routes.js';
import { knowledgeRoutes } from '../service/knowledge/knowledge.routes.js';
import { customFieldsRoutes } from '../service/custom-fields/custom-fields.routes.js';
import { customer360Routes } from '../service/customers/customer-360.routes.js';
import { opportunitiesRoutes } from '../service/opportunities/opportunities.routes.js';
import { customersMigration } from '../service/customers/customers.migration.js';
import { usersMigration } from '../access/users/users.migration.js';
import { contactsMigration } from '../service/contacts/contacts.migration.js';
import { authMigration } from '../access/auth/auth.migration.js';
import { createOpportunityRulesTask } from '../service/opportunities/opportunities.task.js';

export const legacyRouteModules: ReadonlyArray<readonly [string, RouteModule<AppContext>]> = [
  ['auth', authRoutes],
  ['users', usersRoutes],
  ['api-keys', apiKeysRoutes],
  ['customers', customersRoutes],
  ['sites', sitesRoutes],
  ['assets', assetsRoutes],
  ['contracts', contractsRoutes],
  ['contacts', contactsRoutes],
  ['activities', activitiesRoutes],
  ['knowledge', knowledgeRoutes],
  ['custom-fields', customFieldsRoutes],
  ['customer-360', customer360Routes],
  ['opportunities', opportunitiesRoutes],
];

export const legacyMigrations: readonly Migration[] = [
  customersMigration, // 0001_foundation
  usersMigration, // 0002_users_and_audit
  contactsMigration, // 0004_crm_people
  authMigration,
];

export function legacyTaskFactories(config: Config): BackgroundTaskFactory[] {
  return [createOpportunityRulesTask({ everyMs: config.OPPORTUNITY_RULES_INTERVAL_MS })];
}
