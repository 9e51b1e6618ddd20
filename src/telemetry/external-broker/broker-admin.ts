/**
 * Disconnects a revoked or rotated client at once at an external EMQX 5 or VerneMQ broker,
 * through its management HTTP API (the auth/ACL hooks only refuse the next connect or publish):
 * - EMQX 5: `DELETE {url}/api/v5/clients/{clientid}` with an API key and secret (HTTP Basic);
 * - VerneMQ: `GET {url}/api/v1/session/disconnect?client-id={clientid}` with its API key (HTTP Basic user).
 * The URL is the operator's (MQTT_EXTERNAL_ADMIN_URL), like INFLUX_URL: it is called directly,
 * not through the egress guard for user-supplied destinations. A client that is not connected
 * (404) is not an error.
 */
import type { Logger } from '../../kernel/logger.js';

export type BrokerAdminKind = 'emqx' | 'vernemq';

export interface BrokerAdminOptions {
  readonly kind: BrokerAdminKind;
  /** Base URL of the management API, e.g. http://emqx:18083. */
  readonly url: string;
  /** EMQX: API key; VerneMQ: API key. */
  readonly key: string;
  /** EMQX: API secret; unused for VerneMQ. */
  readonly secret?: string | undefined;
  readonly timeoutMs?: number;
  readonly logger: Logger;
}

export type KickOutcome = 'disconnected' | 'not_connected' | 'failed';

export class BrokerAdmin {
  constructor(private readonly options: BrokerAdminOptions) {}

  /** Asks the broker to close the client's session; logs (never throws) when it cannot. */
  async kick(clientId: string): Promise<KickOutcome> {
    const { kind, url, key, secret, logger } = this.options;
    const base = url.replace(/\/+$/, '');
    const id = encodeURIComponent(clientId);
    const request =
      kind === 'emqx'
        ? { method: 'DELETE', target: `${base}/api/v5/clients/${id}`, auth: `${key}:${secret ?? ''}` }
        : { method: 'GET', target: `${base}/api/v1/session/disconnect?client-id=${id}`, auth: `${key}:` };
    try {
      const response = await fetch(request.target, {
        method: request.method,
        headers: { authorization: `Basic ${Buffer.from(request.auth).toString('base64')}` },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      await response.body?.cancel();
      if (response.status === 404) return 'not_connected';
      if (response.ok) {
        logger.info({ clientId, broker: kind }, 'revoked client disconnected at the external broker');
        return 'disconnected';
      }
      logger.warn(
        { clientId, broker: kind, status: response.status },
        'the external broker refused to disconnect a revoked client; it is refused at its next connect',
      );
      return 'failed';
    } catch (error) {
      logger.warn(
        { clientId, broker: kind, err: (error as Error).message },
        'the external broker could not be asked to disconnect a revoked client; it is refused at its next connect',
      );
      return 'failed';
    }
  }
}
