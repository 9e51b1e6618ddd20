/**
 * Device identity and topic rules for an external broker that asks over HTTP (EMQX's HTTP
 * authentication and authorization backends, VerneMQ's webhooks): "may this client connect /
 * publish here / subscribe there". Same contract as the embedded broker (topic-policy.ts):
 * username = client id = device id, password = its token; a device publishes only its own
 * telemetry, events, status and command-results and subscribes only to its own commands. Telemend's
 * ingest account (MQTT_EXTERNAL_USERNAME) may take the device topics with shared subscriptions
 * and publish commands.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { DeviceAuthenticator, DeviceIdentity } from '../devices/devices.types.js';
import { DEVICE_ID_PATTERN, commandsTopic } from '../broker/topic-policy.js';
import { EXTERNAL_CHANNELS } from './external-ingest.js';

export type HookAction = 'publish' | 'subscribe';

export interface BrokerHooksOptions {
  readonly devices: DeviceAuthenticator & { identify(deviceId: string): Promise<DeviceIdentity | null> };
  /** MQTT_EXTERNAL_USERNAME / PASSWORD: Telemend's own ingest account, if it is checked here. */
  readonly ingestUsername?: string | undefined;
  readonly ingestPassword?: string | undefined;
  readonly shareGroup: string;
}

const DEVICE_PUBLISH = new Set<string>(EXTERNAL_CHANNELS);

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export class BrokerHooksService {
  constructor(private readonly options: BrokerHooksOptions) {}

  private isIngest(username: string | undefined): boolean {
    return !!this.options.ingestUsername && username === this.options.ingestUsername;
  }

  /** May this client connect? */
  async authenticate(clientId: string | undefined, username: string | undefined, password: string | undefined): Promise<boolean> {
    if (username === undefined || password === undefined) return false;
    if (this.isIngest(username)) return this.options.ingestPassword !== undefined && sameSecret(password, this.options.ingestPassword);
    // One session per device: its client id is its device id (as with the embedded broker).
    if (clientId !== username || !DEVICE_ID_PATTERN.test(username)) return false;
    return (await this.options.devices.authenticate(username, password)) !== null;
  }

  /** May this client publish on `topic` / subscribe to the filter `topic`? */
  async authorize(clientId: string | undefined, username: string | undefined, action: HookAction, topic: string): Promise<boolean> {
    if (username === undefined) return false;
    if (this.isIngest(username)) return this.ingestMay(action, topic);
    if (clientId !== username || !DEVICE_ID_PATTERN.test(username)) return false;
    const own = `devices/${username}/`;
    if (action === 'subscribe') {
      if (topic !== commandsTopic(username)) return false;
    } else if (!topic.startsWith(own) || !DEVICE_PUBLISH.has(topic.slice(own.length))) {
      return false;
    }
    // Revoked since it connected: refused from now on.
    return (await this.options.devices.identify(username)) !== null;
  }

  private ingestMay(action: HookAction, topic: string): boolean {
    if (action === 'publish') return /^devices\/[^/+#]+\/commands$/.test(topic) && DEVICE_ID_PATTERN.test(topic.split('/')[1]!);
    const prefix = `$share/${this.options.shareGroup}/`;
    const filter = topic.startsWith(prefix) ? topic.slice(prefix.length) : topic;
    return EXTERNAL_CHANNELS.some((channel) => filter === `devices/+/${channel}`);
  }
}
