/**
 * The aedes hooks: thin adapters that validate what the client sent, ask the topic policy
 * and the ports (DeviceAuthenticator, TelemetryIngest) and translate the answer back into
 * aedes' callback conventions. Every hook catches everything: nothing a client sends may
 * throw out of a hook. The CONNECT checks and the sessions they open are in broker.sessions.ts.
 *
 * What aedes 1.2 does with our answers (read in node_modules/aedes):
 * - authenticate: an error carrying `returnCode` 2..5 makes aedes send a CONNACK with that
 *   code and close the connection [MQTT-3.2.2-5] (lib/handlers/connect.js `authenticate`).
 * - authorizePublish: runs before anything else happens to an inbound PUBLISH; for QoS 1 the
 *   PUBACK is written only after our callback(null) (lib/handlers/publish.js
 *   `enqueuePublish`). A callback(error) ends the packet's handling with that error, the
 *   client emits 'error' and aedes destroys the connection — no PUBACK, nothing stored or
 *   forwarded. MQTT 3.1.1 has no negative PUBACK, so closing is the only refusal
 *   [MQTT-3.3.5-2]; a QoS 1 device then re-sends the message after reconnecting.
 * - authorizeSubscribe: callback(null, null) makes aedes answer that filter with SUBACK
 *   return code 0x80 (Failure) [MQTT-3.9.3-2] and keep the session open.
 * - authorizeForward: returning null drops the message for that subscriber.
 */
import type { Client, ConnectPacket, PublishPacket, Subscription, AedesPublishPacket, AuthenticateError } from 'aedes';
import type { DeviceIdentity, MqttAuthenticator } from '../devices/devices.types.js';
import type { IngestResult, TelemetryIngest } from '../ingest/ingest.types.js';
import type { CommandResultsPort } from '../commands/command-results.ingest.js';
import type { Logger } from '../../kernel/logger.js';
import type { ResolvedBrokerOptions } from './broker.options.js';
import type { BrokerCounters, ThrottledLog } from './broker.stats.js';
import { BrokerSessions, CONNACK, principalOf, remoteOf, subjectOf, TECHNICIAN_CLIENT_PREFIX, toBuffer, type Session } from './broker.sessions.js';
import type { ConnectionLimiter } from './connection-limiter.js';
import type { PublishQuota } from './publish-quota.js';
import type { PresenceTracker } from './presence-tracker.js';
import { DEVICE_ID_PATTERN, DEVICES_PREFIX, decidePublish, decideSubscribe, mayForward, type Principal } from './topic-policy.js';

export interface HookDeps {
  readonly options: ResolvedBrokerOptions;
  /** Devices, and technicians' apps when `authenticator.technicians` is set. */
  readonly authenticator: MqttAuthenticator;
  readonly ingest: TelemetryIngest;
  /** Devices' answers to commands; absent = acknowledged and dropped. */
  readonly commandResults?: CommandResultsPort | undefined;
  readonly presence: PresenceTracker;
  readonly counters: BrokerCounters;
  readonly throttled: ThrottledLog;
  readonly logger: Logger;
  readonly isStopping: () => boolean;
  /** Per-IP count of unauthenticated connections: a device or technician that authenticates is refunded. */
  readonly limiter?: ConnectionLimiter;
  /** Per-device readings quota. */
  readonly quota?: PublishQuota;
}

