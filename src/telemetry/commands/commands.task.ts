/** Worker background task: open commands past their deadline become `timed_out` (every few seconds, any number of workers). */
import type { BackgroundTask, BackgroundTaskFactory } from '../../app/background.js';
import type { Redis } from 'ioredis';
import { connectRedis, isRedisConnectionError } from '../../kernel/redis.js';
import { RedisCommandBus } from './command-channels.js';
import { CommandsService } from './commands.service.js';

export function commandTimeoutTask(options: { everyMs: number }): BackgroundTaskFactory {
  return (deps): BackgroundTask => {
    let timer: NodeJS.Timeout | undefined;
    let redis: Redis | undefined;
    let running: Promise<void> = Promise.resolve();
    return {
      name: 'command-timeouts',
      async start() {
        // Through the platform's connector: a Redis outage is logged once, not per attempt.
        redis = connectRedis(deps.redis, deps.redisUrl, 'command-timeouts', { maxRetriesPerRequest: 3 }, deps.logger);
        const service = new CommandsService(deps.db, deps.models, new RedisCommandBus(redis, deps.prefix, deps.logger));
        const tick = () => {
          running = service
            .sweepTimeouts()
            .then((n) => void (n && deps.logger.info({ timedOut: n }, 'commands timed out')))
            .catch((error: unknown) => {
              if (deps.redis && isRedisConnectionError(error)) deps.redis.reportError('command-timeouts', error);
              else deps.logger.warn({ err: error }, 'command timeout sweep failed');
            });
        };
        timer = setInterval(tick, options.everyMs);
        timer.unref();
      },
      async stop() {
        if (timer) clearInterval(timer);
        await running;
        await redis?.quit().catch(() => undefined);
      },
    };
  };
}
