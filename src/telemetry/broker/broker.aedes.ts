/**
 * Builds the aedes instance the broker runs: our hooks, the limits aedes enforces itself, and in
 * cluster mode Redis routing and persistence shared by every broker process.
 */
import { Aedes, type Client, type PublishPacket } from 'aedes';
import aedesPersistenceRedis from 'aedes-persistence-redis';
import { Redis } from 'ioredis';
import mqemitterRedis from 'mqemitter-redis';
import type { Logger } from '../../kernel/logger.js';
import type { RedisConnector } from '../../kernel/redis.js';
import type { BrokerHooks } from './broker.hooks.js';
import type { ResolvedBrokerOptions } from './broker.options.js';

/**
 * Aedes' own topic-depth check runs before our hooks and would close the connection
 * uncounted; it is set to aedes' ceiling and `maxTopicLevels` is enforced in the hooks.
 */
const AEDES_TOPIC_LEVELS = 100;

/**
 * Aedes that does not route what ingest consumed. After the PUBACK, aedes publishes every
 * inbound message: a lookup of offline subscriptions in the persistence (a promise), the
 * emitter's subscription match, the `published` hook — and in cluster mode a Redis pub/sub round
 * trip to every other broker. A device's telemetry and events reach nobody (topic-policy
 * mayForward: a device receives only its own commands, apps and anonymous clients nothing of
 * `devices/`), so for them all of that was spent for nothing on every reading. Everything else
 * (status, commands, a technician's location, internal publishes) is routed as before.
 */
class IngestingAedes extends Aedes {
  constructor(
    options: ConstructorParameters<typeof Aedes>[0],
    private readonly consumed: (packet: PublishPacket) => boolean,
  ) {
    super(options);
  }

  // aedes calls publish(packet, client, done) for client publishes (lib/handlers/publish.js);
  // its typings only declare publish(packet, done).
  override publish(packet: PublishPacket, clientOrDone: ((error?: Error) => void) | Client | null, done?: (error?: Error | null) => void): void {
    if (typeof clientOrDone !== 'function' && clientOrDone && this.consumed(packet)) {
      done?.(null);
      return;
    }
    (Aedes.prototype.publish as (...args: unknown[]) => void).call(this, packet, clientOrDone, done);
  }
}

/** An aedes wired to the hooks; cluster parts when `clusterRedisUrl` is set. */
export function createAedes(options: ResolvedBrokerOptions, hooks: BrokerHooks, redis: RedisConnector | undefined, logger: Logger): Aedes {
  return new IngestingAedes(
    {
      ...clusterParts(options, redis, logger),
      connectTimeout: options.connectTimeoutMs,
      keepaliveLimit: options.keepaliveLimit,
      maxTopicLevels: AEDES_TOPIC_LEVELS,
      preConnect: hooks.preConnect,
      authenticate: hooks.authenticate,
      authorizePublish: hooks.authorizePublish,
      authorizeSubscribe: hooks.authorizeSubscribe,
      authorizeForward: hooks.authorizeForward,
    },
    (packet) => hooks.consumedByIngest(packet),
  );
}

/** Cluster mode: Redis pub/sub routing and Redis persistence shared by every broker process. */
function clusterParts(options: ResolvedBrokerOptions, redis: RedisConnector | undefined, logger: Logger): { mq?: unknown; persistence?: unknown } {
  const url = options.clusterRedisUrl;
  if (!url) return {};
  const mq = mqemitterRedis({
    connectionString: url,
    ...(redis ? { subConn: redis.connect('mqtt-routing-sub'), pubConn: redis.connect('mqtt-routing-pub') } : {}),
  });
  // mqemitter-redis re-emits its connections' errors on `state`: without a listener each one
  // would be thrown out of the ioredis event handler.
  (mq as unknown as { state: NodeJS.EventEmitter }).state.on('error', (err: Error) =>
    redis ? redis.reportError('mqtt-routing', err) : logger.warn({ err }, 'mqtt cluster routing: redis error'),
  );
  let conn: Redis;
  if (redis) conn = redis.connect('mqtt-persistence');
  else {
    conn = new Redis(url, { connectionName: 'telemend-mqtt-persistence' });
    conn.on('error', (err) => logger.warn({ err }, 'mqtt cluster persistence: redis error'));
  }
  logger.info('mqtt cluster mode: routing over Redis pub/sub, sessions and retained messages in Redis');
  return { mq, persistence: aedesPersistenceRedis({ conn }) };
}
