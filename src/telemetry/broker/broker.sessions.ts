/**
 * Who is connected: the CONNECT checks of the device contract (client id, credentials, the
 * device and technician authenticators) and the session each accepted client gets, which the
 * publish and subscribe hooks (broker.hooks.ts) then consult.
 */
import type { Client, ConnectPacket } from 'aedes';
import { z } from 'zod';
import type { DeviceIdentity, MqttAuthenticator } from '../devices/devices.types.js';
import type { ResolvedBrokerOptions } from './broker.options.js';
import type { BrokerCounters, ConnectRefusal, ThrottledLog } from './broker.stats.js';
import type { ConnectionLimiter } from './connection-limiter.js';
import { GuardedConnection } from './frame-guard.js';
import { DEVICE_ID_PATTERN, statusTopic, type Principal } from './topic-policy.js';

/** Client id and username prefix of technicians' mobile apps: `tech:<userId>`. */
export const TECHNICIAN_CLIENT_PREFIX = 'tech:';

export type Session =
  | {
      readonly kind: 'device';
      readonly deviceId: string;
      readonly identity: DeviceIdentity;
      /** The client's own last will publishes `offline` on its status topic. */
      readonly willOnStatus: boolean;
      readonly remote: string;
    }
  | { readonly kind: 'technician'; readonly technicianId: string; readonly remote: string }
  | { readonly kind: 'anonymous'; readonly remote: string };

export function principalOf(session: Session): Principal {
  if (session.kind === 'device') return { kind: 'device', deviceId: session.deviceId };
  if (session.kind === 'technician') return { kind: 'technician', technicianId: session.technicianId };
  return { kind: 'anonymous' };
}

export function subjectOf(principal: Principal, fallback: string): string {
  if (principal.kind === 'device') return principal.deviceId;
  if (principal.kind === 'technician') return `${TECHNICIAN_CLIENT_PREFIX}${principal.technicianId}`;
  return fallback;
}

interface ConnectInfo {
  readonly clientId: string;
  readonly clean: boolean;
  readonly will: { readonly topic: string; readonly payload: string } | undefined;
}

const credentialsSchema = z.object({
  username: z.string().regex(DEVICE_ID_PATTERN, 'not a device id'),
  password: z.string().min(1).max(1024),
});

/** MQTT 3.1.1 CONNACK return codes [MQTT-3.2.2-3]. */
export const CONNACK = { identifierRejected: 2, serverUnavailable: 3, badCredentials: 4, notAuthorized: 5 } as const;

export function remoteOf(client: Client): string {
  return client.conn instanceof GuardedConnection ? client.conn.remoteAddress : 'unknown';
}

export function toBuffer(payload: string | Buffer): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
}

/** Why a CONNECT is refused, and the CONNACK return code that says so. */
export interface Refusal {
  readonly reason: ConnectRefusal;
  readonly code: number;
}

export interface SessionDeps {
  readonly options: ResolvedBrokerOptions;
  /** Devices, and technicians' apps when `authenticator.technicians` is set. */
  readonly authenticator: MqttAuthenticator;
  readonly counters: BrokerCounters;
  readonly throttled: ThrottledLog;
  readonly isStopping: () => boolean;
  /** Per-IP count of unauthenticated connections: a device or technician that authenticates is refunded. */
  readonly limiter?: ConnectionLimiter | undefined;
}

export class BrokerSessions {
  private readonly connects = new WeakMap<Client, ConnectInfo>();
  private readonly sessions = new WeakMap<Client, Session>();

  constructor(private readonly deps: SessionDeps) {}

  /** The session of an authenticated client. */
  get(client: Client): Session | undefined {
    return this.sessions.get(client);
  }

