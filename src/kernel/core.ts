/** The infrastructure every feature module may be built from; the composition root provides it. */
import type { Redis } from 'ioredis';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { Logger } from './logger.js';
import type { RedisConnector } from './redis.js';

export interface Core {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly clock: Clock;
  /** The process's shared Redis client (commands, pub/sub publishing). */
  readonly redis: Redis;
  /** Makes further Redis connections (BullMQ) with the platform's outage log; plain clients when absent. */
  readonly connector?: RedisConnector | undefined;
  /** REDIS_URL and REDIS_PREFIX, for the connections and keys of queues and jobs. */
  readonly redisUrl: string;
  readonly prefix: string;
}

/** What a RepeatingJob needs from the core. */
export function jobConnection(core: Core): { redisUrl: string; prefix: string; logger: Logger; connector?: RedisConnector } {
  return { redisUrl: core.redisUrl, prefix: core.prefix, logger: core.logger, ...(core.connector ? { connector: core.connector } : {}) };
}
