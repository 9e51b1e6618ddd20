/**
 * The parts desk's day-to-day: goods received, stock counts and corrections, the levels per
 * location (with what is in transit to each), the movement ledger, and settling backorders.
 * Every change goes through StockLevelsRepository.move (part lock, guarded update, ledger row).
 */
import { recordAudit, type Actor } from '../../access/audit/audit.service.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { conflict, notFound } from '../../kernel/errors.js';
import { invalidField } from '../../kernel/errors.js';
import { keyset, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { CatalogueRepository, type LocationRow, type PartRow } from './catalogue.repository.js';
import { q3, StockLevelsRepository } from './stock-levels.repository.js';
import type { AdjustmentInput, Backorder, ListLevels, ListMovements, ReceiptInput } from './stock.schemas.js';

const levels = new StockLevelsRepository();
const catalogue = new CatalogueRepository();

export interface Level {
  locationId: string;
  locationCode: string;
  kind: 'central' | 'local' | 'van';
  partId: string;
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
  defective: number;
  inTransitIn: number;
}

interface MovementRow {
  id: string;
  part_id: string;
  sku: string;
  location_id: string;
  location_code: string;
  kind: string;
  bucket: string;
  quantity: number;
  unit_cost: number | null;
  ticket_id: string | null;
  visit_id: string | null;
  transfer_id: string | null;
  reservation_id: string | null;
  return_id: string | null;
  reference: string | null;
  reason: string | null;
  at: Date;
  actor_type: string;
  actor_id: string;
}

const LEVEL_SORT: Record<string, SortColumn> = { sku: { expr: 'p.sku', type: 'text' }, location: { expr: 'l.code', type: 'text' } };
const MOVEMENT_SORT: Record<string, SortColumn> = { at: { expr: 'm.at', type: 'timestamptz' } };
const MOVEMENT_COLUMNS = `m.id::text AS id, m.part_id, p.sku, m.location_id, l.code AS location_code, m.kind, m.bucket, m.quantity::float8 AS quantity,
  m.unit_cost::float8 AS unit_cost, m.ticket_id, m.visit_id, m.transfer_id, m.reservation_id, m.return_id, m.reference, m.reason, m.at, m.actor_type, m.actor_id`;

/** In-transit quantity per (destination, part): lines of shipped, not yet received transfers. */
export const IN_TRANSIT_SQL = `SELECT t.to_location_id AS location_id, tl.part_id, SUM(tl.quantity)::float8 AS quantity
  FROM stock_transfers t JOIN stock_transfer_lines tl ON tl.transfer_id = t.id WHERE t.status = 'shipped' GROUP BY 1, 2`;

export class StockDeskService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Goods received at a location: on hand up, one receipt movement per line. */
  async receive(input: ReceiptInput, actor: Actor) {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const location = await activeLocation(tx, input.locationId, 'body.locationId');
      const parts = await partsOf(
        tx,
        input.lines.map((l) => l.sku),
        'body.lines',
      );
      await levels.lockParts(
        tx,
        [...parts.values()].map((p) => p.id),
      );
      const ids: string[] = [];
      for (const line of input.lines) {
        const part = parts.get(line.sku)!;
        await levels.move(tx, location.id, part.id, [{ bucket: 'on_hand', kind: 'receipt', quantity: line.quantity }], {
          at: now,
          actor,
          reference: input.reference ?? null,
          unitCost: line.unitCost ?? part.unit_cost,
        });
        ids.push(await lastMovementId(tx));
      }
      await recordAudit(tx, actor, { entity: 'stock_location', entityId: location.id, action: 'stock.receipt', changes: { ...input } });
      return { items: await this.movementsById(tx, ids) };
    });
  }

  /** A correction or a physical count; refuses to drop on hand below what is reserved. */
  async adjust(input: AdjustmentInput, actor: Actor) {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const location = await activeLocation(tx, input.locationId, 'body.locationId');
      const part = (await partsOf(tx, [input.sku], 'body.sku')).get(input.sku)!;
      await levels.lockParts(tx, [part.id]);
      const current = await levels.one(tx, location.id, part.id);
      const delta = q3(input.delta ?? input.counted! - current.on_hand);
      if (delta === 0) return { items: [] };
      await levels.move(tx, location.id, part.id, [{ bucket: 'on_hand', kind: 'adjustment', quantity: delta }], {
        at: now,
        actor,
        reason: input.reason,
        unitCost: part.unit_cost,
      });
      const id = await lastMovementId(tx);
      await recordAudit(tx, actor, { entity: 'stock_location', entityId: location.id, action: 'stock.adjustment', changes: { ...input, delta } });
      return { items: await this.movementsById(tx, [id]) };
    });
  }

  async levels(query: ListLevels): Promise<Page<Level>> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.locationId) where.push(`sl.location_id = $${params.push(query.locationId)}`);
    if (query.sku) where.push(`p.sku = $${params.push(query.sku)}`);
    if (query.kind) where.push(`l.kind = $${params.push(query.kind)}`);
    const spec = {
      sort: query.sort,
      cursor: query.cursor,
      limit: query.limit,
      columns: LEVEL_SORT,
      idExpr: `(sl.location_id::text || '/' || sl.part_id::text)`,
      idType: 'text',
    } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await this.db.query<Level & { id: string; sort_key: string }>(
      `SELECT sl.location_id::text || '/' || sl.part_id::text AS id, sl.location_id AS "locationId", l.code AS "locationCode", l.kind, sl.part_id AS "partId", p.sku,
         sl.on_hand::float8 AS "onHand", sl.reserved::float8 AS reserved, (sl.on_hand - sl.reserved)::float8 AS available, sl.defective::float8 AS defective,
         COALESCE(it.quantity, 0)::float8 AS "inTransitIn", ${page.sortKeySelect}
       FROM stock_levels sl JOIN stock_locations l ON l.id = sl.location_id JOIN parts p ON p.id = sl.part_id
       LEFT JOIN (${IN_TRANSIT_SQL}) it ON it.location_id = sl.location_id AND it.part_id = sl.part_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _s, id: _i, ...level }) => level);
  }

  async movements(query: ListMovements) {
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.sku) where.push(`p.sku = $${params.push(query.sku)}`);
    if (query.locationId) where.push(`m.location_id = $${params.push(query.locationId)}`);
    if (query.ticketId) where.push(`m.ticket_id = $${params.push(query.ticketId)}`);
    if (query.kind) where.push(`m.kind = $${params.push(query.kind)}`);
    const spec = {
      sort: query.sort,
      cursor: query.cursor,
      limit: query.limit,
      columns: MOVEMENT_SORT,
      idExpr: `lpad(m.id::text, 20, '0')`,
      idType: 'text',
    } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    // The cursor's id is the zero-padded ledger id, so it sorts as text in id order.
    const { rows } = await this.db.query<MovementRow & { sort_key: string; page_id: string }>(
      `SELECT ${MOVEMENT_COLUMNS}, ${page.sortKeySelect}, lpad(m.id::text, 20, '0') AS page_id
       FROM stock_movements m JOIN parts p ON p.id = m.part_id JOIN stock_locations l ON l.id = m.location_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(
      rows.map((r) => ({ ...r, id: r.page_id, movementId: r.id })),
      spec,
      (r) => toMovement({ ...r, id: r.movementId }),
    );
  }

  async backorders(query: { status?: 'open' | 'settled' | undefined; sku?: string | undefined }): Promise<Backorder[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.status) where.push(`b.status = $${params.push(query.status)}`);
    if (query.sku) where.push(`p.sku = $${params.push(query.sku)}`);
    const { rows } = await this.db.query<BackorderRow>(
      `${BACKORDER_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY b.created_at, b.id LIMIT 1000`,
      params,
    );
    return rows.map(toBackorder);
  }

  /** Books an open backorder out of a location now that stock is there (a consumption movement). */
  async settleBackorder(id: string, locationId: string, actor: Actor): Promise<Backorder> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const found = await tx.query<{ part_id: string }>('SELECT part_id FROM stock_backorders WHERE id = $1', [id]);
      if (found.rows.length === 0) throw notFound('backorder', id);
      await levels.lockParts(tx, [found.rows[0]!.part_id]);
      const { rows } = await tx.query<BackorderRow>(`${BACKORDER_SELECT} WHERE b.id = $1 FOR UPDATE OF b`, [id]);
      const b = rows[0]!;
      if (b.status !== 'open') throw conflict('The backorder is already settled', { backorderId: id });
      const location = await activeLocation(tx, locationId, 'body.locationId');
      await levels.move(tx, location.id, b.part_id, [{ bucket: 'on_hand', kind: 'consumption', quantity: -b.quantity }], {
        at: now,
        actor,
        ticketId: b.ticket_id,
        visitId: b.visit_id,
        reason: `backorder ${id}`,
        unitCost: b.unit_cost,
      });
      await tx.query(`UPDATE stock_backorders SET status = 'settled', settled_at = $2, settled_location_id = $3 WHERE id = $1`, [id, now, location.id]);
      await recordAudit(tx, actor, { entity: 'stock_backorder', entityId: id, action: 'settle', changes: { locationId } });
      return toBackorder((await tx.query<BackorderRow>(`${BACKORDER_SELECT} WHERE b.id = $1`, [id])).rows[0]!);
    });
  }

  private async movementsById(q: Queryable, ids: readonly string[]) {
    const { rows } = await q.query<MovementRow>(
      `SELECT ${MOVEMENT_COLUMNS} FROM stock_movements m JOIN parts p ON p.id = m.part_id JOIN stock_locations l ON l.id = m.location_id WHERE m.id = ANY($1::bigint[]) ORDER BY m.id`,
      [ids],
    );
    return rows.map(toMovement);
  }
}

