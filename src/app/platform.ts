/**
 * The composition root: builds the parts a role needs, starts them, and stops them in the
 * right order. Roles: `all` (default) = broker + ingest writer + detection + API; `broker` = MQTT
 * edge and journal; `worker` = journal → InfluxDB writer → detection jobs (BullMQ) → detection
 * worker → auto-tickets; `api` = REST API.
 */
import { hostname } from 'node:os';
import type { Config, Role } from '../kernel/config.js';
import { openDatabase } from '../kernel/db/database.js';
import { migrate } from './migrations.js';
import type { Logger } from '../kernel/logger.js';
import { createRedisConnector } from '../kernel/redis.js';
import { ShutdownSequence, type ShutdownReport } from '../kernel/shutdown.js';
import type { AppContext } from './context.js';
import { buildApp } from './http-app.js';
import { ModelRegistry } from '../telemetry/models/models.registry.js';
import { DevicesService } from '../telemetry/devices/devices.service.js';
import { TelemetryBroker, brokerOptionsFromConfig } from '../telemetry/broker/broker.js';
import { connectInfluxWithRetry, type InfluxConnection } from '../telemetry/influx/influx.connection.js';
import { RejectionLog } from '../telemetry/ingest/rejection-log.js';
import { TelemetryJournal } from '../telemetry/journal/telemetry-journal.js';
import { IngestService } from '../telemetry/ingest/ingest.service.js';
import { InfluxWriter } from '../telemetry/writer/influx-writer.js';
import { TelemetryReader } from '../telemetry/readings/telemetry.reader.js';
import { AutoTicketService } from '../service/autotickets/autotickets.service.js';
import { DetectionQueue } from '../telemetry/detection/worker/detection.queue.js';
import { DetectionWorker } from '../telemetry/detection/worker/detection.worker.js';
import { SilenceSweep } from '../telemetry/detection/worker/silence.sweep.js';
import { backgroundTasks } from './background-tasks.js';
import { Notifier } from '../service/notifications/notifier.js';
import { TechnicianLocationService } from '../service/technicians/technician-location.service.js';
import { StockService } from '../service/stock/stock.service.js';
import { DispatchService } from '../service/dispatch/dispatch.service.js';
import type { BackgroundDeps } from './background.js';
import { TicketEvents } from '../service/delivery/ticket-events.js';
import { WebhookQueue } from '../service/delivery/webhooks.queue.js';
import { WebhooksWorker } from '../service/delivery/webhooks.worker.js';
import { Egress } from '../kernel/egress/egress.js';
import { egressPolicyOf } from '../kernel/egress/egress-policy.js';
import type { SecretBox } from '../kernel/secrets/secret-box.js';
import { loadSecretBox } from '../kernel/secrets/secret-keys.js';
import { rewrapSecrets } from '../kernel/secrets/secrets-rewrap.js';
import { journalBacklog } from '../telemetry/journal/telemetry-journal.js';
import { PlatformMetrics } from '../kernel/metrics/metrics.js';
import { startMetricsServer } from '../kernel/metrics/metrics.server.js';
import { CommandsService } from '../telemetry/commands/commands.service.js';
import { RedisCommandBus } from '../telemetry/commands/command-channels.js';
import { CommandResultsIngest } from '../telemetry/commands/command-results.ingest.js';
import { CommandDispatcher, allOf, type CommandPublisher } from '../telemetry/commands/command-dispatcher.js';
import { ExternalIngest, externalIngestOptionsFromConfig } from '../telemetry/external-broker/external-ingest.js';
import { MosquittoDynsec } from '../telemetry/external-broker/mosquitto-dynsec.js';

