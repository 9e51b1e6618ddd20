/**
 * What every role of a process shares, opened once: equipment models, Redis, the database
 * (migrated), the secret box, InfluxDB (when the role reads or writes telemetry), metrics, and
 * the feature modules built on them. Each role's start function (broker.ts, worker.ts, api.ts)
 * takes it and registers its own parts with the shutdown sequence.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Config, Role } from '../../kernel/config.js';
import { openDatabase, type Database } from '../../kernel/db/database.js';
import { migrate } from '../../kernel/db/migrator.js';
import type { Logger } from '../../kernel/logger.js';
import { createRedisConnector, type RedisConnector } from '../../kernel/redis.js';
import type { ShutdownSequence } from '../../kernel/shutdown.js';
import { Egress } from '../../kernel/egress/egress.js';
import { egressPolicyOf } from '../../kernel/egress/egress-policy.js';
import type { SecretBox } from '../../kernel/secrets/secret-box.js';
import { loadSecretBox } from '../../kernel/secrets/secret-keys.js';
import { rewrapSecrets } from '../../kernel/secrets/secrets-rewrap.js';
import { PlatformMetrics } from '../../kernel/metrics/metrics.js';
import { ModelRegistry } from '../../telemetry/models/models.registry.js';
import { DevicesService } from '../../telemetry/devices/devices.service.js';
import { connectInfluxWithRetry, type InfluxConnection } from '../../telemetry/influx/influx.connection.js';
import { RejectionLog } from '../../telemetry/ingest/rejection-log.js';
import { journalBacklog } from '../../telemetry/journal/telemetry-journal.js';
import { TelemetryReader } from '../../telemetry/readings/telemetry.reader.js';
import { TicketEvents } from '../../service/delivery/ticket-events.js';
import { WebhookQueue } from '../../service/delivery/webhooks.queue.js';
import { Notifier } from '../../service/notifications/notifier.js';
import type { AppContext } from '../context.js';
import { allMigrations, buildModules, closeModules, type Modules } from '../modules.js';

export const has = (role: Role, part: Exclude<Role, 'all'>): boolean => role === 'all' || role === part;

export interface Infrastructure {
  readonly config: Config;
  readonly logger: Logger;
  readonly shutdown: ShutdownSequence;
  readonly connector: RedisConnector;
  readonly redis: Redis;
  readonly db: Database;
  readonly models: ModelRegistry;
  readonly devices: DevicesService;
  readonly rejections: RejectionLog;
  readonly metrics: PlatformMetrics;
  readonly secrets: SecretBox | undefined;
  readonly egress: Egress;
  /** The InfluxDB connection once it answered (never, for the broker role). */
  readonly influx: () => InfluxConnection | undefined;
  readonly influxReady: Promise<InfluxConnection | undefined>;
  /** Redis pub/sub channel announcing revoked or rotated MQTT credentials to every broker. */
  readonly revokedChannel: string;
  readonly ctx: AppContext;
  readonly modules: Modules;
  /** The journal consumer name (WORKER_ID, default `<hostname>-<role>`). */
  readonly workerId: string;
}