  /** Keeps what the CONNECT said (client id, clean flag, will) for check(); counts what aedes refuses itself. */
  recordConnect(client: Client, packet: ConnectPacket): void {
    const will = packet.will ? { topic: packet.will.topic, payload: toBuffer(packet.will.payload).toString('utf8') } : undefined;
    this.connects.set(client, { clientId: packet.clientId ?? '', clean: packet.clean !== false, will });
    // Aedes itself answers these two right after this hook, before authenticate (lib/handlers/
    // connect.js `init`); counted here with the same conditions so the counters are exact.
    const { counters, options } = this.deps;
    if (packet.protocolVersion !== 3 && packet.protocolVersion !== 4) counters.connectsRefused.protocol += 1;
    // Keep-alive 0 turns the client's keep-alive off and a large one keeps a dead connection
    // for hours; MQTT 3.1.1 lets the server close a connection it judges idle, and reserves
    // CONNACK codes 6-255 (3.2.2.3), so aedes' CONNACK 6 was not ours to send. The server's own
    // limit applies instead (as AWS IoT Core and Azure IoT Hub do): aedes closes the connection
    // after 1.5 × keepaliveLimit without a packet [MQTT-3.1.2-24]. aedes reads the value after
    // this hook (lib/handlers/connect.js `init`).
    if (!packet.keepalive || packet.keepalive > options.keepaliveLimit) packet.keepalive = options.keepaliveLimit;
  }

  /** Checks a CONNECT; null = accepted (the client then has a session). */
  async check(client: Client, username: string | undefined, password: Buffer | undefined): Promise<Refusal | null> {
    const remote = remoteOf(client);
    const info = this.connects.get(client) ?? { clientId: client.id, clean: client.clean, will: undefined };
    this.connects.delete(client);
    if (this.deps.isStopping()) return { reason: 'shutting_down', code: CONNACK.serverUnavailable };
    // [MQTT-3.1.3-8] A zero-byte ClientId with CleanSession = 0 gets CONNACK 0x02 and the
    // connection is closed. Aedes 1.2 would silently assign a random id instead.
    if (info.clientId === '' && !info.clean) return { reason: 'empty_client_id', code: CONNACK.identifierRejected };
    if (username === undefined && password === undefined) {
      if (!this.deps.options.allowAnonymous) return { reason: 'no_credentials', code: CONNACK.notAuthorized };
      this.sessions.set(client, { kind: 'anonymous', remote });
      return null;
    }
    const creds = credentialsSchema.safeParse({ username, password: password?.toString('utf8') });
    if (!creds.success) return { reason: 'malformed_credentials', code: CONNACK.badCredentials };
    const { username: deviceId, password: token } = creds.data;
    // Design choice: a device's client id must be its device id. One session per device
    // (a second connection takes the first over, [MQTT-3.1.4-2]), so presence, takeover
    // and disconnectDevice() all key on the device id.
    if (info.clientId !== deviceId) return { reason: 'client_id_mismatch', code: CONNACK.identifierRejected };
    if (deviceId.startsWith(TECHNICIAN_CLIENT_PREFIX)) return this.checkTechnician(client, deviceId.slice(TECHNICIAN_CLIENT_PREFIX.length), token, remote);
    let identity: DeviceIdentity | null;
    try {
      identity = await this.deps.authenticator.authenticate(deviceId, token);
    } catch (err) {
      this.deps.throttled.warn('authenticator', 'error', { err }, 'mqtt: device authenticator failed');
      return { reason: 'server_unavailable', code: CONNACK.serverUnavailable };
    }
    if (!identity || identity.deviceId !== deviceId) return { reason: 'bad_credentials', code: CONNACK.badCredentials };
    const willOnStatus = info.will?.topic === statusTopic(deviceId) && info.will.payload === 'offline';
    this.sessions.set(client, { kind: 'device', deviceId, identity, willOnStatus, remote });
    this.deps.limiter?.refund(remote);
    return null;
  }

  /** A technician's app: same CONNACK codes as devices; one session per technician (client id = username). */
  private async checkTechnician(client: Client, technicianId: string, token: string, remote: string): Promise<Refusal | null> {
    const port = this.deps.authenticator.technicians;
    if (!port) return { reason: 'bad_credentials', code: CONNACK.badCredentials };
    let identity;
    try {
      identity = await port.authenticate(technicianId, token);
    } catch (err) {
      this.deps.throttled.warn('technician-authenticator', 'error', { err }, 'mqtt: technician authenticator failed');
      return { reason: 'server_unavailable', code: CONNACK.serverUnavailable };
    }
    if (!identity || identity.technicianId !== technicianId) return { reason: 'bad_credentials', code: CONNACK.badCredentials };
    this.sessions.set(client, { kind: 'technician', technicianId, remote });
    this.deps.limiter?.refund(remote);
    return null;
  }
}