export interface RunningPlatform {
  readonly role: Role;
  /** Where each listener ended up (port 0 in the config picks a free port). */
  readonly addresses: { http?: string; mqtt?: number; mqttWs?: number; mqttTls?: number; metrics?: number };
  readonly broker?: TelemetryBroker;
  /** Broker role with MQTT_EXTERNAL_URL: the external broker's ingest client. */
  readonly external?: ExternalIngest;
  readonly writer?: InfluxWriter;
  /** Worker role: the detection consumer (shard queues → detectors → auto-tickets). */
  readonly detection?: DetectionWorker;
  /** The journal consumer name (WORKER_ID, default `<hostname>-<role>`); worker roles only. */
  readonly workerId?: string;
  /** This process's Prometheus metrics (served at the API's /metrics, or the metrics listener). */
  readonly metrics: PlatformMetrics;
  /**
   * Graceful stop within SHUTDOWN_TIMEOUT_MS (see shutdown.ts): the broker stops accepting, the
   * journal is written to InfluxDB, then queues, connections and the database close.
   */
  stop(): Promise<ShutdownReport>;
  /** Parts still closing (for the log line when the hard deadline is hit). */
  pendingParts(): string[];
}

const has = (role: Role, part: Exclude<Role, 'all'>) => role === 'all' || role === part;

/** Of the shutdown deadline, what the writer's drain leaves to the stages after it. */
const DRAIN_RESERVE_MS = 2000;

