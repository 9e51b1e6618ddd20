/**
 * Technicians' positions and the MQTT credentials of their mobile app.
 *
 * - A position comes from `POST /technicians/{id}/location` or from MQTT
 *   `technicians/{id}/location` (`{"lat","lon","accuracy"?,"at"?}`); it is appended to a bounded
 *   history and becomes the current location unless a newer one is known.
 * - The MQTT token is 32 random bytes, shown once; only its SHA-256 is stored and it is compared
 *   in constant time (as device tokens). Issuing a new one invalidates the old one for new
 *   connections.
 * - Bad MQTT payloads never throw: they resolve `ok: false` and are recorded in the rejection log
 *   under the client id `tech:<id>` (counted per client and reason like device payloads).
 */
import type { Caller } from '../../kernel/caller.js';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { recordAudit } from '../../access/audit/audit.service.js';
import type { LocationResult, TechnicianIdentity, TechnicianMqttPort } from '../../telemetry/devices/devices.types.js';
import type { RejectionInput } from '../../telemetry/ingest/rejection-log.js';
import type { Database } from '../../kernel/db/database.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { invalidField } from '../../kernel/errors.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { TechniciansRepository } from './technicians.repository.js';
import { locationPayloadSchema, type LocationPayload, type TechnicianProfile } from './technicians.schemas.js';
import { technicianClientId, technicianLocationTopic, toProfile } from './technicians.service.js';

export interface TechnicianLocationOptions {
  readonly clock?: Clock;
  /** Positions kept per technician. Default 500. */
  readonly historyLimit?: number;
  /** A position further in the future than this is refused. Default 300000 (5 minutes). */
  readonly maxFutureMs?: number;
  /** Where refused MQTT payloads are recorded (the ingest rejection log); none = only counted by the broker. */
  readonly rejections?: { record(input: RejectionInput): Promise<void> } | undefined;
}

export const TECHNICIAN_TOKEN_PATTERN = /^tmt_[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export class TechnicianLocationService implements TechnicianMqttPort {
  private readonly repo = new TechniciansRepository();
  private readonly clock: Clock;
  private readonly historyLimit: number;
  private readonly maxFutureMs: number;

  constructor(
    private readonly db: Database,
    private readonly options: TechnicianLocationOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.historyLimit = options.historyLimit ?? 500;
    this.maxFutureMs = options.maxFutureMs ?? 300_000;
  }

  /** REST: the technician themself, or a dispatcher/admin. Returns the profile with the current location. */
  async record(id: string, input: LocationPayload, caller: Caller): Promise<TechnicianProfile> {
    const tech = await this.repo.find(this.db, id);
    if (!tech) throw notFound('technician', id);
    if (caller.role === 'technician' && caller.userId !== id) throw new AppError('FORBIDDEN', 'Technicians may only report their own location');
    const at = this.timestamp(input.at);
    if (!at.ok) throw invalidField('body.at', at.detail);
    await this.db.transaction((tx) =>
      this.repo.recordLocation(
        tx,
        id,
        { lat: input.lat, lon: input.lon, accuracy: input.accuracy ?? null, at: at.at, source: 'api', receivedAt: this.clock.now() },
        this.historyLimit,
      ),
    );
    return toProfile((await this.repo.find(this.db, id))!, caller);
  }

  async history(id: string, limit: number) {
    if (!(await this.repo.find(this.db, id))) throw notFound('technician', id);
    const rows = await this.repo.locations(this.db, id, limit);
    return rows.map((r) => ({ lat: r.latitude, lon: r.longitude, accuracy: r.accuracy_m, at: r.at.toISOString(), source: r.source }));
  }

  /** Issues (or rotates) the technician's MQTT token; shown once. */
  async issueToken(id: string, caller: Caller) {
    const tech = await this.repo.find(this.db, id);
    if (!tech) throw notFound('technician', id);
    if (caller.role === 'technician' && caller.userId !== id) throw new AppError('FORBIDDEN', 'Technicians may only pair their own app');
    if (!tech.active) throw invalidField('params.id', `${id} is not an active technician`);
    const token = `tmt_${randomBytes(32).toString('base64url')}`;
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      await this.repo.upsertProfile(tx, id, {}, now);
      await this.repo.setTokenHash(tx, id, sha256(token).toString('hex'), now);
      await recordAudit(tx, caller.actor, {
        entity: 'technician',
        entityId: id,
        action: 'mqtt_token',
        changes: { rotated: tech.mqtt_token_issued_at !== null },
      });
    });
    const clientId = technicianClientId(id);
    return { technicianId: id, clientId, username: clientId, token, topic: technicianLocationTopic(id), issuedAt: now.toISOString() };
  }

  async authenticate(technicianId: string, token: string): Promise<TechnicianIdentity | null> {
    if (!UUID.test(technicianId) || !TECHNICIAN_TOKEN_PATTERN.test(token)) return null;
    const stored = await this.repo.tokenHashOf(this.db, technicianId);
    if (!stored) return null;
    const expected = Buffer.from(stored, 'hex');
    const presented = sha256(token);
    if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) return null;
    return { technicianId };
  }

  async acceptLocation(technicianId: string, payload: Buffer): Promise<LocationResult> {
    const text = payload.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return this.reject(technicianId, 'not_json', 'payload is not JSON', text);
    }
    const parsed = locationPayloadSchema.safeParse(json);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
      return this.reject(technicianId, 'invalid_shape', detail, text);
    }
    const at = this.timestamp(parsed.data.at);
    if (!at.ok) return this.reject(technicianId, at.reason, at.detail, text);
    const { lat, lon, accuracy } = parsed.data;
    await this.db.transaction((tx) =>
      this.repo.recordLocation(
        tx,
        technicianId,
        { lat, lon, accuracy: accuracy ?? null, at: at.at, source: 'mqtt', receivedAt: this.clock.now() },
        this.historyLimit,
      ),
    );
    return { ok: true };
  }

  private timestamp(at: LocationPayload['at']): { ok: true; at: Date } | { ok: false; reason: 'bad_timestamp' | 'future_timestamp'; detail: string } {
    const now = this.clock.now();
    if (at === undefined) return { ok: true, at: now };
    const ms = typeof at === 'number' ? at : Date.parse(at);
    if (!Number.isFinite(ms) || ms < Date.UTC(2000, 0, 1)) return { ok: false, reason: 'bad_timestamp', detail: `at: not a usable timestamp (${String(at)})` };
    if (ms > now.getTime() + this.maxFutureMs) return { ok: false, reason: 'future_timestamp', detail: `at: ${new Date(ms).toISOString()} is in the future` };
    return { ok: true, at: new Date(ms) };
  }

  private async reject(technicianId: string, reason: RejectionInput['reason'], detail: string, sample: string): Promise<LocationResult> {
    await this.options.rejections
      ?.record({ deviceId: technicianClientId(technicianId), reason, detail, topic: technicianLocationTopic(technicianId), payloadSample: sample })
      .catch(() => undefined);
    return { ok: false, reason, detail };
  }
}
