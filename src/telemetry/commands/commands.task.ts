/** Worker background task: open commands past their deadline become `timed_out` (every few seconds, any number of workers). */
import type { BackgroundTask } from '../../kernel/jobs/background-task.js';
import type { Logger } from '../../kernel/logger.js';
import { isRedisConnectionError, type RedisConnector } from '../../kernel/redis.js';
import type { CommandsService } from './commands.service.js';

export const COMMAND_TIMEOUTS_TASK = 'command-timeouts';

export interface CommandTimeoutTaskDeps {
  readonly commands: Pick<CommandsService, 'sweepTimeouts'>;
  readonly logger: Logger;
  /** The platform's connector: a Redis outage is logged once, not per sweep. */
  readonly connector?: RedisConnector | undefined;
  readonly everyMs: number;
}

export function commandTimeoutTask(deps: CommandTimeoutTaskDeps): BackgroundTask {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  return {
    name: COMMAND_TIMEOUTS_TASK,
    async start() {
      const tick = () => {
        running = deps.commands
          .sweepTimeouts()
          .then((n) => void (n && deps.logger.info({ timedOut: n }, 'commands timed out')))
          .catch((error: unknown) => {
            if (deps.connector && isRedisConnectionError(error)) deps.connector.reportError(COMMAND_TIMEOUTS_TASK, error);
            else deps.logger.warn({ err: error }, 'command timeout sweep failed');
          });
      };
      timer = setInterval(tick, deps.everyMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
