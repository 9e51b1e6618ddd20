/**
 * The broker role: MQTT intake (the embedded Aedes broker and/or an external broker's shared
 * subscriptions), validation, the Redis journal, device presence, and commands to devices.
 */
import { brokerOptionsFromConfig, TelemetryBroker } from '../../telemetry/broker/broker.js';
import { CommandDispatcher, allOf, type CommandPublisher } from '../../telemetry/commands/command-dispatcher.js';
import { CommandResultsIngest } from '../../telemetry/commands/command-results.ingest.js';
import { ExternalIngest, externalIngestOptionsFromConfig } from '../../telemetry/external-broker/external-ingest.js';
import { IngestService } from '../../telemetry/ingest/ingest.service.js';
import { TelemetryJournal } from '../../telemetry/journal/telemetry-journal.js';
import type { Infrastructure } from './infrastructure.js';

export interface RunningBroker {
  readonly broker?: TelemetryBroker | undefined;
  readonly external?: ExternalIngest | undefined;
  readonly ports: { mqtt?: number; mqttWs?: number; mqttTls?: number };
}

export async function startBroker(infra: Infrastructure): Promise<RunningBroker> {
  const { config, logger, connector, redis, models, devices, rejections, metrics, shutdown } = infra;
  const journal = new TelemetryJournal({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX, logger, connector });
  const ingest = new IngestService({ models, journal, rejections, maxFutureMs: config.TELEMETRY_MAX_FUTURE_MS });
  metrics.use({ ingest: () => ingest.stats() });
  const { locations, commands } = infra.modules.services;
  const commandResults = new CommandResultsIngest(commands, rejections, logger.child({ part: 'commands' }));
  const publishers: CommandPublisher[] = [];
  let broker: TelemetryBroker | undefined;
  let external: ExternalIngest | undefined;
  if (config.MQTT_EMBEDDED) {
    broker = new TelemetryBroker({
      options: brokerOptionsFromConfig(config),
      // Devices, and technicians' mobile apps publishing their location (technicians/{id}/location).
      authenticator: { authenticate: (id, token) => devices.authenticate(id, token), technicians: locations },
      presence: devices,
      ingest,
      commandResults,
      logger: logger.child({ part: 'broker' }),
      redis: connector,
    });
    publishers.push(broker);
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
  shutdown.add('intake', 'broker', async () => {
    await Promise.all([broker?.stop(), external?.stop()]);
    await journal.close();
    await connector.close(subscriber);
  });
  const ports: RunningBroker['ports'] = {};
  if (broker) {
    const started = await broker.start();
    Object.assign(ports, { mqtt: started.port, mqttWs: started.wsPort, mqttTls: started.tlsPort });
    logger.info({ port: started.port, host: config.MQTT_HOST, wsPort: started.wsPort, tlsPort: started.tlsPort }, 'mqtt broker listening');
  }
  if (external) await external.start();
  const dispatcher = new CommandDispatcher({
    redis,
    connector,
    prefix: config.REDIS_PREFIX,
    publisher: allOf(publishers),
    commands,
    logger: logger.child({ part: 'commands' }),
  });
  await dispatcher.start();
  shutdown.add('consumers', 'command-dispatch', () => dispatcher.stop());
  // Revocations may come from an API process elsewhere: they travel over Redis pub/sub.
  await subscriber.subscribe(infra.revokedChannel);
  subscriber.on('message', (_channel, clientId: string) => {
    external?.forget(clientId);
    void broker?.disconnectClient(clientId);
  });
  return { broker, external, ports };
}