export class BrokerHooks {
  private readonly sessions: BrokerSessions;
  /** Publishes ingest took (telemetry and events of devices), until aedes asks consumedByIngest. */
  private readonly ingested = new WeakSet<PublishPacket>();
  /** ingest.accept() calls not yet settled, and who waits for none to be left. */
  private inflight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: HookDeps) {
    this.sessions = new BrokerSessions(deps);
  }

  sessionOf(client: Client): Session | undefined {
    return this.sessions.get(client);
  }

  /**
   * Whether ingest took this publish: a device's telemetry or events, journalled (or recorded as
   * a rejection) and acknowledged. Such a message is never forwarded to anyone (mayForward), so
   * routing it through aedes is pure cost; answers true once per packet.
   */
  consumedByIngest(packet: PublishPacket): boolean {
    return this.ingested.delete(packet);
  }

  /** Resolves once every ingest.accept() started so far has settled. */
  async settleInflight(): Promise<void> {
    while (this.inflight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  get inflightCount(): number {
    return this.inflight;
  }

  readonly preConnect = (client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void): void => {
    try {
      this.sessions.recordConnect(client, packet);
    } catch (err) {
      this.deps.logger.error({ err }, 'mqtt: preConnect failed unexpectedly');
    }
    callback(null, true);
  };

  readonly authenticate = (
    client: Client,
    username: Readonly<string | undefined>,
    password: Readonly<Buffer | undefined>,
    callback: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void => {
    this.sessions.check(client, username, password).then(
      (refusal) => {
        if (!refusal) return process.nextTick(callback, null, true);
        this.deps.counters.connectsRefused[refusal.reason] += 1;
        this.deps.throttled.warn(username ?? remoteOf(client), refusal.reason, { deviceId: username, remote: remoteOf(client) }, 'mqtt: connection refused');
        const error = Object.assign(new Error(refusal.reason), { returnCode: refusal.code as AuthenticateError['returnCode'] });
        process.nextTick(callback, error, false);
      },
      (err: unknown) => {
        this.deps.logger.error({ err }, 'mqtt: authenticate failed unexpectedly');
        const error = Object.assign(new Error('server unavailable'), { returnCode: CONNACK.serverUnavailable as AuthenticateError['returnCode'] });
        process.nextTick(callback, error, false);
      },
    );
  };

  readonly authorizePublish = (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void => {
    try {
      this.authorizePublishOrThrow(client, packet, callback);
    } catch (err) {
      this.deps.logger.error({ err }, 'mqtt: authorizePublish failed unexpectedly');
      process.nextTick(callback, new Error('internal error'));
    }
  };

  private authorizePublishOrThrow(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    const topic = packet.topic;
    const payload = toBuffer(packet.payload);
    // A will is published by aedes after the client's close() began (client.closed), or with
    // client === null for the will of a session of a broker that died (cluster only).
    const isWill = client === null || client.closed;
    const session = client ? this.sessions.get(client) : undefined;
    let principal: Principal | undefined;
    if (session) principal = principalOf(session);
    else if (client === null) principal = orphanWillPrincipal(topic);
    if (!principal) return process.nextTick(callback, new Error('no session'));

    const decision = decidePublish(principal, { topic, qos: packet.qos, payload, isWill }, this.deps.options.maxTopicLevels);
    if (!decision.allow) {
      this.deps.counters.publishesRefused[decision.reason] += 1;
      const subject = subjectOf(principal, session?.remote ?? 'anonymous');
      this.deps.throttled.warn(subject, decision.reason, { client: client?.id, topic: topic.slice(0, 200) }, 'mqtt: publish refused');
      return process.nextTick(callback, new Error(`publish refused: ${decision.reason}`));
    }
    if (session?.kind === 'technician' && decision.channel === 'location') return this.acceptLocation(session.technicianId, payload, callback);
    if (session?.kind !== 'device' || decision.channel === null || decision.channel === 'location') return process.nextTick(callback, null);

    this.deps.presence.seen(session.deviceId);
    if (decision.channel === 'status') return process.nextTick(callback, null);
    if (decision.channel === 'command-results') return this.acceptCommandResult(session.identity, payload, packet, callback);
    const quota = this.deps.quota;
    if (quota && !quota.admit(session.deviceId)) {
      // MQTT 3.1.1 has no "message rate too high" (MQTT 5's 0x96): closing without PUBACK is the
      // refusal; a QoS 1 reading is sent again after the reconnect.
      this.deps.counters.publishesRefused.quota_exceeded += 1;
      this.deps.throttled.warn(
        session.deviceId,
        'quota_exceeded',
        { deviceId: session.deviceId, remote: session.remote },
        'mqtt: device over its publish quota, disconnecting',
      );
      return process.nextTick(callback, new Error('publish refused: quota_exceeded'));
    }
    // Readings are not retained: the retained store is for `status`.
    packet.retain = false;
    // The callback is called synchronously in the settlement handlers (aedes writes the PUBACK
    // inside it) and the in-flight count drops only afterwards: when stop() sees nothing in
    // flight, every PUBACK owed has already been handed to its socket. A counter rather than
    // a set of promises: this runs for every reading.
    // ingest.accept resolves when the publish may be acknowledged: the reading is durable,
    // or it was a bad payload that ingest has already recorded (acknowledged so the device
    // does not re-send it forever; it reaches nobody, see mayForward). It rejects when the
    // journal is down: no PUBACK, the connection is closed.
    const { counters } = this.deps;
    const deviceId = session.deviceId;
    this.inflight++;
    let accepted: Promise<IngestResult>;
    try {
      accepted = this.deps.ingest.accept(session.identity, decision.channel, payload);
    } catch (err) {
      accepted = Promise.reject(err as Error);
    }
    accepted.then(
      (result) => {
        if (result.ok) counters.ingest.accepted += 1;
        else counters.ingest.rejected += 1;
        if (result.ok) quota?.charge(deviceId, result.accepted);
        // Ingest has it (journalled, or recorded as a rejection): nobody may receive it
        // (mayForward), so the broker does not route it either (see consumedByIngest).
        this.ingested.add(packet);
        this.invoke(callback, null);
        this.settled();
      },
      (err: unknown) => {
        counters.ingest.journalErrors += 1;
        // One line per interval for the whole broker, not per device: during a Redis outage every
        // device hits it (the outage itself is logged by the Redis client factory).
        this.deps.throttled.warn('journal', 'journal_unavailable', { err, deviceId }, 'mqtt: ingest journal unavailable, closing without PUBACK');
        this.invoke(callback, new Error('journal unavailable'));
        this.settled();
      },
    );
  }

  /**
   * A technician's position: PUBACK once stored; a bad payload is acknowledged (already
   * recorded as a rejection, not forwarded to anyone); a store failure closes without PUBACK.
   */
  private acceptLocation(technicianId: string, payload: Buffer, callback: (error?: Error | null) => void): void {
    const port = this.deps.authenticator.technicians;
    this.acknowledgeWhen(
      () => (port ? port.acceptLocation(technicianId, payload) : Promise.reject(new Error('no technician port'))),
      `${TECHNICIAN_CLIENT_PREFIX}${technicianId}`,
      'location_store_unavailable',
      callback,
    );
  }

  /** A device's answer to a command: same contract as a location (stored or recorded, then PUBACK). */
  private acceptCommandResult(device: DeviceIdentity, payload: Buffer, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    const port = this.deps.commandResults;
    if (!port) return process.nextTick(callback, null);
    this.acknowledgeWhen(() => port.accept(device, payload), device.deviceId, 'command_results_unavailable', callback, packet);
  }

  /** PUBACK once `store` resolves (its `ok` counted); when it rejects, close without PUBACK. */
  private acknowledgeWhen(
    store: () => Promise<{ readonly ok: boolean }>,
    subject: string,
    failure: string,
    callback: (error?: Error | null) => void,
    packet?: PublishPacket,
  ): void {
    const { counters } = this.deps;
    this.inflight++;
    let accepted: Promise<{ readonly ok: boolean }>;
    try {
      accepted = store();
    } catch (err) {
      accepted = Promise.reject(err as Error);
    }
    accepted.then(
      (result) => {
        if (result.ok) counters.ingest.accepted += 1;
        else counters.ingest.rejected += 1;
        if (packet) this.ingested.add(packet);
        this.invoke(callback, null);
        this.settled();
      },
      (err: unknown) => {
        this.deps.throttled.warn(subject, failure, { err, subject }, `mqtt: ${failure.replaceAll('_', ' ')}, closing without PUBACK`);
        this.invoke(callback, new Error(failure));
        this.settled();
      },
    );
  }

  private invoke(callback: (error?: Error | null) => void, error: Error | null): void {
    try {
      callback(error);
    } catch (err) {
      this.deps.logger.error({ err }, 'mqtt: aedes publish callback threw');
    }
  }

  private settled(): void {
    this.inflight--;
    if (this.inflight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  readonly authorizeSubscribe = (client: Client, sub: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void => {
    const session = this.sessions.get(client);
    if (!session) return process.nextTick(callback, null, null);
    const principal = principalOf(session);
    const decision = decideSubscribe(principal, String(sub.topic), this.deps.options.maxTopicLevels);
    // (A QoS 2 request was already lowered to QoS 1 when the packet was read, see TelemetryBroker.handle.)
    if (decision.allow) return process.nextTick(callback, null, sub);
    this.deps.counters.subscribesRefused[decision.reason] += 1;
    const subject = subjectOf(principal, session.remote);
    this.deps.throttled.warn(
      subject,
      `subscribe_${decision.reason}`,
      { client: client.id, filter: String(sub.topic).slice(0, 200) },
      'mqtt: subscribe refused',
    );
    // [MQTT-3.9.3-2] SUBACK return code 0x80 for this filter; the session stays open.
    process.nextTick(callback, null, null);
  };

  readonly authorizeForward = (client: Client, packet: AedesPublishPacket): AedesPublishPacket | null => {
    const session = this.sessions.get(client);
    if (!session) return null;
    return mayForward(principalOf(session), packet.topic) ? packet : null;
  };
}

/** The principal of a will whose client is gone: only `devices/{id}/status` is acceptable. */
function orphanWillPrincipal(topic: string): Principal | undefined {
  const match = /^devices\/([^/]+)\/status$/.exec(topic);
  if (!topic.startsWith(DEVICES_PREFIX) || !match?.[1] || !DEVICE_ID_PATTERN.test(match[1])) return undefined;
  return { kind: 'device', deviceId: match[1] };
}
