/**
 * SQL for alarms. The upsert relies on the unique partial index alarms_open_rule_idx (one
 * not-cleared alarm per asset and rule): concurrent reports of the same rule serialise on it and
 * the later ones merge into the first. A finding whose key is already in the bounded history is
 * a replay and changes nothing.
 */
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { ListAlarms } from './alarms.schemas.js';
import { sqlFilter } from '../../kernel/db/sql-filter.js';

export interface AlarmRow {
  id: string;
  asset_id: string;
  device_id: string | null;
  model_id: string;
  rule_id: string;
  fault_code: string | null;
  kind: string;
  severity: string | null;
  state: 'active' | 'acknowledged' | 'cleared';
  first_seen_at: Date;
  last_seen_at: Date;
  occurrences: number;
  evidence: { latest: Record<string, unknown>; history: Record<string, unknown>[] };
  ticket_id: string | null;
  acknowledged_at: Date | null;
  acknowledged_by_type: string | null;
  acknowledged_by_id: string | null;
  cleared_at: Date | null;
  new_normal_since: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface AlarmUpsert {
  assetId: string;
  deviceId: string | null;
  /** The model the finding claims for the asset; null = not claimed. The alarm's model is always the asset's. */
  expectedModelId: string | null;
  ruleId: string;
  faultCode: string | null;
  kind: string;
  severity: string | null;
  at: Date;
  key: string;
  /** Evidence of this finding (with its `at`, `kind` and `key`). */
  entry: Record<string, unknown>;
  historyLimit: number;
  now: Date;
}

const SORT_COLUMNS: Record<string, SortColumn> = {
  firstSeenAt: { expr: 'al.first_seen_at', type: 'timestamptz' },
  lastSeenAt: { expr: 'al.last_seen_at', type: 'timestamptz' },
};

export class AlarmsRepository {
  /**
   * Inserts or merges, taking the model from the asset row in the same statement. Undefined when
   * nothing was written: a replayed finding, an unknown asset, or an asset that is not of
   * `expectedModelId` (`assetAndOpenAlarm` tells them apart).
   */
  async upsert(q: Queryable, a: AlarmUpsert): Promise<{ row: AlarmRow; created: boolean } | undefined> {
    const entry = JSON.stringify(a.entry);
    const { rows } = await q.query<AlarmRow & { inserted: boolean }>(
      `INSERT INTO alarms AS al (asset_id, device_id, model_id, rule_id, fault_code, kind, severity, state, first_seen_at, last_seen_at,
                                 occurrences, evidence, created_at, updated_at)
       SELECT a.id, $2::text, a.model_id, $4::text, $5::text, $6::text, $7::text, 'active', $8::timestamptz, $8::timestamptz, 1,
              jsonb_build_object('latest', $9::jsonb, 'history', jsonb_build_array($9::jsonb)), $11::timestamptz, $11::timestamptz
       FROM assets a WHERE a.id = $1 AND ($3::text IS NULL OR a.model_id = $3::text)
       ON CONFLICT (asset_id, rule_id) WHERE state <> 'cleared' DO UPDATE SET
         device_id = COALESCE(EXCLUDED.device_id, al.device_id),
         fault_code = COALESCE(EXCLUDED.fault_code, al.fault_code),
         severity = COALESCE(EXCLUDED.severity, al.severity),
         first_seen_at = LEAST(al.first_seen_at, EXCLUDED.first_seen_at),
         last_seen_at = GREATEST(al.last_seen_at, EXCLUDED.last_seen_at),
         occurrences = al.occurrences + 1,
         evidence = jsonb_build_object(
           'latest', CASE WHEN EXCLUDED.last_seen_at >= al.last_seen_at THEN $9::jsonb ELSE al.evidence->'latest' END,
           'history', (SELECT COALESCE(jsonb_agg(h.e ORDER BY h.n), '[]'::jsonb) FROM (
               SELECT x.e, x.n FROM jsonb_array_elements((al.evidence->'history') || jsonb_build_array($9::jsonb)) WITH ORDINALITY AS x(e, n)
               ORDER BY x.n DESC LIMIT $12::int) h)),
         updated_at = EXCLUDED.updated_at,
         version = al.version + 1
       WHERE NOT ((al.evidence->'history') @> jsonb_build_array(jsonb_build_object('key', $10::text)))
       RETURNING al.*, (xmax = 0) AS inserted`,
      [a.assetId, a.deviceId, a.expectedModelId, a.ruleId, a.faultCode, a.kind, a.severity, a.at, entry, a.key, a.now, a.historyLimit],
    );
    const written = rows[0];
    if (!written) return undefined;
    const { inserted, ...row } = written;
    return { row, created: inserted };
  }

