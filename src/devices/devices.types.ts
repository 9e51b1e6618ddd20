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
