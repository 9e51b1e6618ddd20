/**
 * The embedded MQTT broker: Aedes behind our own listeners (TCP, optional WebSocket and TLS).
 * Every connection is rate-limited per IP before aedes sees it and wrapped in the frame
 * guard; the aedes hooks (broker.hooks.ts, sessions in broker.sessions.ts) enforce the device
 * contract of DESIGN.md. The aedes instance itself (cluster mode included) is built in
 * broker.aedes.ts.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { Aedes, Client, PublishPacket } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Logger } from '../../kernel/logger.js';
import type { RedisConnector } from '../../kernel/redis.js';
import { createAedes } from './broker.aedes.js';
import { BrokerHooks } from './broker.hooks.js';
import { TECHNICIAN_CLIENT_PREFIX } from './broker.sessions.js';
import { readTlsFiles, resolveBrokerOptions, type BrokerDeps, type ResolvedBrokerOptions } from './broker.options.js';
import { BrokerCounters, ThrottledLog, type BrokerStats } from './broker.stats.js';
import { CONNECTION_WINDOW_MS, ConnectionLimiter } from './connection-limiter.js';
import { GuardedConnection, type FrameViolation } from './frame-guard.js';
import { PresenceTracker } from './presence-tracker.js';
import { PublishQuota } from './publish-quota.js';
import { DEVICE_ID_PATTERN, commandsTopic, statusTopic } from './topic-policy.js';

export { brokerOptionsFromConfig, type BrokerDeps, type BrokerOptions } from './broker.options.js';
export type { BrokerStats } from './broker.stats.js';

/** How long stop() waits for in-flight ingest before closing clients anyway. */
const STOP_DRAIN_MS = 5000;

export interface BrokerAddresses {
  readonly port: number;
  readonly wsPort?: number;
  readonly tlsPort?: number;
}

export interface CommandOptions {
  /** Default 1. */
  readonly qos?: 0 | 1;
  /** MQTT 5 properties (expiry, correlation): aedes speaks MQTT 3.1.1, they travel in the payload. */
  readonly expirySeconds?: number;
  readonly correlationId?: string;
  readonly responseTopic?: string;
}

/** The part of aedes-persistence we read (aedes does not type `broker.persistence`). */
interface RetainedReader {
  createRetainedStream(pattern: string): AsyncIterable<{ payload: Buffer | string }>;
}

type Listener = net.Server | tls.Server | http.Server;

export class TelemetryBroker {
  private readonly options: ResolvedBrokerOptions;
  private readonly logger: Logger;
  private readonly redis: RedisConnector | undefined;
  private readonly counters = new BrokerCounters();
  private readonly throttled: ThrottledLog;
  private readonly limiter: ConnectionLimiter;
  private readonly quota: PublishQuota;
  private readonly presence: PresenceTracker;
  private readonly hooks: BrokerHooks;
  private aedes: Aedes | undefined;
  private readonly listeners: Listener[] = [];
  private wss: WebSocketServer | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  /** Raw sockets (before TLS / WebSocket) so stop() can end connections not yet CONNECTed. */
  private readonly sockets = new Set<net.Socket>();
  private readonly conns = new Set<GuardedConnection>();
  /** Every registered aedes client. */
  private readonly clients = new Set<Client>();
  /** Device id → its registered session. */
  private readonly devices = new Map<string, Client>();
  /** Technician apps' sessions by technician id. */
  private readonly technicians = new Map<string, Client>();
  private readonly pendingPublishes = new Set<Promise<void>>();
  private stopping = false;
  private stopped: Promise<void> | undefined;

  constructor(deps: BrokerDeps) {
    this.options = resolveBrokerOptions(deps.options);
    this.logger = deps.logger.child({ component: 'broker' });
    this.redis = deps.redis;
    this.throttled = new ThrottledLog(this.logger);
    this.limiter = new ConnectionLimiter(this.options.connectionsPerMinute);
    this.quota = new PublishQuota(this.options.publishRate, this.options.publishBurst);
    this.presence = new PresenceTracker(deps.presence, this.logger, this.options.presenceFlushMs);
    this.hooks = new BrokerHooks({
      options: this.options,
      authenticator: deps.authenticator,
      ingest: deps.ingest,
      commandResults: deps.commandResults,
      presence: this.presence,
      counters: this.counters,
      throttled: this.throttled,
      logger: this.logger,
      isStopping: () => this.stopping,
      limiter: this.limiter,
      quota: this.quota,
    });
  }

