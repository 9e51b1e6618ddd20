/**
 * An asset's history: everything that happened to it, newest first, from the records that
 * already hold it — installation and warranty, its devices (provisioned, rotated, revoked),
 * tickets and their status changes, visits, activities, and audited changes. One query.
 */
import type { Database } from '../../kernel/db/database.js';
import type { Scope } from '../../access/auth/principal.js';
import type { AssetsService } from './assets.service.js';

export interface AssetHistoryEvent {
  at: string;
  kind: string;
  title: string;
  ref: { type: string; id: string } | null;
}

interface Row {
  at: Date | string;
  kind: string;
  title: string;
  ref_type: string | null;
  ref_id: string | null;
}

const HISTORY_SQL = `
  WITH events AS (
    SELECT a.install_date::timestamptz AS at, 'installed' AS kind, 'Installed (serial ' || a.serial_number || ')' AS title, 'asset' AS ref_type, a.id::text AS ref_id
      FROM assets a WHERE a.id = $1 AND a.install_date IS NOT NULL
    UNION ALL
    SELECT a.warranty_end::timestamptz, 'warranty_ended', 'Warranty ended', 'asset', a.id::text
      FROM assets a WHERE a.id = $1 AND a.warranty_end IS NOT NULL AND a.warranty_end <= current_date
    UNION ALL
    SELECT d.created_at, 'device_provisioned', 'Device ' || d.id || ' provisioned', 'device', d.id FROM devices d WHERE d.asset_id = $1
    UNION ALL
    SELECT d.rotated_at, 'device_token_rotated', 'Device ' || d.id || ' token rotated', 'device', d.id FROM devices d WHERE d.asset_id = $1 AND d.rotated_at IS NOT NULL
    UNION ALL
    SELECT d.revoked_at, 'device_revoked', 'Device ' || d.id || ' revoked', 'device', d.id FROM devices d WHERE d.asset_id = $1 AND d.revoked_at IS NOT NULL
    UNION ALL
    SELECT t.created_at, 'ticket_opened', t.number || ' opened (' || t.priority || ', ' || t.channel || '): ' || t.title, 'ticket', t.id::text
      FROM tickets t WHERE t.asset_id = $1
    UNION ALL
    SELECT h.at, 'ticket_' || h.to_status, t.number || ' ' || replace(h.to_status, '_', ' ') || coalesce(': ' || h.reason, ''), 'ticket', t.id::text
      FROM ticket_status_history h JOIN tickets t ON t.id = h.ticket_id
     WHERE t.asset_id = $1 AND h.from_status IS NOT NULL AND h.to_status IN ('resolved', 'closed', 'cancelled', 'on_hold')
    UNION ALL
    SELECT coalesce(v.actual_end, v.actual_start), 'visit', 'Visit for ' || t.number || coalesce(' — ' || replace(v.outcome, '_', ' '), ''), 'visit', v.id::text
      FROM visits v JOIN tickets t ON t.id = v.ticket_id
     WHERE t.asset_id = $1 AND v.actual_start IS NOT NULL
    UNION ALL
    SELECT ac.occurred_at, 'activity_' || ac.kind, coalesce(ac.subject, ac.kind), 'activity', ac.id::text FROM activities ac WHERE ac.asset_id = $1
    UNION ALL
    SELECT l.at, 'changed', 'Changed: ' || coalesce((SELECT string_agg(k, ', ') FROM jsonb_object_keys(l.changes) AS k), l.action), 'audit', l.id::text
      FROM audit_log l WHERE l.entity = 'asset' AND l.entity_id = $1::text
  )
  SELECT at, kind, title, ref_type, ref_id FROM events
   WHERE at IS NOT NULL AND ($2::timestamptz IS NULL OR at < $2::timestamptz)
   ORDER BY at DESC, kind LIMIT $3`;

export class AssetHistoryService {
  constructor(
    private readonly db: Database,
    private readonly assets: AssetsService,
  ) {}

  /** Newest first; `before` pages back in time. A customer scope hides other customers' assets (404). */
  async history(
    assetId: string,
    options: { before?: string | undefined; limit: number },
    scope: Scope,
  ): Promise<{ items: AssetHistoryEvent[]; nextBefore: string | null }> {
    await this.assets.get(assetId, scope);
    const { rows } = await this.db.query<Row>(HISTORY_SQL, [assetId, options.before ?? null, options.limit]);
    const items = rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      kind: r.kind,
      title: r.title,
      ref: r.ref_type && r.ref_id ? { type: r.ref_type, id: r.ref_id } : null,
    }));
    return { items, nextBefore: items.length === options.limit ? items[items.length - 1]!.at : null };
  }
}
