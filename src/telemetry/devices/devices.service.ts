/**
 * Device provisioning and credentials, and the ports the MQTT edge uses (DeviceAuthenticator,
 * DevicePresence). A device token is 32 random bytes, shown once; only its SHA-256 is stored
 * (a fast hash is right for a high-entropy secret) and compared in constant time.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Database } from '../../kernel/db/database.js';
import type { Logger } from '../../kernel/logger.js';
import { conflict, notFound } from '../../kernel/errors.js';
import { isUniqueViolation } from '../../kernel/db/database-errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import { AssetsRepository } from '../../service/assets/assets.repository.js';
import { DevicesRepository, type DeviceRow } from './devices.repository.js';
import { DEVICE_ID_PATTERN, DEVICE_TOKEN_PATTERN, type Device, type DeviceCredentials, type ListDevices, type MqttAccess } from './devices.schemas.js';
import type { DeviceAuthenticator, DeviceIdentity, DevicePresence } from './devices.types.js';

/** Called after a revoke or a rotation has committed: the device's live sessions must end. */
export type RevokedListener = (deviceId: string) => void;

/**
 * Where device credentials are mirrored (Mosquitto's dynamic security), told after each commit
 * with the token in clear: the only moment Telemend knows it. A failure is logged, not thrown:
 * the change stands, and rotating the token writes the device again.
 */