  /** Starts aedes and the listeners; port 0 picks a free port. Returns the bound ports. */
  async start(): Promise<BrokerAddresses> {
    if (this.aedes) throw new Error('broker already started');
    const aedes = createAedes(this.options, this.hooks, this.redis, this.logger);
    await aedes.listen();
    this.aedes = aedes;
    this.wireEvents(aedes);
    try {
      const port = await this.listen(net.createServer(), this.options.port, (server) =>
        server.on('connection', (socket: net.Socket) => {
          if (this.admit(socket)) this.handle(socket, socket.remoteAddress);
        }),
      );
      const addresses: { port: number; wsPort?: number; tlsPort?: number } = { port };
      if (this.options.wsPort > 0) addresses.wsPort = await this.startWebSocket();
      if (this.options.tlsPort > 0) addresses.tlsPort = await this.startTls();
      this.presence.start();
      this.pruneTimer = setInterval(() => {
        this.limiter.prune();
        this.quota.prune();
      }, CONNECTION_WINDOW_MS).unref();
      if (this.options.allowAnonymous) {
        this.logger.warn(
          '!!! MQTT LAB MODE (MQTT_ALLOW_ANONYMOUS=true): anonymous clients may connect and use topics outside devices/ and $SYS/. Never enable this in production. !!!',
        );
      }
      this.logger.info({ host: this.options.host, ...addresses }, 'mqtt broker listening');
      return addresses;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /**
   * Graceful stop: stop accepting connections, stop reading from clients and let in-flight
   * ingest.accept() calls settle (their PUBACKs still go out), close every client, wait
   * for any accept() started meanwhile, flush presence, close aedes. Idempotent.
   */
  stop(): Promise<void> {
    this.stopped ??= this.doStop();
    return this.stopped;
  }

  private async doStop(): Promise<void> {
    this.stopping = true;
    const aedes = this.aedes;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    const listenersClosed = this.listeners.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    this.wss?.close();
    for (const conn of this.conns) conn.freeze();
    await withTimeout(this.hooks.settleInflight(), STOP_DRAIN_MS);
    // mqtt-packet corks the stream and uncorks on the next tick: give the last PUBACKs one
    // turn of the event loop to reach the connection before it is closed.
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([...this.clients].map((client) => closeClient(client)));
    for (const conn of this.conns) conn.destroy();
    await withTimeout(this.hooks.settleInflight(), STOP_DRAIN_MS);
    await Promise.allSettled([...this.pendingPublishes]);
    // Frozen connections end after flushing their output; whatever is left is cut.
    await withTimeout(
      Promise.all([...this.sockets].map((s) => new Promise((r) => s.once('close', r)))).then(() => undefined),
      STOP_DRAIN_MS,
    );
    for (const socket of this.sockets) socket.destroy();
    await this.presence.stop();
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await Promise.all(listenersClosed);
    this.logger.info('mqtt broker stopped');
  }

  /** Closes the device's session, if any (token revoked or rotated). Resolves true if one was open. */
  disconnectDevice(deviceId: string): Promise<boolean> {
    return this.closeSession(this.devices.get(deviceId), { deviceId });
  }

  /** Closes the session of a device id or of a technician app's `tech:<id>` client id, if one is open. */
  disconnectClient(clientId: string): Promise<boolean> {
    if (!clientId.startsWith(TECHNICIAN_CLIENT_PREFIX)) return this.disconnectDevice(clientId);
    const technicianId = clientId.slice(TECHNICIAN_CLIENT_PREFIX.length);
    return this.closeSession(this.technicians.get(technicianId), { technicianId });
  }

  private async closeSession(client: Client | undefined, who: Record<string, string>): Promise<boolean> {
    if (!client) return false;
    this.logger.info(who, 'mqtt: closing a session whose credentials were revoked or rotated');
    await closeClient(client);
    return true;
  }

  /** Publishes a platform command to `devices/{deviceId}/commands` (not retained). */
  publishCommand(deviceId: string, payload: Buffer | string, options: CommandOptions = {}): Promise<void> {
    if (!DEVICE_ID_PATTERN.test(deviceId)) return Promise.reject(new Error(`invalid device id: ${deviceId.slice(0, 64)}`));
    return this.internalPublish(commandsTopic(deviceId), typeof payload === 'string' ? Buffer.from(payload) : payload, options.qos ?? 1, false);
  }

  /** Whether the device has an open session on this broker. */
  isConnected(deviceId: string): boolean {
    return this.devices.has(deviceId);
  }

  /** The retained value of `devices/{deviceId}/status` (`online` / `offline`), if any. */
  async deviceStatus(deviceId: string): Promise<string | undefined> {
    const persistence = (this.aedes as unknown as { persistence?: RetainedReader } | undefined)?.persistence;
    if (!persistence || !DEVICE_ID_PATTERN.test(deviceId)) return undefined;
    let value: string | undefined;
    for await (const packet of persistence.createRetainedStream(statusTopic(deviceId))) value = String(packet.payload);
    return value;
  }

  stats(): BrokerStats {
    return this.counters.snapshot(this.aedes?.connectedClients ?? 0);
  }

  private wireEvents(aedes: Aedes): void {
    aedes.on('client', (client) => {
      this.counters.connections += 1;
      this.clients.add(client);
      const session = this.hooks.sessionOf(client);
      if (session?.kind === 'technician') this.technicians.set(session.technicianId, client);
      if (session?.kind !== 'device') return;
      this.devices.set(session.deviceId, client);
      this.presence.connected(session.deviceId);
    });
    aedes.on('clientDisconnect', (client) => {
      this.clients.delete(client);
      const session = this.hooks.sessionOf(client);
      if (session?.kind === 'technician' && this.technicians.get(session.technicianId) === client) this.technicians.delete(session.technicianId);
      if (session?.kind !== 'device') return;
      if (this.devices.get(session.deviceId) === client) this.devices.delete(session.deviceId);
      this.presence.disconnected(session.deviceId);
      const clean = client.conn instanceof GuardedConnection && client.conn.disconnectSeen;
      // The device contract: `status` is retained and `offline` when the device is gone.
      // Without a DISCONNECT and without its own will saying so, the broker says it.
      if (!clean && !session.willOnStatus) {
        this.internalPublish(statusTopic(session.deviceId), Buffer.from('offline'), 1, true).catch((err: unknown) =>
          this.logger.warn({ err, deviceId: session.deviceId }, 'mqtt: could not publish offline status'),
        );
      }
    });
    aedes.on('connectionError', (_client, err) => {
      if (err.message === 'connect did not arrive in time') this.counters.connectsRefused.connect_timeout += 1;
      this.logger.debug({ err: err.message }, 'mqtt: connection error before CONNECT');
    });
    aedes.on('clientError', (client, err) => this.logger.debug({ client: client.id, err: err.message }, 'mqtt: client error'));
    aedes.on('keepaliveTimeout', (client) => this.logger.debug({ client: client.id }, 'mqtt: keep-alive timeout'));
    // Aedes emits 'error' for persistence failures; without a listener it would crash the process.
    (aedes as unknown as NodeJS.EventEmitter).on('error', (err: Error) => this.logger.error({ err }, 'mqtt: broker error'));
  }

  private internalPublish(topic: string, payload: Buffer, qos: 0 | 1, retain: boolean): Promise<void> {
    const aedes = this.aedes;
    if (!aedes || aedes.closed) return Promise.reject(new Error('broker is not running'));
    const packet: PublishPacket = { cmd: 'publish', topic, payload, qos, retain, dup: false };
    const pending = new Promise<void>((resolve, reject) => aedes.publish(packet, (err) => (err ? reject(err) : resolve())));
    this.pendingPublishes.add(pending);
    const forget = () => this.pendingPublishes.delete(pending);
    pending.then(forget, forget);
    return pending;
  }

  /** Rate limit and bookkeeping on a raw socket; false = refused (socket destroyed). */
  private admit(socket: net.Socket): boolean {
    socket.on('error', () => undefined); // errors surface through the wrapper; never crash
    const address = socket.remoteAddress ?? 'unknown';
    if (this.stopping) {
      socket.destroy();
      return false;
    }
    if (!this.limiter.allow(address)) {
      this.counters.connectsRefused.rate_limited += 1;
      this.throttled.warn(address, 'rate_limited', { remote: address }, 'mqtt: connection rate limit exceeded');
      socket.destroy();
      return false;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return true;
  }

  /** Hands a client stream to aedes through the frame guard. */
  private handle(stream: Duplex, remote = 'unknown'): void {
    const aedes = this.aedes;
    if (!aedes || this.stopping) {
      stream.destroy();
      return;
    }
    const conn = new GuardedConnection(stream, this.options.maxPacketSize, (violation) => this.onViolation(remote, violation), remote);
    this.conns.add(conn);
    conn.once('close', () => this.conns.delete(conn));
    const client = aedes.handle(conn) as Client & { _parser?: NodeJS.EventEmitter };
    // The contract has no QoS 2. A SUBSCRIBE asking for it is granted QoS 1 (SUBACK 0x01) rather
    // than refused: "The Server might grant a lower maximum QoS than the subscriber requested"
    // (MQTT 3.1.1, 3.8.4; [MQTT-3.8.4-6]). aedes takes the granted QoS from the packet before
    // any hook runs, so it is lowered as the packet is parsed, ahead of aedes' own listener.
    client._parser?.prependListener('packet', (packet: { cmd: string; subscriptions?: { qos: number }[] }) => {
      if (packet.cmd !== 'subscribe' || !packet.subscriptions) return;
      for (const sub of packet.subscriptions) if (sub.qos > 1) sub.qos = 1;
    });
  }

  private onViolation(remote: string, violation: FrameViolation): void {
    this.counters.packetsTooLarge += 1;
    this.throttled.warn(remote, violation.reason, { remote, ...violation, limit: this.options.maxPacketSize }, 'mqtt: packet refused at fixed header, closing');
  }

  private async startWebSocket(): Promise<number> {
    const server = http.createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' }).end('MQTT over WebSocket only\n');
    });
    // A WebSocket message may carry a little more than one packet; the frame guard does the
    // exact check, maxPayload only bounds what ws buffers before the guard sees it.
    const wss = new WebSocketServer({ server, maxPayload: this.options.maxPacketSize * 2 });
    this.wss = wss;
    wss.on('error', (err) => this.logger.error({ err }, 'mqtt: websocket server error'));
    wss.on('connection', (ws, req) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => undefined);
      this.handle(stream, req.socket.remoteAddress);
    });
    return this.listen(server, this.options.wsPort, (s) =>
      s.on('connection', (socket: net.Socket) => {
        this.admit(socket);
      }),
    );
  }

  private async startTls(): Promise<number> {
    const server = tls.createServer({ ...readTlsFiles(this.options), minVersion: 'TLSv1.2' });
    server.on('tlsClientError', (err) => this.logger.debug({ err: err.message }, 'mqtt: TLS handshake failed'));
    server.on('secureConnection', (socket: tls.TLSSocket) => this.handle(socket, socket.remoteAddress));
    return this.listen(server, this.options.tlsPort, (s) =>
      s.on('connection', (socket: net.Socket) => {
        this.admit(socket);
      }),
    );
  }

  private listen<S extends Listener>(server: S, port: number, wire: (server: S) => void): Promise<number> {
    wire(server);
    this.listeners.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.logger.error({ err }, 'mqtt: listener error'));
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }
}

function closeClient(client: Client): Promise<void> {
  return new Promise((resolve) => client.close(() => resolve()));
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
