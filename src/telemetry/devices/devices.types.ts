/** What the broker and ingest know about an authenticated device. */
export interface DeviceIdentity {
  readonly deviceId: string;
  readonly assetId: string;
  readonly modelId: string;
  readonly siteId: string;
  readonly customerId: string;
}

/** Port used by the MQTT edge; implemented by DevicesService. */
export interface DeviceAuthenticator {
  /** The device's identity when the id exists, is active and the token matches; otherwise null. */
  authenticate(deviceId: string, token: string): Promise<DeviceIdentity | null>;
}

/** Port used by the broker to record presence; implemented by DevicesService. */
export interface DevicePresence {
  connected(deviceId: string, at: Date): Promise<void>;
  disconnected(deviceId: string, at: Date): Promise<void>;
  /** Last-seen stamps, flushed in batches by the broker. */
  seen(stamps: ReadonlyMap<string, Date>): Promise<void>;
}

/** What the broker knows about an authenticated technician (their mobile app). */
export interface TechnicianIdentity {
  readonly technicianId: string;
}

export type LocationResult = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly detail: string };

/**
 * Port for technicians' mobile apps on the broker (client id and username `tech:<userId>`,
 * password = the technician's MQTT token); implemented by TechnicianLocationService.
 */
export interface TechnicianMqttPort {
  /** The identity when the technician is active and the token matches; otherwise null. */
  authenticate(technicianId: string, token: string): Promise<TechnicianIdentity | null>;
  /**
   * Validates and stores a position published on `technicians/{id}/location`. Resolves once
   * stored; a bad payload resolves `ok: false` (already counted as a rejection). Rejects only
   * when the store is unavailable (the broker then closes without PUBACK).
   */
  acceptLocation(technicianId: string, payload: Buffer): Promise<LocationResult>;
}

/**
 * The broker's authenticator: devices, and optionally technicians' mobile apps. Without
 * `technicians`, technician clients are refused like unknown devices.
 */
export interface MqttAuthenticator extends DeviceAuthenticator {
  readonly technicians?: TechnicianMqttPort | undefined;
}
