/**
 * Counters the broker exposes through `TelemetryBroker.stats()`, and a log throttle so a
 * misbehaving device is logged once per reason per minute instead of once per packet.
 */
import type { Logger } from '../../kernel/logger.js';
import { PUBLISH_REFUSALS, SUBSCRIBE_REFUSALS, type PublishRefusal, type SubscribeRefusal } from './topic-policy.js';

export const CONNECT_REFUSALS = [
  /** Credentials well-formed but the authenticator said no (unknown, wrong token, revoked). */
  'bad_credentials',
  /** Username or password missing, malformed or not a valid device id. */
  'malformed_credentials',
  /** No credentials and lab mode is off. */
  'no_credentials',
  /** Client id differs from the device id. */
  'client_id_mismatch',
  /** Empty client id with CleanSession = 0 [MQTT-3.1.3-8]. */
  'empty_client_id',
  /** The authenticator threw (database down). */
  'server_unavailable',
  /** The broker is stopping. */
  'shutting_down',
  /** Over the per-IP connection rate. */
  'rate_limited',
  /** Protocol level other than 3.1 / 3.1.1 (CONNACK 1, sent by aedes). */
  'protocol',
  /** No CONNECT within connectTimeoutMs. */
  'connect_timeout',
] as const;
export type ConnectRefusal = (typeof CONNECT_REFUSALS)[number];

export interface BrokerStats {
  /** Successful CONNECTs since start (cumulative). */
  readonly connections: number;
  /** Sessions open right now. */
  readonly connected: number;
  readonly connectsRefused: Readonly<Record<ConnectRefusal, number>>;
  readonly publishesRefused: Readonly<Record<PublishRefusal, number>>;
  readonly subscribesRefused: Readonly<Record<SubscribeRefusal, number>>;
  /** Connections closed by the frame guard (oversized or malformed fixed header). */
  readonly packetsTooLarge: number;
  readonly ingest: { readonly accepted: number; readonly rejected: number; readonly journalErrors: number };
}

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

export class BrokerCounters {
  connections = 0;
  packetsTooLarge = 0;
  readonly connectsRefused = zeros(CONNECT_REFUSALS);
  readonly publishesRefused = zeros(PUBLISH_REFUSALS);
  readonly subscribesRefused = zeros(SUBSCRIBE_REFUSALS);
  readonly ingest = { accepted: 0, rejected: 0, journalErrors: 0 };

  snapshot(connected: number): BrokerStats {
    return {
      connections: this.connections,
      connected,
      connectsRefused: { ...this.connectsRefused },
      publishesRefused: { ...this.publishesRefused },
      subscribesRefused: { ...this.subscribesRefused },
      packetsTooLarge: this.packetsTooLarge,
      ingest: { ...this.ingest },
    };
  }
}

/** Logs a given (subject, reason) at most once per interval; counts what it suppressed. */
export class ThrottledLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 60_000,
    private readonly maxKeys = 10_000,
  ) {}

  warn(subject: string, reason: string, fields: Record<string, unknown>, message: string, now = Date.now()): void {
    const key = `${subject}\u0000${reason}`;
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed += 1;
      return;
    }
    if (!entry && this.last.size >= this.maxKeys) this.prune(now);
    this.last.set(key, { at: now, suppressed: 0 });
    this.logger.warn({ ...fields, reason, suppressedSinceLast: entry?.suppressed ?? 0 }, message);
  }

  private prune(now: number): void {
    for (const [key, entry] of this.last) if (now - entry.at >= this.intervalMs) this.last.delete(key);
    // Still full (a flood of distinct subjects): start over rather than grow without bound.
    if (this.last.size >= this.maxKeys) this.last.clear();
  }
}
