/**
 * The composition root: builds the parts a role needs, starts them, and stops them in the
 * right order. Roles: `all` (default) = broker + ingest writer + detection + API; `broker` = MQTT
 * edge and journal; `worker` = journal → InfluxDB writer → detection jobs (BullMQ) → detection
 * worker → auto-tickets; `api` = REST API.
 */
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Config, Role } from './config.js';
import { openDatabase } from './db/database.js';
import { migrate } from './db/migrations.js';
import type { Logger } from './logger.js';
import type { AppContext } from './context.js';
import { buildApp } from './http/app.js';
import { ModelRegistry } from '../models/models.registry.js';
import { DevicesService } from '../devices/devices.service.js';
import { TelemetryBroker, brokerOptionsFromConfig } from '../broker/broker.js';
import { connectInflux, influxOptionsFromConfig, type InfluxConnection } from '../influx/influx.connection.js';
import { RejectionLog } from '../ingest/rejection-log.js';
import { TelemetryJournal } from '../ingest/telemetry-journal.js';
import { IngestService } from '../ingest/ingest.service.js';
import { InfluxWriter } from '../ingest/influx-writer.js';
import { TelemetryReader } from '../ingest/telemetry.reader.js';
import { AutoTicketService } from '../autotickets/autotickets.service.js';
import { DetectionQueue } from '../pipeline/detection.queue.js';
import { DetectionWorker } from '../pipeline/detection.worker.js';
import { SilenceSweep } from '../pipeline/silence.sweep.js';
import { backgroundTasks } from './background-tasks.js';
import { Notifier } from '../notifications/notifier.js';
import { TechnicianLocationService } from '../technicians/technician-location.service.js';
import { StockService } from '../stock/stock.service.js';
import { DispatchService } from '../dispatch/dispatch.service.js';
import type { BackgroundDeps } from './background.js';
import { TicketEvents } from '../delivery/ticket-events.js';
import { WebhookQueue } from '../delivery/webhooks.queue.js';
import { WebhooksWorker } from '../delivery/webhooks.worker.js';
import { journalBacklog } from '../ingest/telemetry-journal.js';
import { PlatformMetrics } from './metrics/metrics.js';
import { startMetricsServer } from './metrics/metrics.server.js';
import { CommandsService } from '../commands/commands.service.js';
import { RedisCommandBus } from '../commands/command-channels.js';
import { CommandResultsIngest } from '../commands/command-results.ingest.js';
import { CommandDispatcher, allOf, type CommandPublisher } from '../commands/command-dispatcher.js';
import { ExternalIngest, externalIngestOptionsFromConfig } from '../external-broker/external-ingest.js';
import { MosquittoDynsec } from '../external-broker/mosquitto-dynsec.js';

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
  /** This process's Prometheus metrics (served at the API's /metrics, or the metrics listener). */
  readonly metrics: PlatformMetrics;
  /** Graceful stop: stop accepting, flush what is in flight, close queues and database. */
  stop(): Promise<void>;
}

const has = (role: Role, part: Exclude<Role, 'all'>) => role === 'all' || role === part;