export async function startPlatform(config: Config, logger: Logger): Promise<RunningPlatform> {
  const role = config.TELEMEND_ROLE;
  const workerId = config.WORKER_ID ?? `${hostname()}-${role}`;
  const shutdown = new ShutdownSequence(logger);
  let stopped = false;
  const stop = (): Promise<ShutdownReport> => {
    stopped = true;
    // 90 %: main.ts exits hard at SHUTDOWN_TIMEOUT_MS should something block the stop itself.
    return shutdown.run(Date.now() + config.SHUTDOWN_TIMEOUT_MS * 0.9);
  };

  try {
    const models = await ModelRegistry.fromDirectory(config.DEVICES_DIR);
    logger.info({ models: models.list().map((m) => m.id) }, 'equipment models loaded');

    // Every Redis client of the process comes from here: one outage log instead of a line per
    // client and reconnect attempt.
    const connector = createRedisConnector({ url: config.REDIS_URL, logger });
    const redis = connector.connect(role, { lazyConnect: false, maxRetriesPerRequest: 3 });
    shutdown.add('connections', 'redis', () => connector.close(redis));
    const metrics = new PlatformMetrics();
    metrics.use({ journal: () => journalBacklog(redis, config.REDIS_PREFIX) });

    const rejections = new RejectionLog(redis, {
      prefix: config.REDIS_PREFIX,
      maxEntries: config.REJECTION_LOG_SIZE,
      logger,
    });

    // The key sealing stored secrets (API and worker): first, so a missing one stops the start
    // before anything else is opened.
    const secrets: SecretBox | undefined = has(role, 'api') || has(role, 'worker') ? await loadSecretBox(config, logger) : undefined;

    // Every role needs the database: the broker authenticates devices, the API serves it and the
    // worker's detection opens tickets.
    // The embedded database runs in a worker thread: its WebAssembly must not hold the broker's acks.
    const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, thread: true });
    shutdown.add('connections', 'database', () => db.close());
    const applied = await migrate(db);
    if (applied.length) logger.info({ applied }, 'database migrated');
    await models.sync(db);
    const devices = new DevicesService(db, logger);
    logger.info({ driver: db.driver }, 'database ready');

    // Signing secrets at rest: the API seals them, the worker opens them. Values written before
    // encryption, or sealed with a previous key, are re-encrypted under the current key.
    if (secrets) {
      const { rewrapped, unreadable } = await rewrapSecrets(db, secrets);
      if (rewrapped) logger.info({ rewrapped, keyId: secrets.keyId }, 'stored secrets re-encrypted with the current key');
      if (unreadable) logger.error({ unreadable }, 'stored secrets sealed with a key that is neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS; their deliveries fail until it is configured');
    }

    // InfluxDB may be down at start: the broker still journals, the writer starts once it
    // answers, and telemetry reads answer 503 until then.
    let influx: InfluxConnection | undefined;
    let influxReady: Promise<InfluxConnection | undefined> = Promise.resolve(undefined);
    if (has(role, 'worker') || has(role, 'api')) {
      influxReady = connectInfluxWithRetry(config, logger, () => stopped).then((connection) => {
        influx = connection;
        if (connection) shutdown.add('connections', 'influx', () => connection.close());
        return connection;
      });
      await Promise.race([influxReady, new Promise((r) => setTimeout(r, 3000).unref())]);
    }

    // MQTT credentials revoked or rotated (a device id, or a technician app's `tech:<id>`).
    const revokedChannel = `${config.REDIS_PREFIX}:device-revoked`;
    const addresses: { http?: string; mqtt?: number; mqttWs?: number; mqttTls?: number; metrics?: number } = {};
    let broker: TelemetryBroker | undefined;
    let external: ExternalIngest | undefined;
    if (has(role, 'broker')) {
      const journal = new TelemetryJournal({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX, logger, connector });
      const ingest = new IngestService({ models, journal, rejections, maxFutureMs: config.TELEMETRY_MAX_FUTURE_MS });
      metrics.use({ ingest: () => ingest.stats() });
      const commands = new CommandsService(db, models, new RedisCommandBus(redis, config.REDIS_PREFIX, logger));
      const commandResults = new CommandResultsIngest(commands, rejections, logger.child({ part: 'commands' }));
      const publishers: CommandPublisher[] = [];
      let embedded: TelemetryBroker | undefined;
      if (config.MQTT_EMBEDDED) {
        embedded = new TelemetryBroker({
          options: brokerOptionsFromConfig(config),
          // Devices, and technicians' mobile apps publishing their location (technicians/{id}/location).
          authenticator: { authenticate: (id, token) => devices.authenticate(id, token), technicians: new TechnicianLocationService(db, { rejections }) },
          presence: devices,
          ingest,
          commandResults,
          logger: logger.child({ part: 'broker' }),
          redis: connector,
        });
        broker = embedded;
        publishers.push(embedded);
      }
      if (config.MQTT_EXTERNAL_URL) {
        external = new ExternalIngest({
          options: externalIngestOptionsFromConfig(config),
          ingest,
          commandResults,
          identify: (id) => devices.identify(id),
          presence: devices,
          logger: logger.child({ part: 'external-broker' }),
        });
        publishers.push(external);
      }
      // The brokers close first: no PUBACK (embedded) or acknowledgement (external) for a publish
      // that could not be journalled. Then the journal commits what the last publishes gathered.
      const subscriber = connector.connect('revocations');
      const intake = { embedded, external };
      shutdown.add('intake', 'broker', async () => {
        await Promise.all([intake.embedded?.stop(), intake.external?.stop()]);
        await journal.close();
        await connector.close(subscriber);
      });
      if (embedded) {
        const ports = await embedded.start();
        addresses.mqtt = ports.port;
        addresses.mqttWs = ports.wsPort;
        addresses.mqttTls = ports.tlsPort;
        logger.info({ port: ports.port, host: config.MQTT_HOST, wsPort: ports.wsPort, tlsPort: ports.tlsPort }, 'mqtt broker listening');
      }
      if (external) await external.start();
      const dispatcher = new CommandDispatcher({ redis, connector, prefix: config.REDIS_PREFIX, publisher: allOf(publishers), commands, logger: logger.child({ part: 'commands' }) });
      await dispatcher.start();
      shutdown.add('consumers', 'command-dispatch', () => dispatcher.stop());
      // Revocations may come from an API process elsewhere: they travel over Redis pub/sub.
      await subscriber.subscribe(revokedChannel);
      subscriber.on('message', (_channel, clientId: string) => {
        external?.forget(clientId);
        void broker?.disconnectClient(clientId);
      });
    }

    // Ticket events: published on Redis pub/sub (SSE in every API process) and queued as webhook
    // deliveries; the worker role POSTs them.
    const webhookQueue = new WebhookQueue({ db, connection: redis, prefix: config.REDIS_PREFIX, onError: (error) => connector.reportError('webhook-queue', error) });
    shutdown.add('queues', 'webhook-queue', () => webhookQueue.close());
    const ticketEvents = new TicketEvents({ redis, prefix: config.REDIS_PREFIX, sinks: [webhookQueue, metrics.ticketSink], logger });
    // Notifications are written to the outbox in the callers' transactions; the worker sends them.
    const notifier = new Notifier();

    let writer: InfluxWriter | undefined;
    let detection: DetectionWorker | undefined;
    if (has(role, 'worker')) {
      // The journal consumer is stable across restarts of the same deployment slot, so a
      // restarted worker writes its predecessor's unwritten entries at once instead of after
      // WORKER_TAKEOVER_MS. Two live processes must not share one. (The detection jobs'
      // processedBy stays per process: it only labels who ran a job.)
      // Every request to a user-supplied URL goes through the egress guard (EGRESS_ALLOW).
      const egress = new Egress(egressPolicyOf(config));
      shutdown.add('connections', 'egress', () => egress.close());
      const webhooks = new WebhooksWorker({ db, redisUrl: config.REDIS_URL, connector, prefix: config.REDIS_PREFIX, logger: logger.child({ part: 'webhooks' }), egress, secrets: secrets! });
      shutdown.add('consumers', 'webhooks', () => webhooks.stop());
      await webhooks.start();

      // Detection: the writer hands each written batch to the shard queues (one job per shard);
      // the detection worker consumes them. Both stop after the writer's drain (shutdown.ts).
      const detectionQueue = new DetectionQueue({
        connection: redis,
        prefix: config.REDIS_PREFIX,
        shards: config.DETECTION_SHARDS,
        onError: (error) => connector.reportError('detection-queue', error),
      });
      shutdown.add('queues', 'detection-queue', () => detectionQueue.close());
      metrics.use({ detection: () => detectionQueue.backlog(), writer: async () => writer?.stats() });
      detection = new DetectionWorker({
        redisUrl: config.REDIS_URL,
        connector,
        prefix: config.REDIS_PREFIX,
        models,
        autotickets: metrics.countingAlarms(new AutoTicketService(
          db,
          undefined,
          { stock: new StockService(db), dispatch: new DispatchService(db, { notifier, events: ticketEvents }), logger: logger.child({ part: 'autotickets' }) },
          ticketEvents,
        )),
        logger: logger.child({ part: 'detection' }),
        shards: config.DETECTION_SHARDS,
        lockDurationMs: config.WORKER_TAKEOVER_MS,
        name: `${hostname()}:${process.pid}`,
      });
      const detectionWorker = detection;
      shutdown.add('consumers', 'detection', () => detectionWorker.stop());
      await detectionWorker.start();
      if (config.SILENCE_SWEEP_INTERVAL_MS > 0) {
        const sweep = new SilenceSweep({ redisUrl: config.REDIS_URL, connector, prefix: config.REDIS_PREFIX, db, logger: logger.child({ part: 'silence-sweep' }), intervalMs: config.SILENCE_SWEEP_INTERVAL_MS, shards: config.DETECTION_SHARDS });
        shutdown.add('consumers', 'silence-sweep', () => sweep.stop());
        await sweep.start();
      }
      logger.info({ shards: config.DETECTION_SHARDS }, 'detection worker started');

      // Feature tasks (outbox sender, downsampling, scheduled reports...): built first, so that a
      // bad option stops the start-up; started in order, stopped in reverse.
      const deps: BackgroundDeps = {
        config,
        logger,
        db,
        redisUrl: config.REDIS_URL,
        redis: connector,
        prefix: config.REDIS_PREFIX,
        models,
        telemetry: new TelemetryReader(() => influx),
        influx: () => influx,
        ticketEvents,
        notifier,
        egress,
        secrets: secrets!,
      };
      for (const factory of backgroundTasks(config)) {
        const task = factory(deps);
        shutdown.add('consumers', task.name, () => task.stop());
        await task.start();
        logger.debug({ task: task.name }, 'background task started');
      }

      const writerStarted = influxReady.then(async (connection) => {
        if (!connection || stopped) return;
        writer = new InfluxWriter({
          redis,
          connector,
          prefix: config.REDIS_PREFIX,
          influx: connection,
          rejections,
          batchSize: config.INFLUX_BATCH_SIZE,
          flushIntervalMs: config.INFLUX_FLUSH_INTERVAL_MS,
          minBatchIntervalMs: config.INFLUX_MIN_BATCH_INTERVAL_MS,
          onWritten: detectionQueue.onWritten,
          consumer: workerId,
          claimIdleMs: config.WORKER_TAKEOVER_MS,
          logger: logger.child({ part: 'writer' }),
          onWriteRequest: (seconds, outcome) => metrics.influxWriteDuration.observe({ outcome }, seconds),
        });
        await writer.start();
        logger.info('telemetry writer started');
      });
      // After the broker stopped accepting, the writer drains the journal to InfluxDB (leaving
      // the later stages their share of the deadline); a worker-only process just finishes its
      // batches in flight, as brokers elsewhere keep appending.
      const drains = has(role, 'broker');
      shutdown.add('drain', 'writer', async (deadlineAt) => {
        // InfluxDB never answered: no writer was started (and none will be, see `stopped`).
        if (!influx) return;
        await writerStarted.catch(() => undefined);
        await writer?.stop(drains ? { drainUntil: deadlineAt - DRAIN_RESERVE_MS } : {});
        if (drains && writer) {
          const left = (await writer.stats().catch(() => undefined))?.pending;
          if (left) logger.warn({ publishes: left }, 'shutdown: publishes left in the journal; they are written at the next start');
          else if (left === 0) logger.info('shutdown: the journal is written to InfluxDB');
        }
      });
      writerStarted.catch((error: unknown) => logger.error({ err: error }, 'telemetry writer failed to start'));
    }

    if (has(role, 'api')) {
      const revoke = (clientId: string): void => void redis.publish(revokedChannel, clientId).catch((error: unknown) => logger.warn({ err: error, clientId }, 'could not announce revoked MQTT credentials'));
      devices.onRevoked(revoke);
      if (config.MQTT_EXTERNAL_DYNSEC) {
        // Provisioning, rotation and revocation happen here: they are mirrored into Mosquitto.
        const dynsec = new MosquittoDynsec(externalIngestOptionsFromConfig(config), logger.child({ part: 'dynsec' }));
        await dynsec.start();
        shutdown.add('connections', 'dynsec', () => dynsec.stop());
        devices.mirrorCredentialsTo(dynsec);
      }
      const ctx: AppContext = {
        config,
        logger,
        db: db,
        redis,
        models,
        devices: devices,
        telemetry: new TelemetryReader(() => influx),
        rejections,
        ticketEvents,
        notifier,
        mqttSessions: { revoke },
        secrets: secrets!,
        metrics,
      };
      const app = await buildApp(ctx, { logger: logger.child({ part: 'http' }) });
      addresses.http = await app.listen({ host: config.HOST, port: config.PORT });
      shutdown.add('intake', 'http', () => app.close());
      logger.info({ url: addresses.http, docs: `${addresses.http}/docs` }, 'api listening');
    } else {
      // No API in this role: a small listener serves /metrics (loopback unless configured).
      const server = await startMetricsServer({ metrics, host: config.METRICS_HOST, port: config.METRICS_PORT, token: config.METRICS_TOKEN });
      shutdown.add('connections', 'metrics', () => server.close());
      addresses.metrics = server.port;
      logger.info({ host: config.METRICS_HOST, port: server.port }, 'metrics listening');
    }

    return {
      role,
      addresses,
      broker,
      external,
      detection,
      ...(has(role, 'worker') ? { workerId } : {}),
      metrics,
      get writer() {
        return writer;
      },
      stop,
      pendingParts: () => shutdown.pending,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
