/**
 * Options of the embedded MQTT broker, validated once and frozen. Each option documents its
 * default (the value `brokerOptionsFromConfig` gets from src/kernel/config.ts when the
 * variable is unset).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Config } from '../../kernel/config.js';
import type { DevicePresence, MqttAuthenticator } from '../devices/devices.types.js';
import type { CommandResultsPort } from '../commands/command-results.ingest.js';
import type { TelemetryIngest } from '../ingest/ingest.types.js';
import type { Logger } from '../../kernel/logger.js';
import type { RedisConnector } from '../../kernel/redis.js';

/**
 * Aedes (through qlobber) cannot route topics of more than 100 levels; a larger limit
 * would be accepted by our hooks and then throw inside the router.
 */
export const MAX_TOPIC_LEVELS_CEILING = 100;

export interface BrokerOptions {
  /** Interface every listener binds to. Default `127.0.0.1` (MQTT_HOST). */
  readonly host: string;
  /** MQTT over TCP port; 0 picks a free port. Default 1883 (MQTT_PORT). */
  readonly port: number;
  /** MQTT over WebSocket port; 0 = no WebSocket listener. Default 0 (MQTT_WS_PORT). */
  readonly wsPort: number;
  /** MQTT over TLS port; 0 = no TLS listener. Default 0 (MQTT_TLS_PORT). */
  readonly tlsPort: number;
  /** PEM certificate file, required when tlsPort > 0 (MQTT_TLS_CERT). */
  readonly tlsCert?: string;
  /** PEM private key file, required when tlsPort > 0 (MQTT_TLS_KEY). */
  readonly tlsKey?: string;
  /**
   * Largest MQTT packet, in bytes, counting the fixed header (like MQTT 5 "Maximum Packet
   * Size"). A larger packet closes the connection as soon as its fixed header is read.
   * Default 65536 (MQTT_MAX_PACKET_SIZE).
   */
  readonly maxPacketSize: number;
  /**
   * The server's keep-alive, in seconds: a client asking for 0 (none) or more gets this one and
   * is disconnected after 1.5 × it without a packet. Default 3600.
   */
  readonly keepaliveLimit: number;
  /** Most levels a topic or topic filter may have (at most 100). Default 8. */
  readonly maxTopicLevels: number;
  /** A connection must send CONNECT within this many milliseconds. Default 10000. */
  readonly connectTimeoutMs: number;
  /**
   * Connections per client IP per minute, over all listeners, that do not authenticate as a
   * device or technician (those are not counted). Default 600.
   */
  readonly connectionsPerMinute: number;
  /** Readings one device may publish per second on average; 0 = no quota. Default 0 here, 1000 from the config (MQTT_PUBLISH_RATE). */
  readonly publishRate?: number;
  /** Readings a device may publish at once above publishRate. Default 10000 (MQTT_PUBLISH_BURST). */
  readonly publishBurst?: number;
  /** Lab mode: anonymous clients may use topics outside `devices/` and `$SYS/`. Default false. */
  readonly allowAnonymous: boolean;
  /** How often last-seen stamps are flushed to DevicePresence.seen, in ms. Default 5000. */
  readonly presenceFlushMs?: number;
  /**
   * Several broker processes as one: message routing over Redis pub/sub (mqemitter-redis) and
   * sessions, subscriptions and retained messages in Redis (aedes-persistence-redis), at this
   * Redis URL. Unset: one standalone broker (state in memory). Default unset (MQTT_CLUSTER=off).
   */
  readonly clusterRedisUrl?: string;
}

export interface BrokerDeps {
  readonly options: BrokerOptions;
  readonly authenticator: MqttAuthenticator;
  readonly presence: DevicePresence;
  readonly ingest: TelemetryIngest;
  /** Devices' answers on devices/{id}/command-results; absent = acknowledged and dropped. */
  readonly commandResults?: CommandResultsPort;
  readonly logger: Logger;
  /** Makes the cluster mode's Redis connections (the platform's outage-logging factory). */
  readonly redis?: RedisConnector;
}

