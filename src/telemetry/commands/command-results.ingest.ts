/**
 * The broker edge's port for device answers on devices/{id}/command-results (embedded broker
 * hooks and the external-broker client alike): resolves once the answer is stored, or once a bad
 * one is recorded in the rejection log, so the broker may acknowledge it; rejects only when the
 * database is unavailable (no acknowledgement: the device, or the external broker, re-sends).
 */
import type { DeviceIdentity } from '../devices/devices.types.js';
import type { RejectionPort } from '../ingest/ingest.service.js';
import type { Logger } from '../../kernel/logger.js';
import type { CommandsService } from './commands.service.js';

export interface CommandResultsPort {
  accept(device: DeviceIdentity, payload: Buffer): Promise<{ readonly ok: boolean }>;
}

export class CommandResultsIngest implements CommandResultsPort {
  constructor(
    private readonly commands: Pick<CommandsService, 'recordResult'>,
    private readonly rejections: RejectionPort,
    private readonly logger: Logger,
  ) {}

  async accept(device: DeviceIdentity, payload: Buffer): Promise<{ ok: boolean }> {
    const outcome = await this.commands.recordResult(device.deviceId, payload);
    if (outcome.ok) return { ok: true };
    if (outcome.reason === 'not_json' || outcome.reason === 'invalid_shape') {
      await this.rejections
        .record({
          deviceId: device.deviceId,
          assetId: device.assetId,
          reason: outcome.reason,
          detail: outcome.detail,
          topic: `devices/${device.deviceId}/command-results`,
          payloadSample: payload.subarray(0, 512).toString('utf8'),
        })
        .catch((error: unknown) => this.logger.error({ err: error, deviceId: device.deviceId }, 'could not record a rejected command result'));
    } else {
      // A late answer (timed out) or a repeated one (QoS 1 re-send): nothing to change.
      this.logger.info({ deviceId: device.deviceId, reason: outcome.reason, detail: outcome.detail }, 'command result ignored');
    }
    return { ok: false };
  }
}