export interface CredentialSink {
  issued(deviceId: string, token: string): Promise<void>;
  revoked(deviceId: string): Promise<void>;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ID_LENGTH = 16;

export function newDeviceId(): string {
  let id = 'd-';
  for (let i = 0; i < ID_LENGTH; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

export function newDeviceToken(): string {
  return `tmd_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function mqttAccessOf(deviceId: string): MqttAccess {
  const base = `devices/${deviceId}`;
  return {
    username: deviceId,
    clientId: deviceId,
    topics: { telemetry: `${base}/telemetry`, events: `${base}/events`, status: `${base}/status`, commands: `${base}/commands` },
  };
}

export class DevicesService implements DeviceAuthenticator, DevicePresence {
  private readonly repo = new DevicesRepository();
  private readonly assets = new AssetsRepository();
  private readonly revokedListeners = new Set<RevokedListener>();
  private credentialSink: CredentialSink | undefined;

  /** `logger` (optional) reports a revoked-listener that throws; the revoke itself still succeeds. */
  constructor(
    private readonly db: Database,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {}

  /** Creates the asset's device and its first token. CONFLICT if the asset already has an active device. */
  async provision(assetId: string): Promise<DeviceCredentials> {
    const token = newDeviceToken();
    try {
      const row = await this.db.transaction(async (tx) => {
        if (!(await this.repo.lockAsset(tx, assetId))) throw notFound('asset', assetId);
        const existing = await this.repo.findForAsset(tx, assetId);
        if (existing?.status === 'active') throw alreadyProvisioned(assetId, existing.id);
        return this.repo.insert(tx, { id: newDeviceId(), assetId, tokenHash: hashToken(token) });
      });
      await this.mirror(row.id, (sink) => sink.issued(row.id, token));
      return { ...toDevice(row), token };
    } catch (error) {
      if (isUniqueViolation(error, 'devices_active_asset_idx')) throw alreadyProvisioned(assetId);
      throw error;
    }
  }

  /** Issues a new token; the old one stops working at once and live sessions are ended. */
  async rotate(deviceId: string): Promise<DeviceCredentials> {
    const token = newDeviceToken();
    const row = await this.db.transaction(async (tx) => {
      const current = await this.repo.find(tx, deviceId, { lock: true });
      if (!current) throw notFound('device', deviceId);
      if (current.status !== 'active') {
        throw conflict(`Device ${deviceId} is revoked; provision a new device for asset ${current.asset_id}`, { deviceId });
      }
      return this.repo.setToken(tx, deviceId, hashToken(token));
    });
    await this.mirror(deviceId, (sink) => sink.issued(deviceId, token));
    this.emitRevoked(deviceId);
    return { ...toDevice(row), token };
  }

  /** Revokes the device for good (idempotent). Its sessions are ended; it can no longer connect. */
  async revoke(deviceId: string): Promise<Device> {
    let changed = false;
    const row = await this.db.transaction(async (tx) => {
      const current = await this.repo.find(tx, deviceId, { lock: true });
      if (!current) throw notFound('device', deviceId);
      if (current.status === 'revoked') return current;
      changed = true;
      return this.repo.revoke(tx, deviceId);
    });
    if (changed) {
      await this.mirror(deviceId, (sink) => sink.revoked(deviceId));
      this.emitRevoked(deviceId);
    }
    return toDevice(row);
  }

  async get(deviceId: string): Promise<Device> {
    const row = await this.repo.find(this.db, deviceId);
    if (!row) throw notFound('device', deviceId);
    return toDevice(row);
  }

  /** The asset's active device, else its most recent revoked one; NOT_FOUND if it never had one. */
  async getForAsset(assetId: string): Promise<Device> {
    const row = await this.repo.findForAsset(this.db, assetId);
    if (row) return toDevice(row);
    if (!(await this.assets.exists(this.db, assetId))) throw notFound('asset', assetId);
    throw notFound('device of asset', assetId);
  }

  async list(query: ListDevices): Promise<Page<Device>> {
    const page = await this.repo.list(this.db, query);
    return { items: page.items.map(toDevice), nextCursor: page.nextCursor };
  }

  async authenticate(deviceId: string, token: string): Promise<DeviceIdentity | null> {
    if (!DEVICE_ID_PATTERN.test(deviceId) || !DEVICE_TOKEN_PATTERN.test(token)) return null;
    const presented = createHash('sha256').update(token, 'utf8').digest();
    const found = await this.repo.credentialsOf(this.db, deviceId);
    if (!found) return null;
    const stored = Buffer.from(found.tokenHash, 'hex');
    if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) return null;
    const { tokenHash: _, ...identity } = found;
    return identity;
  }

  /** Identity of an active device without checking a token (for components already trusting the id). */
  async identify(deviceId: string): Promise<DeviceIdentity | null> {
    if (!DEVICE_ID_PATTERN.test(deviceId)) return null;
    const found = await this.repo.credentialsOf(this.db, deviceId);
    if (!found) return null;
    const { tokenHash: _, ...identity } = found;
    return identity;
  }

  async connected(deviceId: string, at: Date): Promise<void> {
    await this.repo.connected(this.db, deviceId, at);
  }

  async disconnected(deviceId: string, at: Date): Promise<void> {
    await this.repo.disconnected(this.db, deviceId, at);
  }

  async seen(stamps: ReadonlyMap<string, Date>): Promise<void> {
    if (stamps.size === 0) return;
    await this.repo.seen(this.db, stamps);
  }

  /** Subscribes to revocations and rotations (after commit, in this process). Returns unsubscribe. */
  onRevoked(listener: RevokedListener): () => void {
    this.revokedListeners.add(listener);
    return () => {
      this.revokedListeners.delete(listener);
    };
  }

  /** Mirrors credentials into an external broker from now on (MQTT_EXTERNAL_DYNSEC). */
  mirrorCredentialsTo(sink: CredentialSink): void {
    this.credentialSink = sink;
  }

  private async mirror(deviceId: string, write: (sink: CredentialSink) => Promise<void>): Promise<void> {
    if (!this.credentialSink) return;
    try {
      await write(this.credentialSink);
    } catch (error) {
      this.logger?.warn({ err: error, deviceId }, 'device credentials not mirrored to the external broker; rotate the token to retry');
    }
  }

  private emitRevoked(deviceId: string): void {
    for (const listener of [...this.revokedListeners]) {
      try {
        listener(deviceId);
      } catch (error) {
        this.logger?.warn({ err: error, deviceId }, 'device revoked listener failed');
      }
    }
  }
}

function alreadyProvisioned(assetId: string, deviceId?: string) {
  const which = deviceId ? ` (${deviceId})` : '';
  return conflict(
    `Asset ${assetId} already has an active device${which}; rotate its token with POST /api/v1/devices/{deviceId}/rotate, or revoke it first`,
    deviceId ? { deviceId } : undefined,
  );
}

function toDevice(row: DeviceRow): Device {
  return {
    deviceId: row.id,
    assetId: row.asset_id,
    status: row.status,
    online: row.online,
    lastSeenAt: row.last_seen_at?.toISOString() ?? null,
    connectedAt: row.connected_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    rotatedAt: row.rotated_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    mqtt: mqttAccessOf(row.id),
  };
}