export const DEFAULT_PRESENCE_FLUSH_MS = 5000;

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();

export const brokerOptionsSchema = z
  .object({
    host: z.string().min(1),
    port,
    wsPort: port,
    tlsPort: port,
    tlsCert: z.string().min(1).optional(),
    tlsKey: z.string().min(1).optional(),
    // 268435455 + 5 = largest packet MQTT 3.1.1 can encode.
    maxPacketSize: positiveInt.min(64).max(268_435_460),
    keepaliveLimit: positiveInt.max(65535),
    maxTopicLevels: positiveInt.max(MAX_TOPIC_LEVELS_CEILING),
    connectTimeoutMs: positiveInt,
    connectionsPerMinute: positiveInt,
    publishRate: z.number().int().min(0).default(0),
    publishBurst: positiveInt.default(10_000),
    allowAnonymous: z.boolean(),
    presenceFlushMs: positiveInt.default(DEFAULT_PRESENCE_FLUSH_MS),
    clusterRedisUrl: z.string().min(1).optional(),
  })
  .refine((o) => o.tlsPort === 0 || (o.tlsCert !== undefined && o.tlsKey !== undefined), {
    message: 'tlsPort needs tlsCert and tlsKey',
    path: ['tlsPort'],
  });

export type ResolvedBrokerOptions = Readonly<z.infer<typeof brokerOptionsSchema>>;

export class BrokerOptionsError extends Error {
  readonly code = 'BROKER_OPTIONS_INVALID';
  constructor(readonly issues: readonly string[]) {
    super(`Invalid broker options: ${issues.join('; ')}`);
    this.name = 'BrokerOptionsError';
  }
}

/** Validates the options once; throws BrokerOptionsError naming every bad option. */
export function resolveBrokerOptions(options: BrokerOptions): ResolvedBrokerOptions {
  const parsed = brokerOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new BrokerOptionsError(parsed.error.issues.map((i) => `${i.path.join('.') || '?'}: ${i.message}`));
  }
  return Object.freeze(parsed.data);
}

/** Maps the MQTT_* variables of the configuration onto broker options. */
export function brokerOptionsFromConfig(config: Config): BrokerOptions {
  return {
    host: config.MQTT_HOST,
    port: config.MQTT_PORT,
    wsPort: config.MQTT_WS_PORT,
    tlsPort: config.MQTT_TLS_PORT,
    ...(config.MQTT_TLS_CERT !== undefined ? { tlsCert: config.MQTT_TLS_CERT } : {}),
    ...(config.MQTT_TLS_KEY !== undefined ? { tlsKey: config.MQTT_TLS_KEY } : {}),
    maxPacketSize: config.MQTT_MAX_PACKET_SIZE,
    keepaliveLimit: config.MQTT_KEEPALIVE_LIMIT,
    maxTopicLevels: Math.min(config.MQTT_MAX_TOPIC_LEVELS, MAX_TOPIC_LEVELS_CEILING),
    connectTimeoutMs: config.MQTT_CONNECT_TIMEOUT_MS,
    connectionsPerMinute: config.MQTT_CONNECTIONS_PER_MINUTE,
    publishRate: config.MQTT_PUBLISH_RATE,
    publishBurst: config.MQTT_PUBLISH_BURST,
    allowAnonymous: config.MQTT_ALLOW_ANONYMOUS,
    presenceFlushMs: DEFAULT_PRESENCE_FLUSH_MS,
    ...(config.MQTT_CLUSTER === 'redis' ? { clusterRedisUrl: config.REDIS_URL } : {}),
  };
}

/** Reads the TLS certificate and key files (only when the TLS listener is on). */
export function readTlsFiles(options: ResolvedBrokerOptions): { cert: Buffer; key: Buffer } {
  if (!options.tlsCert || !options.tlsKey) throw new BrokerOptionsError(['tlsPort: needs tlsCert and tlsKey']);
  return { cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey) };
}