interface BackorderRow {
  id: string;
  part_id: string;
  sku: string;
  unit_cost: number;
  location_id: string | null;
  ticket_id: string | null;
  visit_id: string | null;
  quantity: number;
  status: 'open' | 'settled';
  created_at: Date;
  settled_at: Date | null;
  settled_location_id: string | null;
}
const BACKORDER_SELECT = `SELECT b.id, b.part_id, p.sku, p.unit_cost::float8 AS unit_cost, b.location_id, b.ticket_id, b.visit_id, b.quantity::float8 AS quantity, b.status,
  b.created_at, b.settled_at, b.settled_location_id FROM stock_backorders b JOIN parts p ON p.id = b.part_id`;

function toBackorder(r: BackorderRow): Backorder {
  return {
    id: r.id,
    partId: r.part_id,
    sku: r.sku,
    locationId: r.location_id,
    ticketId: r.ticket_id,
    visitId: r.visit_id,
    quantity: r.quantity,
    status: r.status,
    createdAt: r.created_at.toISOString(),
    settledAt: r.settled_at ? r.settled_at.toISOString() : null,
    settledLocationId: r.settled_location_id,
  };
}

function toMovement(r: MovementRow) {
  return {
    id: String(r.id),
    partId: r.part_id,
    sku: r.sku,
    locationId: r.location_id,
    locationCode: r.location_code,
    kind: r.kind as 'receipt',
    bucket: r.bucket as 'on_hand',
    quantity: r.quantity,
    unitCost: r.unit_cost,
    ticketId: r.ticket_id,
    visitId: r.visit_id,
    transferId: r.transfer_id,
    reservationId: r.reservation_id,
    returnId: r.return_id,
    reference: r.reference,
    reason: r.reason,
    at: r.at.toISOString(),
    actor: { type: r.actor_type, id: r.actor_id },
  };
}

async function lastMovementId(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ id: string }>(`SELECT currval(pg_get_serial_sequence('stock_movements', 'id'))::text AS id`);
  return rows[0]!.id;
}

/** An active location, else a validation error on `field`. */
export async function activeLocation(q: Queryable, id: string, field: string): Promise<LocationRow> {
  const location = await catalogue.findLocation(q, id);
  if (!location || !location.active) throw invalidField(field, `no active stock location ${id}`);
  return location;
}

/** The parts of these SKUs; an unknown SKU is a validation error on `field`. */
export async function partsOf(q: Queryable, skus: readonly string[], field: string): Promise<Map<string, PartRow>> {
  const parts = await catalogue.partsBySku(q, [...new Set(skus)]);
  const unknown = [...new Set(skus)].filter((s) => !parts.has(s));
  if (unknown.length > 0) throw invalidField(field, `unknown SKUs: ${unknown.join(', ')}`);
  return parts;
}
