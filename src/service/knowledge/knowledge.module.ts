/** Knowledge: articles for technicians and agents, by equipment model (table from 0004, contacts module). */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import { knowledgeRoutes } from './knowledge.routes.js';
import { KnowledgeService } from './knowledge.service.js';

export interface KnowledgeDeps extends Pick<Core, 'db'> {
  /** Equipment models: an article's model ids must be loaded ones. */
  readonly models: ModelRegistry;
}

export const knowledgeModule = defineModule({
  name: 'knowledge',
  build({ db, models }: KnowledgeDeps) {
    const knowledge = new KnowledgeService(db, models);
    return { exports: { knowledge }, routes: (app) => knowledgeRoutes(app, { knowledge }) };
  },
});
