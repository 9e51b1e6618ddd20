/**
 * The server side of the technician app: the day's jobs in one offline-ready answer, visit
 * checklists, and the offline-replay preconditions on visit actions (If-Match → 412 with the
 * current visit; Visit-ETag on every answer).
 */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import { AssetHistoryService } from '../assets/asset-history.service.js';
import { AssetsService } from '../assets/assets.service.js';
import type { VisitsService } from '../visits/visits.service.js';
import { ChecklistService } from './checklist.service.js';
import { fieldAppMigration } from './field-app.migration.js';
import { fieldAppRoutes } from './field-app.routes.js';
import { FieldAppService, type LatestReadingSource } from './field-app.service.js';

export interface FieldAppDeps extends Pick<Core, 'db' | 'clock'> {
  readonly models: ModelRegistry;
  readonly visits: VisitsService;
  /** The asset's latest reading (TelemetryReader.latest); none = readings are null. */
  readonly latestReading?: LatestReadingSource | undefined;
}

export const fieldAppModule = defineModule({
  name: 'field-app',
  migrations: [fieldAppMigration],
  build(deps: FieldAppDeps) {
    const { db, clock } = deps;
    const checklists = new ChecklistService();
    const history = new AssetHistoryService(db, new AssetsService(db, deps.models));
    const fieldApp = new FieldAppService(db, clock, { history, checklists, latestReading: deps.latestReading });
    return {
      exports: { fieldApp, checklists },
      routes: (app) => fieldAppRoutes(app, { db, clock, fieldApp, checklists, visits: deps.visits }),
    };
  },
});
