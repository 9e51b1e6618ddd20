/** Learned baselines per asset: read, relearn, freeze; relearnt after a repair (visits call `relearnAfterRepair`). */
import type { Redis } from 'ioredis';
import type { Clock } from '../../kernel/clock.js';
import type { Database } from '../../kernel/db/database.js';
import { defineModule } from '../../kernel/module.js';
import { DetectionCommands } from '../detection/worker/detection-commands.js';
import { DetectionStateStore } from '../detection/worker/detection-state.store.js';
import type { ModelRegistry } from '../models/models.registry.js';
import { baselinesRoutes } from './baselines.routes.js';
import { BaselinesService } from './baselines.service.js';

export interface BaselinesDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly redis: Redis;
  readonly models: ModelRegistry;
  /** REDIS_PREFIX and DETECTION_SHARDS: where the detection worker's state and command queues are. */
  readonly prefix: string;
  readonly shards: number;
}

export const baselinesModule = defineModule({
  name: 'baselines',
  build(deps: BaselinesDeps) {
    // Redis parts on first use: most processes never send a baseline command.
    let commands: DetectionCommands | undefined;
    let store: DetectionStateStore | undefined;
    const baselines = new BaselinesService({
      db: deps.db,
      models: deps.models,
      clock: deps.clock,
      states: () => (store ??= new DetectionStateStore(deps.redis, deps.prefix, deps.models)),
      commands: () => (commands ??= new DetectionCommands({ connection: deps.redis, prefix: deps.prefix, shards: deps.shards })),
    });
    return {
      exports: { baselines },
      routes: (app) => baselinesRoutes(app, { baselines }),
      close: async () => {
        await commands?.close();
      },
    };
  },
});
