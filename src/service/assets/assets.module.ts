/** Assets: the installed base (table from 0001, customers module) and each asset's history. */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import { AssetHistoryService } from './asset-history.service.js';
import { assetsRoutes } from './assets.routes.js';
import { AssetsService } from './assets.service.js';

export interface AssetsDeps extends Pick<Core, 'db'> {
  /** Equipment models: an asset's model must be a loaded one. */
  readonly models: ModelRegistry;
}

export const assetsModule = defineModule({
  name: 'assets',
  build({ db, models }: AssetsDeps) {
    const assets = new AssetsService(db, models);
    const history = new AssetHistoryService(db, assets);
    return { exports: { assets }, routes: (app) => assetsRoutes(app, { assets, history }) };
  },
});
