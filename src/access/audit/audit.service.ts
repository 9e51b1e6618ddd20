/**
 * The audit log: who changed what and when. Services call `recordAudit` inside the same
 * transaction as the change, so an audit row exists exactly when the change committed.
 */
import type { Queryable } from '../../kernel/db/database.js';

import type { Actor } from '../../kernel/caller.js';

export { SYSTEM_ACTOR, type Actor } from '../../kernel/caller.js';

export interface AuditEntry {
  readonly entity: string;
  readonly entityId: string;
  readonly action: string;
  /** Field → { from, to } for updates, or the created/deleted values. */
  readonly changes?: Record<string, unknown>;
}

export async function recordAudit(tx: Queryable, actor: Actor, entry: AuditEntry): Promise<void> {
  await tx.query(`INSERT INTO audit_log (actor_type, actor_id, entity, entity_id, action, changes) VALUES ($1, $2, $3, $4, $5, $6)`, [
    actor.type,
    actor.id,
    entry.entity,
    entry.entityId,
    entry.action,
    JSON.stringify(entry.changes ?? {}),
  ]);
}

/** Field-by-field difference of two records, limited to the keys of `after`. */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [key, value] of Object.entries(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(value)) changes[key] = { from: before[key], to: value };
  }
  return changes;
}

export interface AuditRow {
  id: string;
  at: Date;
  actorType: string;
  actorId: string;
  entity: string;
  entityId: string;
  action: string;
  changes: Record<string, unknown>;
}

export async function auditTrail(db: Queryable, entity: string, entityId: string): Promise<AuditRow[]> {
  const { rows } = await db.query<{
    id: string;
    at: Date;
    actor_type: string;
    actor_id: string;
    entity: string;
    entity_id: string;
    action: string;
    changes: Record<string, unknown>;
  }>('SELECT * FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id', [entity, entityId]);
  return rows.map((r) => ({
    id: String(r.id),
    at: r.at,
    actorType: r.actor_type,
    actorId: r.actor_id,
    entity: r.entity,
    entityId: r.entity_id,
    action: r.action,
    changes: r.changes,
  }));
}