export async function openInfrastructure(config: Config, logger: Logger, shutdown: ShutdownSequence, stopped: () => boolean): Promise<Infrastructure> {
  const role = config.TELEMEND_ROLE;
  const models = await ModelRegistry.fromDirectory(config.DEVICES_DIR);
  logger.info({ models: models.list().map((m) => m.id) }, 'equipment models loaded');

  // Every Redis client of the process comes from here: one outage log instead of a line per client.
  const connector = createRedisConnector({ url: config.REDIS_URL, logger });
  const redis = connector.connect(role, { lazyConnect: false, maxRetriesPerRequest: 3 });
  shutdown.add('connections', 'redis', () => connector.close(redis));
  const metrics = new PlatformMetrics();
  metrics.use({ journal: () => journalBacklog(redis, config.REDIS_PREFIX) });
  const rejections = new RejectionLog(redis, { prefix: config.REDIS_PREFIX, maxEntries: config.REJECTION_LOG_SIZE, logger });

  // First, so that a missing key stops the start before anything else is opened.
  const secrets = has(role, 'api') || has(role, 'worker') ? await loadSecretBox(config, logger) : undefined;

  // Every role needs the database. The embedded one runs in a worker thread: its WebAssembly
  // must not hold the broker's acks.
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, thread: true });
  shutdown.add('connections', 'database', () => db.close());
  const applied = await migrate(db, allMigrations());
  if (applied.length) logger.info({ applied }, 'database migrated');
  await models.sync(db);
  const devices = new DevicesService(db, logger);
  logger.info({ driver: db.driver }, 'database ready');
  if (secrets) {
    // Values written before encryption, or sealed with a previous key, are re-encrypted.
    const { rewrapped, unreadable } = await rewrapSecrets(db, secrets);
    if (rewrapped) logger.info({ rewrapped, keyId: secrets.keyId }, 'stored secrets re-encrypted with the current key');
    if (unreadable)
      logger.error(
        { unreadable },
        'stored secrets sealed with a key that is neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS; their deliveries fail until it is configured',
      );
  }

  // InfluxDB may be down at start: the broker still journals, the writer starts once it answers,
  // and telemetry reads answer 503 until then.
  let influx: InfluxConnection | undefined;
  let influxReady: Promise<InfluxConnection | undefined> = Promise.resolve(undefined);
  if (has(role, 'worker') || has(role, 'api')) {
    influxReady = connectInfluxWithRetry(config, logger, stopped).then((connection) => {
      influx = connection;
      if (connection) shutdown.add('connections', 'influx', () => connection.close());
      return connection;
    });
    await Promise.race([influxReady, new Promise((r) => setTimeout(r, 3000).unref())]);
  }

  // Every request to a user-supplied URL goes through the egress guard (EGRESS_ALLOW).
  const egress = new Egress(egressPolicyOf(config));
  shutdown.add('connections', 'egress', () => egress.close());
  // Ticket events go out on Redis pub/sub (SSE in every API process) and as webhook deliveries
  // (POSTed by the worker role); notifications are written to the outbox in the callers' transactions.
  const webhookQueue = new WebhookQueue({
    db,
    connection: redis,
    prefix: config.REDIS_PREFIX,
    onError: (error) => connector.reportError('webhook-queue', error),
  });
  shutdown.add('queues', 'webhook-queue', () => webhookQueue.close());
  const ticketEvents = new TicketEvents({ redis, prefix: config.REDIS_PREFIX, sinks: [webhookQueue, metrics.ticketSink], logger });
  const revokedChannel = `${config.REDIS_PREFIX}:device-revoked`;
  const revoke = (clientId: string): void =>
    void redis
      .publish(revokedChannel, clientId)
      .catch((error: unknown) => logger.warn({ err: error, clientId }, 'could not announce revoked MQTT credentials'));

  const ctx: AppContext = {
    config,
    logger,
    db,
    redis,
    connector,
    models,
    devices,
    telemetry: new TelemetryReader(() => influx),
    rejections,
    ticketEvents,
    notifier: new Notifier(),
    mqttSessions: { revoke },
    ...(secrets ? { secrets } : {}),
    metrics,
    egress,
    influx: () => influx,
  };
  const modules = buildModules(ctx);
  shutdown.add('queues', 'modules', () => closeModules(modules));
  return {
    config,
    logger,
    shutdown,
    connector,
    redis,
    db,
    models,
    devices,
    rejections,
    metrics,
    secrets,
    egress,
    influx: () => influx,
    influxReady,
    revokedChannel,
    ctx,
    modules,
    workerId: config.WORKER_ID ?? `${hostname()}-${role}`,
  };
}
