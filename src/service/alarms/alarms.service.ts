/**
 * Alarms: `report` turns a finding into the one not-cleared alarm of its asset and rule
 * (created, or merged: occurrences, last seen, bounded evidence history); `acknowledge` and
 * `clear` move it along active → acknowledged → cleared. Methods that take a `tx` run inside
 * the caller's transaction (the auto-ticket writes alarm and ticket together).
 */
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../../access/audit/audit.service.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { AppError, conflict, notFound } from '../../kernel/errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { AlarmsRepository, type AlarmRow } from './alarms.repository.js';
import type { Alarm, ListAlarms } from './alarms.schemas.js';
import type { AssetFinding } from '../../telemetry/detection/detection.types.js';
import { findingKey } from '../../telemetry/detection/finding.schema.js';
import { storedEvidence } from './alarm-evidence.js';

export interface AlarmsOptions {
  /** Evidence entries kept per alarm (oldest dropped). Default 20. */
  readonly historyLimit?: number;
}

export interface ReportResult {
  readonly alarm: Alarm;
  /** A new alarm was opened. */
  readonly created: boolean;
  /** False when the finding was a replay (already merged): nothing was written. */
  readonly changed: boolean;
}

export class AlarmsService {
  private readonly repo = new AlarmsRepository();
  private readonly historyLimit: number;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
    options: AlarmsOptions = {},
  ) {
    this.historyLimit = options.historyLimit ?? 20;
  }

  /** Upserts the finding's alarm (own transaction). */
  async report(finding: AssetFinding): Promise<ReportResult> {
    return this.db.transaction(async (tx) => {
      const result = await this.reportIn(tx, finding);
      return { alarm: toAlarm(result.row), created: result.created, changed: result.changed };
    });
  }

  /** The upsert inside the caller's transaction; the asset must exist (and match modelId when given). */
  async reportIn(tx: Queryable, finding: AssetFinding): Promise<{ row: AlarmRow; created: boolean; changed: boolean }> {
    if (finding.state === 'cleared') {
      throw new AppError(
        'VALIDATION_FAILED',
        'Invalid finding: a cleared finding clears its alarm (clear / AutoTicketService.conditionCleared), it is not reported',
        {
          fields: [{ field: 'finding.state', message: 'must be firing' }],
        },
      );
    }
    const key = findingKey(finding);
    const at = new Date(finding.at);
    // One statement in the common case: the upsert reads the asset's model itself and writes
    // nothing for an unknown asset or another model; only then (or for a replay) do we look again.
    const written = await this.repo.upsert(tx, {
      assetId: finding.assetId,
      deviceId: finding.deviceId ?? null,
      expectedModelId: finding.modelId ?? null,
      ruleId: finding.ruleId,
      faultCode: finding.faultCode ?? null,
      kind: finding.kind,
      severity: finding.severity ?? null,
      at,
      key,
      entry: { key, at: at.toISOString(), kind: finding.kind, ...storedEvidence(finding.evidence) },
      historyLimit: this.historyLimit,
      now: this.clock.now(),
    });
    if (written) {
      if (written.created) {
        await recordAudit(tx, SYSTEM_ACTOR, {
          entity: 'alarm',
          entityId: written.row.id,
          action: 'create',
          changes: { ruleId: finding.ruleId, faultCode: finding.faultCode ?? null, assetId: finding.assetId },
        });
      }
      return { ...written, changed: true };
    }
    const current = await this.repo.assetAndOpenAlarm(tx, finding.assetId, finding.ruleId);
    if (!current)
      throw new AppError('VALIDATION_FAILED', `Invalid finding: no asset ${finding.assetId}`, {
        fields: [{ field: 'finding.assetId', message: 'unknown asset' }],
      });
    if (finding.modelId && finding.modelId !== current.modelId) {
      throw new AppError('VALIDATION_FAILED', `Invalid finding: asset ${finding.assetId} is a ${current.modelId}, not a ${finding.modelId}`, {
        fields: [{ field: 'finding.modelId', message: 'does not match the asset' }],
      });
    }
    // A replay: the finding's key is already in the open alarm's history.
    return { row: current.open!, created: false, changed: false };
  }

  async get(id: string): Promise<Alarm> {
    const row = await this.repo.find(this.db, id);
    if (!row) throw notFound('alarm', id);
    return toAlarm(row);
  }

  async list(query: ListAlarms): Promise<Page<Alarm>> {
    const page = await this.repo.list(this.db, query);
    return { items: page.items.map(toAlarm), nextCursor: page.nextCursor };
  }

  /** active → acknowledged; acknowledging an acknowledged alarm returns it unchanged; a cleared one is CONFLICT. */
  async acknowledge(id: string, actor: Actor): Promise<Alarm> {
    const now = this.clock.now();
    const row = await this.db.transaction(async (tx) => {
      const current = await this.repo.find(tx, id, { lock: true });
      if (!current) throw notFound('alarm', id);
      if (current.state === 'acknowledged') return current;
      if (current.state === 'cleared') throw conflict(`Alarm ${id} is cleared and cannot be acknowledged`, { from: 'cleared', to: 'acknowledged' });
      const updated = await this.repo.acknowledge(tx, id, now, actor);
      await recordAudit(tx, actor, { entity: 'alarm', entityId: id, action: 'acknowledge', changes: { state: { from: current.state, to: 'acknowledged' } } });
      return updated;
    });
    return toAlarm(row);
  }

  /** Clears the open alarm of an asset's rule (own transaction); returns it, or undefined when none was open. */
  async clear(assetId: string, ruleId: string, at: Date, actor: Actor = SYSTEM_ACTOR): Promise<Alarm | undefined> {
    const rows = await this.db.transaction((tx) => this.clearIn(tx, { assetId, ruleId }, at, actor));
    return rows[0] ? toAlarm(rows[0]) : undefined;
  }

  /** Clears the matching not-cleared alarms inside the caller's transaction. */
  async clearIn(tx: Queryable, match: { assetId: string; ruleId?: string; faultCode?: string }, at: Date, actor: Actor = SYSTEM_ACTOR): Promise<AlarmRow[]> {
    const rows = await this.repo.clear(tx, match, at, this.clock.now());
    for (const row of rows) await recordAudit(tx, actor, { entity: 'alarm', entityId: row.id, action: 'clear', changes: { at: at.toISOString() } });
    return rows;
  }

  /**
   * The detector found the open alarm's condition steady since `since` (reading time), or no
   * longer steady (null): shown as the asset's likely new normal. Audited; replays change nothing.
   */
  async markNewNormal(assetId: string, ruleId: string, since: Date | null): Promise<Alarm | undefined> {
    const row = await this.db.transaction(async (tx) => {
      const updated = await this.repo.setNewNormal(tx, assetId, ruleId, since, this.clock.now());
      if (updated)
        await recordAudit(tx, SYSTEM_ACTOR, { entity: 'alarm', entityId: updated.id, action: 'new_normal', changes: { since: since?.toISOString() ?? null } });
      return updated;
    });
    return row ? toAlarm(row) : undefined;
  }

  async linkTicket(tx: Queryable, alarmId: string, ticketId: string): Promise<void> {
    await this.repo.linkTicket(tx, alarmId, ticketId);
  }
}

export function toAlarm(row: AlarmRow): Alarm {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: row.id,
    assetId: row.asset_id,
    deviceId: row.device_id,
    modelId: row.model_id,
    ruleId: row.rule_id,
    faultCode: row.fault_code,
    kind: row.kind as Alarm['kind'],
    severity: row.severity as Alarm['severity'],
    state: row.state,
    firstSeenAt: row.first_seen_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    occurrences: row.occurrences,
    evidence: row.evidence,
    ticketId: row.ticket_id,
    acknowledgedAt: iso(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by_type ? { type: row.acknowledged_by_type, id: row.acknowledged_by_id ?? '' } : null,
    clearedAt: iso(row.cleared_at),
    newNormal: row.new_normal_since !== null,
    newNormalSince: iso(row.new_normal_since),
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
