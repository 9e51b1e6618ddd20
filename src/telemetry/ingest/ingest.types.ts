import type { DeviceIdentity } from '../devices/devices.types.js';

export const REJECTION_REASONS = [
  'not_json',
  'invalid_shape',
  'unknown_metric',
  'wrong_type',
  'out_of_range',
  'future_timestamp',
  'bad_timestamp',
  'unknown_event',
  'influx_refused',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export type IngestChannel = 'telemetry' | 'events';

export type IngestResult = { readonly ok: true; readonly accepted: number } | { readonly ok: false; readonly reason: RejectionReason; readonly detail: string };

/** Port used by the MQTT edge; implemented in src/telemetry/ingest. */
export interface TelemetryIngest {
  /**
   * Validates a publish from an authenticated device against its equipment model and, when
   * valid, appends it to the durable journal. Resolves only once the reading is durable, so
   * the broker may acknowledge it. Bad payloads resolve with `ok: false` (already counted and
   * logged as a rejection); the promise rejects only when the journal itself is unavailable.
   */
  accept(device: DeviceIdentity, channel: IngestChannel, payload: Buffer): Promise<IngestResult>;
}
