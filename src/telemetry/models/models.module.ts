/**
 * Equipment models: the catalogue loaded from DEVICES_DIR (read-only over the API). The registry
 * is built with the process's infrastructure (ingest and detection need it in every role); this
 * module registers its routes.
 */
import { defineModule } from '../../kernel/module.js';
import type { ModelRegistry } from './models.registry.js';
import { modelsRoutes } from './models.routes.js';

export interface ModelsDeps {
  readonly models: ModelRegistry;
}

export const modelsModule = defineModule({
  name: 'models',
  build({ models }: ModelsDeps) {
    return {
      exports: { models },
      routes: (app) => modelsRoutes(app, { models }),
    };
  },
});
