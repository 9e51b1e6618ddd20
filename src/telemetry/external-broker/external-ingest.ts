/**
 * Ingest from an external MQTT 5 broker (EMQX, HiveMQ, VerneMQ, Mosquitto 2). Each broker-role
 * process opens `connections` sessions with stable client ids and subscribes them to
 * `$share/<group>/devices/+/{telemetry,events,status,command-results}`, so the broker spreads the
 * device flow over every connection of every process.
 *
 * Acknowledgement is manual (mqtt.js `customHandleAcks`): the PUBACK for a QoS 1 message goes out
 * only once the journal holds it (or the rejection log, for a bad payload). A process killed
 * before that leaves the message unacknowledged in its session at the broker, which sends it
 * again when that client id reconnects [MQTT-4.4.0-1]; hence stable client ids and
 * `clean: false` with a session expiry. When the journal is down the connection is closed without
 * acknowledging, and reopened.
 *
 * mqtt.js handles one incoming packet at a time per connection (the next is read once the
 * callback ran), so one connection ingests about 1 / (journal round trip) messages per second;
 * several connections per process run in parallel and share group commits in the journal.
 *
 * The external broker authenticates devices and enforces their topics (Telemend's HTTP hooks or
 * Mosquitto's dynamic security), so the device id is taken from the topic; a publish of a device
 * Telemend does not know (revoked meanwhile) is acknowledged and counted, never ingested.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { CommandPublishOptions, CommandPublisher } from '../commands/command-dispatcher.js';
import type { CommandResultsPort } from '../commands/command-results.ingest.js';
import type { DeviceIdentity, DevicePresence } from '../devices/devices.types.js';
import type { TelemetryIngest } from '../ingest/ingest.types.js';
import type { Config } from '../../kernel/config.js';
import type { Logger } from '../../kernel/logger.js';
import { PresenceTracker } from '../broker/presence-tracker.js';
import { DEVICE_ID_PATTERN, commandsTopic } from '../broker/topic-policy.js';

export const EXTERNAL_CHANNELS = ['telemetry', 'events', 'status', 'command-results'] as const;
type ExternalChannel = (typeof EXTERNAL_CHANNELS)[number];
const TOPIC = /^devices\/([^/]+)\/(telemetry|events|status|command-results)$/;

/** MQTT 5 PUBACK reason code: success [MQTT-3.4.2.1]. */
const SUCCESS = 0;
/** How long a device identity (or its absence) is cached; revocations evict it at once (forget). */
const IDENTITY_TTL_MS = 60_000;
const UNKNOWN_TTL_MS = 5_000;

export interface ExternalIngestOptions {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly ca?: Buffer | undefined;
  readonly cert?: Buffer | undefined;
  readonly key?: Buffer | undefined;
  readonly shareGroup: string;
  readonly clientId: string;
  readonly connections: number;
  readonly sessionExpirySeconds: number;
  /** Milliseconds between reconnection attempts. Default 1000. */
  readonly reconnectPeriodMs?: number;
}

export interface ExternalIngestDeps {
  readonly options: ExternalIngestOptions;
  readonly ingest: TelemetryIngest;
  readonly commandResults?: CommandResultsPort | undefined;
  /** The identity of an active device, without a token (the external broker checked it). */
  readonly identify: (deviceId: string) => Promise<DeviceIdentity | null>;
  readonly presence: DevicePresence;
  readonly logger: Logger;
}

export interface ExternalIngestStats {
  accepted: number;
  rejected: number;
  unknownDevice: number;
  journalErrors: number;
  reconnects: number;
}

export function externalIngestOptionsFromConfig(config: Config): ExternalIngestOptions {
  const read = (file: string | undefined) => (file ? readFileSync(file) : undefined);
  return {
    url: config.MQTT_EXTERNAL_URL!,
    username: config.MQTT_EXTERNAL_USERNAME,
    password: config.MQTT_EXTERNAL_PASSWORD,
    ca: read(config.MQTT_EXTERNAL_CA_FILE),
    cert: read(config.MQTT_EXTERNAL_CERT_FILE),
    key: read(config.MQTT_EXTERNAL_KEY_FILE),
    shareGroup: config.MQTT_EXTERNAL_SHARE_GROUP,
    clientId: config.MQTT_EXTERNAL_CLIENT_ID ?? `telemend-ingest-${hostname()}`.replace(/[^A-Za-z0-9._:-]/g, '-'),
    connections: config.MQTT_EXTERNAL_CONNECTIONS,
    sessionExpirySeconds: config.MQTT_EXTERNAL_SESSION_EXPIRY_SECONDS,
  };
}

/** The shared-subscription filters of a group. */
export function sharedFilters(group: string): string[] {
  return EXTERNAL_CHANNELS.map((channel) => `$share/${group}/devices/+/${channel}`);
}

type AckDone = (error: Error | number, code?: number) => void;

export class ExternalIngest implements CommandPublisher {
  private readonly clients: MqttClient[] = [];
  private readonly presence: PresenceTracker;
  private readonly identities = new Map<string, { identity: DeviceIdentity | null; until: number }>();
  private readonly counters: ExternalIngestStats = { accepted: 0, rejected: 0, unknownDevice: 0, journalErrors: 0, reconnects: 0 };
  private next = 0;
  private stopping = false;

  constructor(private readonly deps: ExternalIngestDeps) {
    this.presence = new PresenceTracker(deps.presence, deps.logger, 5000);
  }

