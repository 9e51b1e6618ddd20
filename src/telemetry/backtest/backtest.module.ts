/** Backtests over the API: a model's detection rules replayed over CSV text or an asset's stored telemetry. */
import type { Database } from '../../kernel/db/database.js';
import { defineModule } from '../../kernel/module.js';
import type { ModelRegistry } from '../models/models.registry.js';
import type { TelemetryReader } from '../readings/telemetry.reader.js';
import { BacktestRequests } from './backtest.requests.js';
import { backtestRoutes } from './backtest.routes.js';

export interface BacktestDeps {
  readonly db: Database;
  readonly models: ModelRegistry;
  readonly telemetry: TelemetryReader;
}

export const backtestModule = defineModule({
  name: 'backtest',
  build({ db, models, telemetry }: BacktestDeps) {
    const backtests = new BacktestRequests(db, models, telemetry);
    return {
      exports: { backtests },
      routes: (app) => backtestRoutes(app, { backtests }),
    };
  },
});