export async function startPlatform(config: Config, logger: Logger): Promise<RunningPlatform> {
  const role = config.TELEMEND_ROLE;
  const closers: Array<{ name: string; close: () => Promise<unknown> }> = [];
  let stopped = false;
  const stop = async () => {
    stopped = true;
    for (const { name, close } of closers.reverse()) {
      try {
        await close();
        logger.debug({ part: name }, 'stopped');
      } catch (error) {
        logger.error({ err: error, part: name }, 'error while stopping');
      }
    }
    closers.length = 0;
  };

  try {
    const models = await ModelRegistry.fromDirectory(config.DEVICES_DIR);
    logger.info({ models: models.list().map((m) => m.id) }, 'equipment models loaded');

    const redisOptions = { lazyConnect: false, maxRetriesPerRequest: 3, connectionName: `telemend-${role}` };
    const redis = new Redis(config.REDIS_URL, redisOptions);
    redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
    closers.push({ name: 'redis', close: () => redis.quit() });
    const metrics = new PlatformMetrics();
    metrics.use({ journal: () => journalBacklog(redis, config.REDIS_PREFIX) });

    const rejections = new RejectionLog(redis, {
      prefix: config.REDIS_PREFIX,
      maxEntries: config.REJECTION_LOG_SIZE,
      logger,
    });

    // Every role needs the database: the broker authenticates devices, the API serves it and the
    // worker's detection opens tickets.
    // The embedded database runs in a worker thread: its WebAssembly must not hold the broker's acks.
    const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, thread: true });
    closers.push({ name: 'database', close: () => db.close() });
    const applied = await migrate(db);
    if (applied.length) logger.info({ applied }, 'database migrated');
    await models.sync(db);
    const devices = new DevicesService(db, logger);
    logger.info({ driver: db.driver }, 'database ready');

    // InfluxDB may be down at start: the broker still journals, the writer starts once it
    // answers, and telemetry reads answer 503 until then.
    let influx: InfluxConnection | undefined;
    let influxReady: Promise<InfluxConnection | undefined> = Promise.resolve(undefined);
    if (has(role, 'worker') || has(role, 'api')) {
      influxReady = connectInfluxWithRetry(config, logger, () => stopped).then((connection) => {
        influx = connection;
        if (connection) closers.push({ name: 'influx', close: () => connection.close() });
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
      const journal = new TelemetryJournal({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX, logger });
      closers.push({ name: 'journal', close: () => journal.close() });
      const ingest = new IngestService({ models, journal, rejections, maxFutureMs: config.TELEMETRY_MAX_FUTURE_MS });
      metrics.use({ ingest: () => ingest.stats() });
      const commands = new CommandsService(db, models, new RedisCommandBus(redis, config.REDIS_PREFIX, logger));
      const commandResults = new CommandResultsIngest(commands, rejections, logger.child({ part: 'commands' }));
      const publishers: CommandPublisher[] = [];
      if (config.MQTT_EMBEDDED) {
        const embedded = new TelemetryBroker({
          options: brokerOptionsFromConfig(config),
          // Devices, and technicians' mobile apps publishing their location (technicians/{id}/location).
          authenticator: { authenticate: (id, token) => devices.authenticate(id, token), technicians: new TechnicianLocationService(db, { rejections }) },
          presence: devices,
          ingest,
          commandResults,
          logger: logger.child({ part: 'broker' }),
        });
        broker = embedded;
        const ports = await embedded.start();
        closers.push({ name: 'broker', close: () => embedded.stop() });
        addresses.mqtt = ports.port;
        addresses.mqttWs = ports.wsPort;
        addresses.mqttTls = ports.tlsPort;
        publishers.push(embedded);
        logger.info({ port: ports.port, host: config.MQTT_HOST, wsPort: ports.wsPort, tlsPort: ports.tlsPort }, 'mqtt broker listening');
      }
      if (config.MQTT_EXTERNAL_URL) {
        const client = new ExternalIngest({
          options: externalIngestOptionsFromConfig(config),
          ingest,
          commandResults,
          identify: (id) => devices.identify(id),
          presence: devices,
          logger: logger.child({ part: 'external-broker' }),
        });
        external = client;
        closers.push({ name: 'external-broker', close: () => client.stop() });
        await client.start();
        publishers.push(client);
      }
      const dispatcher = new CommandDispatcher({ redis, prefix: config.REDIS_PREFIX, publisher: allOf(publishers), commands, logger: logger.child({ part: 'commands' }) });
      await dispatcher.start();
      closers.push({ name: 'command-dispatch', close: () => dispatcher.stop() });
      // Revocations may come from an API process elsewhere: they travel over Redis pub/sub.
      const subscriber = redis.duplicate();
      closers.push({ name: 'revocations', close: () => subscriber.quit() });
      await subscriber.subscribe(revokedChannel);
      subscriber.on('message', (_channel, clientId: string) => {
        external?.forget(clientId);
        void broker?.disconnectClient(clientId);
      });
    }

    // Ticket events: published on Redis pub/sub (SSE in every API process) and queued as webhook
    // deliveries; the worker role POSTs them.
    const webhookQueue = new WebhookQueue({ db, connection: redis, prefix: config.REDIS_PREFIX });
    closers.push({ name: 'webhook-queue', close: () => webhookQueue.close() });
    const ticketEvents = new TicketEvents({ redis, prefix: config.REDIS_PREFIX, sinks: [webhookQueue, metrics.ticketSink], logger });
    // Notifications are written to the outbox in the callers' transactions; the worker sends them.
    const notifier = new Notifier();

    let writer: InfluxWriter | undefined;
    let detection: DetectionWorker | undefined;
    if (has(role, 'worker')) {
      // Unique per process (several workers may share a host): the journal consumer and the
      // detection jobs' processedBy.
      const workerName = `${hostname()}:${process.pid}`;
      const webhooks = new WebhooksWorker({ db, redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX, logger: logger.child({ part: 'webhooks' }) });
      closers.push({ name: 'webhooks', close: () => webhooks.stop() });
      await webhooks.start();

      // Detection: the writer hands each written batch to the shard queues (one job per shard);
      // the detection worker consumes them. Stopped after the writer (closers run in reverse).
      const detectionQueue = new DetectionQueue({ connection: redis, prefix: config.REDIS_PREFIX, shards: config.DETECTION_SHARDS });
      closers.push({ name: 'detection-queue', close: () => detectionQueue.close() });
      metrics.use({ detection: () => detectionQueue.backlog(), writer: async () => writer?.stats() });
      detection = new DetectionWorker({
        redisUrl: config.REDIS_URL,
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
        name: workerName,
      });
      const detectionWorker = detection;
      closers.push({ name: 'detection', close: () => detectionWorker.stop() });
      await detectionWorker.start();
      if (config.SILENCE_SWEEP_INTERVAL_MS > 0) {
        const sweep = new SilenceSweep({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX, db, logger: logger.child({ part: 'silence-sweep' }), intervalMs: config.SILENCE_SWEEP_INTERVAL_MS, shards: config.DETECTION_SHARDS });
        closers.push({ name: 'silence-sweep', close: () => sweep.stop() });
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
        prefix: config.REDIS_PREFIX,
        models,
        telemetry: new TelemetryReader(() => influx),
        influx: () => influx,
        ticketEvents,
        notifier,
      };
      for (const factory of backgroundTasks(config)) {
        const task = factory(deps);
        closers.push({ name: task.name, close: () => task.stop() });
        await task.start();
        logger.debug({ task: task.name }, 'background task started');
      }

      const writerStarted = influxReady.then(async (connection) => {
        if (!connection || stopped) return;
        writer = new InfluxWriter({
          redis,
          redisUrl: config.REDIS_URL,
          prefix: config.REDIS_PREFIX,
          influx: connection,
          rejections,
          batchSize: config.INFLUX_BATCH_SIZE,
          flushIntervalMs: config.INFLUX_FLUSH_INTERVAL_MS,
          minBatchIntervalMs: config.INFLUX_MIN_BATCH_INTERVAL_MS,
          onWritten: detectionQueue.onWritten,
          consumer: workerName,
          claimIdleMs: config.WORKER_TAKEOVER_MS,
          logger: logger.child({ part: 'writer' }),
          onWriteRequest: (seconds, outcome) => metrics.influxWriteDuration.observe({ outcome }, seconds),
        });
        await writer.start();
        logger.info('telemetry writer started');
      });
      closers.push({
        name: 'writer',
        close: async () => {
          await writerStarted.catch(() => undefined);
          await writer?.stop();
        },
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
        closers.push({ name: 'dynsec', close: () => dynsec.stop() });
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
        metrics,
      };
      const app = await buildApp(ctx, { logger: logger.child({ part: 'http' }) });
      addresses.http = await app.listen({ host: config.HOST, port: config.PORT });
      closers.push({ name: 'http', close: () => app.close() });
      logger.info({ url: addresses.http, docs: `${addresses.http}/docs` }, 'api listening');
    } else {
      // No API in this role: a small listener serves /metrics (loopback unless configured).
      const server = await startMetricsServer({ metrics, host: config.METRICS_HOST, port: config.METRICS_PORT, token: config.METRICS_TOKEN });
      closers.push({ name: 'metrics', close: () => server.close() });
      addresses.metrics = server.port;
      logger.info({ host: config.METRICS_HOST, port: server.port }, 'metrics listening');
    }

    return {
      role,
      addresses,
      broker,
      external,
      detection,
      metrics,
      get writer() {
        return writer;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Connects to InfluxDB and creates the database, retrying with backoff until it works or the platform stops. */
async function connectInfluxWithRetry(config: Config, logger: Logger, stopped: () => boolean): Promise<InfluxConnection | undefined> {
  let delay = 500;
  for (let attempt = 1; !stopped(); attempt++) {
    try {
      const connection = await connectInflux({ ...influxOptionsFromConfig(config), logger });
      await connection.ensureDatabase();
      logger.info({ url: config.INFLUX_URL, version: connection.version, database: config.INFLUX_DATABASE }, 'influxdb ready');
      return connection;
    } catch (error) {
      if (attempt === 1 || attempt % 10 === 0) {
        logger.warn({ err: (error as Error).message, url: config.INFLUX_URL, attempt }, 'InfluxDB unavailable; telemetry stays in the journal, retrying');
      }
      await new Promise((r) => setTimeout(r, delay).unref());
      delay = Math.min(delay * 2, 10_000);
    }
  }
  return undefined;
}
