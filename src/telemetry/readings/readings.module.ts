/**
 * Reading telemetry back over the API: an asset's downsampled series, and the dead-letter store
 * of refused publishes. The reader and the rejection log are built with the process's
 * infrastructure (the writer and the ingest use them too); this module registers their routes.
 */
import type { Database } from '../../kernel/db/database.js';
import { defineModule } from '../../kernel/module.js';
import type { RejectionLog } from '../ingest/rejection-log.js';
import type { ModelRegistry } from '../models/models.registry.js';
import type { TelemetryReader } from './telemetry.reader.js';
import { telemetryRoutes } from './telemetry.routes.js';

export interface ReadingsDeps {
  readonly db: Database;
  readonly models: ModelRegistry;
  readonly telemetry: TelemetryReader;
  readonly rejections: RejectionLog;
}

export const readingsModule = defineModule({
  name: 'readings',
  build({ db, models, telemetry, rejections }: ReadingsDeps) {
    return {
      exports: { telemetry, rejections },
      routes: (app) => telemetryRoutes(app, { db, models, telemetry, rejections }),
    };
  },
});
