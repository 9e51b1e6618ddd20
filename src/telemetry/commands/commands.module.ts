/**
 * Commands to devices: stored, audited and announced to the broker processes over Redis
 * (RedisCommandBus); their routes and live stream (api role) and the timeout sweep (worker role).
 * The broker role applies the devices' answers with the same service.
 */
import type { Core } from '../../kernel/core.js';
import { defineModule } from '../../kernel/module.js';
import type { ModelRegistry } from '../models/models.registry.js';
import { RedisCommandBus } from './command-channels.js';
import { commandsMigration } from './commands.migration.js';
import { commandsRoutes } from './commands.routes.js';
import { CommandsService } from './commands.service.js';
import { commandTimeoutTask } from './commands.task.js';

export interface CommandsDeps extends Pick<Core, 'config' | 'db' | 'logger' | 'redis' | 'connector' | 'prefix'> {
  readonly models: ModelRegistry;
}

/** How often open commands are checked against their deadline. */
const TIMEOUT_SWEEP_MS = 5000;

export const commandsModule = defineModule({
  name: 'commands',
  migrations: [commandsMigration],
  build(deps: CommandsDeps) {
    const { db, models, redis, logger, prefix } = deps;
    // Tests may build the app without Redis: commands are then stored but announced to nobody.
    const commands = new CommandsService(db, models, redis ? new RedisCommandBus(redis, prefix, logger) : undefined);
    return {
      exports: { commands },
      routes: (app) => commandsRoutes(app, { commands, stream: { redis, config: deps.config, logger } }),
      tasks: [commandTimeoutTask({ commands, logger, connector: deps.connector, everyMs: TIMEOUT_SWEEP_MS })],
    };
  },
});