  /** The asset's model and its not-cleared alarm for the rule (undefined when none); undefined for an unknown asset. */
  async assetAndOpenAlarm(q: Queryable, assetId: string, ruleId: string): Promise<{ modelId: string; open: AlarmRow | undefined } | undefined> {
    const { rows } = await q.query<AlarmRow & { asset_model_id: string }>(
      `SELECT a.model_id AS asset_model_id, al.* FROM assets a
       LEFT JOIN alarms al ON al.asset_id = a.id AND al.rule_id = $2 AND al.state <> 'cleared' WHERE a.id = $1`,
      [assetId, ruleId],
    );
    const found = rows[0];
    if (!found) return undefined;
    const { asset_model_id: modelId, ...alarm } = found;
    return { modelId, open: alarm.id ? alarm : undefined };
  }

  async findOpen(q: Queryable, assetId: string, ruleId: string, options: { lock?: boolean } = {}): Promise<AlarmRow | undefined> {
    const { rows } = await q.query<AlarmRow>(
      `SELECT * FROM alarms WHERE asset_id = $1 AND rule_id = $2 AND state <> 'cleared'${options.lock ? ' FOR UPDATE' : ''}`,
      [assetId, ruleId],
    );
    return rows[0];
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<AlarmRow | undefined> {
    const { rows } = await q.query<AlarmRow>(`SELECT * FROM alarms WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  }

  async acknowledge(q: Queryable, id: string, at: Date, by: { type: string; id: string }): Promise<AlarmRow> {
    const { rows } = await q.query<AlarmRow>(
      `UPDATE alarms SET state = 'acknowledged', acknowledged_at = $2, acknowledged_by_type = $3, acknowledged_by_id = $4,
         updated_at = $2, version = version + 1 WHERE id = $1 RETURNING *`,
      [id, at, by.type, by.id],
    );
    return rows[0]!;
  }

  /** Clears the not-cleared alarms matching `where` (asset plus rule or fault code); returns them. */
  async clear(
    q: Queryable,
    match: { assetId: string; ruleId?: string | undefined; faultCode?: string | undefined; alarmId?: string | undefined },
    at: Date,
    now: Date,
  ): Promise<AlarmRow[]> {
    const { rows } = await q.query<AlarmRow>(
      `UPDATE alarms SET state = 'cleared', cleared_at = GREATEST($5::timestamptz, last_seen_at), new_normal_since = NULL, updated_at = $6, version = version + 1
       WHERE asset_id = $1 AND state <> 'cleared' AND ($2::text IS NULL OR rule_id = $2) AND ($3::text IS NULL OR fault_code = $3)
         AND ($4::uuid IS NULL OR id = $4)
       RETURNING *`,
      [match.assetId, match.ruleId ?? null, match.faultCode ?? null, match.alarmId ?? null, at, now],
    );
    return rows;
  }

  /**
   * Marks the open alarm of the asset's rule as steady since `since` (only an alarm raised by then:
   * a mark never lands on a later alarm of the rule), or takes the mark back (null). Undefined when
   * nothing changed (no such alarm, or already so).
   */
  async setNewNormal(q: Queryable, assetId: string, ruleId: string, since: Date | null, now: Date): Promise<AlarmRow | undefined> {
    const { rows } = await q.query<AlarmRow>(
      `UPDATE alarms SET new_normal_since = $3::timestamptz, updated_at = $4, version = version + 1
       WHERE asset_id = $1 AND rule_id = $2 AND state <> 'cleared' AND new_normal_since IS DISTINCT FROM $3::timestamptz
         AND ($3::timestamptz IS NULL OR first_seen_at <= $3::timestamptz)
       RETURNING *`,
      [assetId, ruleId, since, now],
    );
    return rows[0];
  }

  async linkTicket(q: Queryable, alarmId: string, ticketId: string): Promise<void> {
    await q.query('UPDATE alarms SET ticket_id = $2 WHERE id = $1 AND ticket_id IS DISTINCT FROM $2', [alarmId, ticketId]);
  }

  async list(q: Queryable, query: ListAlarms): Promise<Page<AlarmRow>> {
    const { params, where, add } = sqlFilter();
    add(query.assetId, (n) => `al.asset_id = $${n}`);
    add(query.state, (n) => `al.state = $${n}`);
    add(query.faultCode, (n) => `al.fault_code = $${n}`);
    if (query.open !== undefined) where.push(query.open ? `al.state <> 'cleared'` : `al.state = 'cleared'`);
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 'al.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<AlarmRow & { sort_key: string }>(
      `SELECT al.*, ${page.sortKeySelect} FROM alarms al ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }
}
