/** SQL for devices and their presence. Methods take the Queryable to run on. */
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { DeviceIdentity } from './devices.types.js';
import type { DeviceStatus, ListDevices } from './devices.schemas.js';

export interface DeviceRow {
  id: string;
  asset_id: string;
  status: DeviceStatus;
  online: boolean;
  last_seen_at: Date | null;
  connected_at: Date | null;
  created_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
}

/** Never selects token_hash: only `credentialsOf` reads it. */
const COLUMNS = 'd.id, d.asset_id, d.status, d.online, d.last_seen_at, d.connected_at, d.created_at, d.rotated_at, d.revoked_at';

const SORT_COLUMNS: Record<string, SortColumn> = {
  createdAt: { expr: 'd.created_at', type: 'timestamptz' },
};

export class DevicesRepository {
  async insert(q: Queryable, device: { id: string; assetId: string; tokenHash: string }): Promise<DeviceRow> {
    await q.query(`INSERT INTO devices (id, asset_id, token_hash, status) VALUES ($1, $2, $3, 'active')`, [device.id, device.assetId, device.tokenHash]);
    return (await this.find(q, device.id))!;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<DeviceRow | undefined> {
    const { rows } = await q.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices d WHERE d.id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  }

  /** The asset's active device, else its most recent one. */
  async findForAsset(q: Queryable, assetId: string): Promise<DeviceRow | undefined> {
    const { rows } = await q.query<DeviceRow>(
      `SELECT ${COLUMNS} FROM devices d WHERE d.asset_id = $1
       ORDER BY (d.status = 'active') DESC, d.created_at DESC, d.id DESC LIMIT 1`,
      [assetId],
    );
    return rows[0];
  }

  /** Locks the asset row, so concurrent provisioning of one asset is serialised. */
  async lockAsset(q: Queryable, assetId: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM assets WHERE id = $1 FOR UPDATE', [assetId]);
    return rows.length > 0;
  }

  async setToken(q: Queryable, id: string, tokenHash: string): Promise<DeviceRow> {
    await q.query('UPDATE devices SET token_hash = $2, rotated_at = now() WHERE id = $1', [id, tokenHash]);
    return (await this.find(q, id))!;
  }

  async revoke(q: Queryable, id: string): Promise<DeviceRow> {
    await q.query(`UPDATE devices SET status = 'revoked', revoked_at = now() WHERE id = $1`, [id]);
    return (await this.find(q, id))!;
  }

  /** Identity and token hash of an active device (with its asset, site and customer). */
  async credentialsOf(q: Queryable, id: string): Promise<(DeviceIdentity & { tokenHash: string }) | undefined> {
    const { rows } = await q.query<DeviceIdentity & { tokenHash: string }>(
      `SELECT d.id AS "deviceId", d.asset_id AS "assetId", a.model_id AS "modelId", a.site_id AS "siteId",
              s.customer_id AS "customerId", d.token_hash AS "tokenHash"
       FROM devices d JOIN assets a ON a.id = d.asset_id JOIN sites s ON s.id = a.site_id
       WHERE d.id = $1 AND d.status = 'active'`,
      [id],
    );
    return rows[0];
  }

  async list(q: Queryable, query: ListDevices): Promise<Page<DeviceRow>> {
    const params: unknown[] = [];
    const where: string[] = [];
    const filters: [unknown, string][] = [
      [query.assetId, 'd.asset_id'],
      [query.status, 'd.status'],
      [query.online, 'd.online'],
    ];
    for (const [value, column] of filters) {
      if (value === undefined) continue;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    }
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 'd.id', idType: 'text' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<DeviceRow & { sort_key: string }>(
      `SELECT ${COLUMNS}, ${page.sortKeySelect} FROM devices d ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }

  async connected(q: Queryable, id: string, at: Date): Promise<void> {
    await q.query('UPDATE devices SET online = true, connected_at = $2, last_seen_at = GREATEST(last_seen_at, $2) WHERE id = $1', [id, at]);
  }

  /** Ignored when the device connected again after `at` (a late event from a replaced session). */
  async disconnected(q: Queryable, id: string, at: Date): Promise<void> {
    await q.query(
      `UPDATE devices SET online = false, last_seen_at = GREATEST(last_seen_at, $2)
       WHERE id = $1 AND (connected_at IS NULL OR connected_at <= $2)`,
      [id, at],
    );
  }

  /** Moves last_seen_at forward (never back) for many devices in one statement. */
  async seen(q: Queryable, stamps: ReadonlyMap<string, Date>): Promise<void> {
    const list = [...stamps].map(([id, at]) => ({ id, at: at.toISOString() }));
    await q.query(
      `UPDATE devices d SET last_seen_at = GREATEST(d.last_seen_at, v.at)
       FROM jsonb_to_recordset($1::jsonb) AS v(id text, at timestamptz) WHERE d.id = v.id`,
      [JSON.stringify(list)],
    );
  }
}