  /** Connects every session and subscribes it; resolves once all are subscribed. */
  async start(): Promise<void> {
    const { options } = this.deps;
    this.presence.start();
    const ready: Promise<void>[] = [];
    for (let n = 0; n < options.connections; n++) ready.push(this.open(`${options.clientId}-${n}`));
    await Promise.all(ready);
    this.deps.logger.info({ url: options.url, group: options.shareGroup, connections: options.connections }, 'external broker: ingest subscribed');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // end(false) lets the PUBACKs being written go out first; unacknowledged messages stay in the
    // sessions for this process's next start (or another process after the session expired).
    await Promise.all(this.clients.map((client) => new Promise<void>((resolve) => client.end(false, {}, () => resolve()))));
    await this.presence.stop();
  }

  /** A revoked or rotated device: drop its cached identity so its next publish is checked again. */
  forget(deviceId: string): void {
    this.identities.delete(deviceId);
  }

  stats(): ExternalIngestStats {
    return { ...this.counters };
  }

  /** Publishes a command with QoS 1 and MQTT 5 expiry / correlation properties; resolves on the broker's PUBACK. */
  publishCommand(deviceId: string, payload: Buffer, options: CommandPublishOptions): Promise<void> {
    if (!DEVICE_ID_PATTERN.test(deviceId)) return Promise.reject(new Error(`invalid device id: ${deviceId.slice(0, 64)}`));
    const client = this.clients[this.next++ % this.clients.length];
    if (!client) return Promise.reject(new Error('external broker client not started'));
    return new Promise((resolve, reject) =>
      client.publish(
        commandsTopic(deviceId),
        payload,
        {
          qos: 1,
          properties: {
            messageExpiryInterval: options.expirySeconds,
            correlationData: Buffer.from(options.correlationId),
            responseTopic: options.responseTopic,
            contentType: 'application/json',
          },
        },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  }

  private open(clientId: string): Promise<void> {
    const { options, logger } = this.deps;
    const clientOptions: IClientOptions = {
      protocolVersion: 5,
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: options.sessionExpirySeconds },
      reconnectPeriod: options.reconnectPeriodMs ?? 1000,
      connectTimeout: 10_000,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.cert ? { cert: options.cert } : {}),
      ...(options.key ? { key: options.key } : {}),
      customHandleAcks: (topic: string, message: Buffer, _packet: unknown, done: AckDone) => this.handle(client, topic, message, done),
    };
    const client = mqtt.connect(options.url, clientOptions);
    this.clients.push(client);
    client.on('error', (error) => logger.warn({ err: error.message, clientId }, 'external broker: connection error'));
    client.on('reconnect', () => (this.counters.reconnects += 1));
    return new Promise<void>((resolve, reject) => {
      let first = true;
      client.on('connect', (connack) => {
        // A resumed session keeps its subscriptions; subscribing again is harmless and covers a new one.
        client.subscribe(sharedFilters(options.shareGroup), { qos: 1 }, (error, granted) => {
          const refused = granted?.filter((g) => g.qos > 2) ?? [];
          if (error || refused.length) {
            const failure = error ?? new Error(`external broker refused ${refused.map((g) => g.topic).join(', ')} (check the ingest account's rights)`);
            logger.error({ err: failure.message, clientId }, 'external broker: subscribe failed');
            if (first) reject(failure);
            return;
          }
          logger.debug({ clientId, sessionPresent: connack.sessionPresent }, 'external broker: subscribed');
          if (first) resolve();
          first = false;
        });
      });
      client.once('error', (error) => first && reject(error));
    });
  }

  /** One message from the broker: acknowledged (done(0)) only once ingest holds it. */
  private handle(client: MqttClient, topic: string, payload: Buffer, done: AckDone): void {
    const match = TOPIC.exec(topic);
    const deviceId = match?.[1];
    if (!match || !deviceId || !DEVICE_ID_PATTERN.test(deviceId)) {
      this.counters.rejected += 1;
      return done(SUCCESS);
    }
    const channel = match[2] as ExternalChannel;
    this.process(deviceId, channel, payload).then(
      (ok) => {
        if (ok === null) this.counters.unknownDevice += 1;
        else if (ok) this.counters.accepted += 1;
        else this.counters.rejected += 1;
        done(SUCCESS);
      },
      (error: unknown) => {
        this.counters.journalErrors += 1;
        this.deps.logger.warn({ err: error, deviceId }, 'external broker: journal unavailable, closing without acknowledging');
        // No PUBACK: the broker sends the message again on the resumed session.
        if (!this.stopping) client.end(true, {}, () => client.reconnect());
      },
    );
  }

  /** true = taken, false = rejected (recorded), null = unknown device. Rejects when the store is down. */
  private async process(deviceId: string, channel: ExternalChannel, payload: Buffer): Promise<boolean | null> {
    const identity = await this.identityOf(deviceId);
    if (!identity) return null;
    switch (channel) {
      case 'status': {
        const value = payload.toString('utf8');
        if (value === 'online') this.presence.connected(deviceId);
        else if (value === 'offline') this.presence.disconnected(deviceId);
        return value === 'online' || value === 'offline';
      }
      case 'command-results':
        this.presence.seen(deviceId);
        return this.deps.commandResults ? (await this.deps.commandResults.accept(identity, payload)).ok : false;
      default: {
        this.presence.seen(deviceId);
        return (await this.deps.ingest.accept(identity, channel, payload)).ok;
      }
    }
  }

  private async identityOf(deviceId: string): Promise<DeviceIdentity | null> {
    const now = Date.now();
    const cached = this.identities.get(deviceId);
    if (cached && cached.until > now) return cached.identity;
    const identity = await this.deps.identify(deviceId);
    this.identities.set(deviceId, { identity, until: now + (identity ? IDENTITY_TTL_MS : UNKNOWN_TTL_MS) });
    return identity;
  }
}
