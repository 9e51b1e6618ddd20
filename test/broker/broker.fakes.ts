/** In-memory implementations of the broker's ports, and small MQTT client helpers. */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import type { DeviceAuthenticator, DeviceIdentity, DevicePresence } from '../../src/telemetry/devices/devices.types.js';
import type { IngestChannel, IngestResult, TelemetryIngest } from '../../src/telemetry/ingest/ingest.types.js';
import { TelemetryBroker, type BrokerOptions } from '../../src/telemetry/broker/broker.js';

export class MapAuthenticator implements DeviceAuthenticator {
  readonly tokens = new Map<string, string>();
  readonly revoked = new Set<string>();
  calls = 0;

  add(deviceId: string, token: string): DeviceIdentity {
    this.tokens.set(deviceId, token);
    return identityOf(deviceId);
  }

  async authenticate(deviceId: string, token: string): Promise<DeviceIdentity | null> {
    this.calls += 1;
    if (this.revoked.has(deviceId) || this.tokens.get(deviceId) !== token) return null;
    return identityOf(deviceId);
  }
}

export function identityOf(deviceId: string): DeviceIdentity {
  return { deviceId, assetId: `asset-${deviceId}`, modelId: 'chiller-x', siteId: 'site-1', customerId: 'cust-1' };
}

export type PresenceEvent = { kind: 'connected' | 'disconnected'; deviceId: string } | { kind: 'seen'; deviceIds: string[] };

export class PresenceRecorder implements DevicePresence {
  readonly events: PresenceEvent[] = [];
  async connected(deviceId: string): Promise<void> {
    this.events.push({ kind: 'connected', deviceId });
  }
  async disconnected(deviceId: string): Promise<void> {
    this.events.push({ kind: 'disconnected', deviceId });
  }
  async seen(stamps: ReadonlyMap<string, Date>): Promise<void> {
    this.events.push({ kind: 'seen', deviceIds: [...stamps.keys()] });
  }
  of(kind: PresenceEvent['kind'], deviceId: string): number {
    return this.events.filter((e) => e.kind === kind && ('deviceId' in e ? e.deviceId === deviceId : e.deviceIds.includes(deviceId))).length;
  }
}

export interface AcceptCall {
  readonly deviceId: string;
  readonly channel: IngestChannel;
  readonly payload: string;
  /** Set when accept() settles. */
  settledAt?: number;
}

export class RecordingIngest implements TelemetryIngest {
  readonly calls: AcceptCall[] = [];
  mode: 'ok' | 'bad_payload' | 'journal_down' = 'ok';
  /** Extra time accept() takes before settling. */
  delayMs = 0;

  async accept(device: DeviceIdentity, channel: IngestChannel, payload: Buffer): Promise<IngestResult> {
    const call: AcceptCall = { deviceId: device.deviceId, channel, payload: payload.toString('utf8') };
    this.calls.push(call);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    call.settledAt = performance.now();
    if (this.mode === 'journal_down') throw new Error('journal unavailable');
    if (this.mode === 'bad_payload') return { ok: false, reason: 'not_json', detail: 'test' };
    return { ok: true, accepted: 1 };
  }

  forDevice(deviceId: string): AcceptCall[] {
    return this.calls.filter((c) => c.deviceId === deviceId);
  }
}

export const silentLogger = pino({ level: 'silent' });

export interface BrokerFixture {
  readonly broker: TelemetryBroker;
  readonly auth: MapAuthenticator;
  readonly presence: PresenceRecorder;
  readonly ingest: RecordingIngest;
  readonly port: number;
  readonly wsPort?: number;
  readonly tlsPort?: number;
}

export const baseOptions: BrokerOptions = {
  host: '127.0.0.1',
  port: 0,
  wsPort: 0,
  tlsPort: 0,
  maxPacketSize: 4096,
  keepaliveLimit: 120,
  maxTopicLevels: 5,
  connectTimeoutMs: 2000,
  connectionsPerMinute: 10_000,
  allowAnonymous: false,
  presenceFlushMs: 100,
};

export async function startBroker(overrides: Partial<BrokerOptions> = {}): Promise<BrokerFixture> {
  const auth = new MapAuthenticator();
  const presence = new PresenceRecorder();
  const ingest = new RecordingIngest();
  const broker = new TelemetryBroker({ options: { ...baseOptions, ...overrides }, authenticator: auth, presence, ingest, logger: silentLogger });
  const ports = await broker.start();
  return { broker, auth, presence, ingest, ...ports };
}

/** Connects and resolves on CONNACK 0; rejects with the client's error (e.g. code 4) otherwise. */
export function connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3000, keepalive: 30, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

export function connectDevice(port: number, deviceId: string, token: string, options: IClientOptions = {}): Promise<MqttClient> {
  return connect(`mqtt://127.0.0.1:${port}`, { clientId: deviceId, username: deviceId, password: token, ...options });
}

/** Resolves when the client's connection closes (listen before causing it). */
export function closeOf(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

export function end(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.end(false, {}, () => resolve()));
}
