/**
 * Keeps device credentials and topic rules in Mosquitto 2's dynamic-security plugin, in step with
 * provisioning, rotation and revocation, through its `$CONTROL/dynamic-security/v1` API.
 *
 * Each device is a dynsec client (username = client id = device id, password = its token) with
 * its own role `telemend-device-<id>` naming its topics: Mosquitto 2.0's dynsec ACLs have no
 * `%u` substitution, so a shared role cannot say "own topics only". Deleting a dynsec client
 * disconnects its live connection, which is how revocation and rotation end a session: a rotation
 * deletes and re-creates the client. At start the ingest account gets the role
 * `telemend-ingest` (shared subscriptions to the device topics, publishing commands).
 *
 * Tokens are stored only as hashes by Telemend, so a device can be written to Mosquitto only
 * when its token is issued; a device provisioned while Mosquitto was unreachable needs a rotation.
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { CredentialSink } from '../devices/devices.service.js';
import type { Logger } from '../../kernel/logger.js';
import type { ExternalIngestOptions } from './external-ingest.js';

const CONTROL = '$CONTROL/dynamic-security/v1';
const RESPONSE = `${CONTROL}/response`;
export const INGEST_ROLE = 'telemend-ingest';
export const deviceRole = (deviceId: string): string => `telemend-device-${deviceId}`;

interface DynsecCommand {
  readonly command: string;
  readonly [field: string]: unknown;
}
interface DynsecResponse {
  readonly command: string;
  readonly error?: string;
  readonly correlationData?: string;
}

export class DynsecError extends Error {
  constructor(
    readonly command: string,
    readonly reason: string,
  ) {
    super(`dynamic security ${command}: ${reason}`);
    this.name = 'DynsecError';
  }
}

export function deviceAcls(deviceId: string): { acltype: string; topic: string; allow: boolean }[] {
  const base = `devices/${deviceId}`;
  return [
    ...['telemetry', 'events', 'status', 'command-results'].map((leaf) => ({ acltype: 'publishClientSend', topic: `${base}/${leaf}`, allow: true })),
    { acltype: 'subscribePattern', topic: `${base}/commands`, allow: true },
    { acltype: 'publishClientReceive', topic: `${base}/commands`, allow: true },
  ];
}

export class MosquittoDynsec implements CredentialSink {
  private client: MqttClient | undefined;
  private readonly waiting = new Map<string, { resolve: (r: DynsecResponse) => void; timer: NodeJS.Timeout }>();

  constructor(
    private readonly options: Pick<ExternalIngestOptions, 'url' | 'username' | 'password' | 'ca' | 'cert' | 'key' | 'shareGroup' | 'clientId'>,
    private readonly logger: Logger,
    private readonly timeoutMs = 5000,
  ) {}

  /** Connects and grants the ingest account its role (idempotent). */
  async start(): Promise<void> {
    const { url, username, password, ca, cert, key, clientId } = this.options;
    const client = await mqtt.connectAsync(url, {
      protocolVersion: 5,
      clientId: `${clientId}-dynsec-${randomUUID().slice(0, 8)}`,
      clean: true,
      reconnectPeriod: 1000,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
    });
    client.on('error', (error) => this.logger.warn({ err: error.message }, 'dynsec: connection error'));
    client.on('message', (_topic, payload) => this.onResponse(payload));
    await client.subscribeAsync(RESPONSE, { qos: 1 });
    this.client = client;
    await this.ensureIngestRole();
  }

  async stop(): Promise<void> {
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    await this.client?.endAsync();
    this.client = undefined;
  }

  async issued(deviceId: string, token: string): Promise<void> {
    // A rotation: deleting the client disconnects the session opened with the old token.
    await this.run([{ command: 'deleteClient', username: deviceId }], ['Client not found']);
    await this.run([{ command: 'createRole', rolename: deviceRole(deviceId), acls: deviceAcls(deviceId) }], ['Role already exists']);
    await this.run([{ command: 'createClient', username: deviceId, clientid: deviceId, password: token, roles: [{ rolename: deviceRole(deviceId) }] }]);
    this.logger.debug({ deviceId }, 'dynsec: device credentials written');
  }

  async revoked(deviceId: string): Promise<void> {
    await this.run([{ command: 'deleteClient', username: deviceId }], ['Client not found']);
    await this.run([{ command: 'deleteRole', rolename: deviceRole(deviceId) }], ['Role not found']);
    this.logger.debug({ deviceId }, 'dynsec: device removed');
  }

  private async ensureIngestRole(): Promise<void> {
    const group = this.options.shareGroup;
    const acls = [
      ...['telemetry', 'events', 'status', 'command-results'].flatMap((leaf) => [
        { acltype: 'subscribePattern', topic: `$share/${group}/devices/+/${leaf}`, allow: true },
        { acltype: 'publishClientReceive', topic: `devices/+/${leaf}`, allow: true },
      ]),
      { acltype: 'publishClientSend', topic: 'devices/+/commands', allow: true },
    ];
    await this.run([{ command: 'createRole', rolename: INGEST_ROLE, acls }], ['Role already exists']);
    const username = this.options.username;
    if (!username) return;
    const account = (await this.request({ command: 'getClient', username })) as DynsecResponse & { data?: { client?: { roles?: { rolename: string }[] } } };
    if (account.data?.client?.roles?.some((r) => r.rolename === INGEST_ROLE)) return;
    // Changing a client's roles makes Mosquitto disconnect that client's connections, this one
    // included, before it answers: send, then wait for the reconnection.
    const client = this.client!;
    const reconnected = new Promise<void>((resolve) => client.once('connect', () => resolve()));
    client.publish(CONTROL, JSON.stringify({ commands: [{ command: 'addClientRole', username, rolename: INGEST_ROLE }] }), { qos: 1 });
    await Promise.race([
      reconnected,
      new Promise((_, reject) => setTimeout(() => reject(new DynsecError('addClientRole', 'no reconnection')), this.timeoutMs).unref()),
    ]);
    this.logger.info({ username, role: INGEST_ROLE }, 'dynsec: ingest account granted its role');
  }

  /** Sends commands one request each (dynsec answers per command) and checks each answer. */
  private async run(commands: DynsecCommand[], tolerated: string[] = []): Promise<void> {
    for (const command of commands) {
      const response = await this.request(command);
      if (response.error && !tolerated.includes(response.error)) throw new DynsecError(command.command, response.error);
    }
  }

  private request(command: DynsecCommand): Promise<DynsecResponse> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('dynsec client not started'));
    const correlationData = randomUUID();
    return new Promise<DynsecResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(correlationData);
        reject(new DynsecError(command.command, 'no answer from the broker'));
      }, this.timeoutMs);
      this.waiting.set(correlationData, { resolve, timer });
      client.publish(CONTROL, JSON.stringify({ commands: [{ ...command, correlationData }] }), { qos: 1 }, (error) => {
        if (!error) return;
        clearTimeout(timer);
        this.waiting.delete(correlationData);
        reject(error);
      });
    });
  }

  private onResponse(payload: Buffer): void {
    let body: { responses?: DynsecResponse[] };
    try {
      body = JSON.parse(payload.toString('utf8')) as typeof body;
    } catch {
      return;
    }
    for (const response of body.responses ?? []) {
      const pending = response.correlationData ? this.waiting.get(response.correlationData) : undefined;
      if (!pending) continue;
      clearTimeout(pending.timer);
      this.waiting.delete(response.correlationData!);
      pending.resolve(response);
    }
  }
}
