/**
 * Transfers between locations and returns of defective parts.
 *
 * Transfer arithmetic: requested (nothing moves) → shipped (each line leaves the source's on hand:
 * `transfer_out`, must be available there, i.e. not reserved) → received (arrives in the
 * destination's on hand: `transfer_in`). Between ship and receive the quantity is in transit:
 * in no location's on hand, visible as `inTransitIn` of the destination and counted by the
 * reorder position. Cancel only before shipping.
 *
 * Returns: a defective part leaves a van's on hand (`return`, or comes straight from a site) and
 * is held in a warehouse's `defective` bucket — never available — until its disposition:
 * repaired (back into on hand), scrapped or returned to the supplier (`disposal`).
 */
import type { Caller } from '../../kernel/caller.js';
import { recordAudit } from '../../access/audit/audit.service.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { AppError, conflict, notFound } from '../../kernel/errors.js';
import { invalidField } from '../../kernel/errors.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { activeLocation, partsOf } from './stock-desk.service.js';
import type { LocationRow } from './catalogue.repository.js';
import { StockLevelsRepository, type BucketChange } from './stock-levels.repository.js';
import type { CreateReturn, CreateTransfer, ListTransfers, StockReturn, Transfer } from './transfers.schemas.js';

/** Who acts: technicians only touch their own van. */
const levels = new StockLevelsRepository();

const TRANSFER_SELECT = `SELECT t.*, fl.code AS from_code, tl2.code AS to_code, fl.technician_id AS from_technician, tl2.technician_id AS to_technician,
  COALESCE((SELECT jsonb_agg(jsonb_build_object('partId', l.part_id, 'sku', p.sku, 'quantity', l.quantity::float8) ORDER BY p.sku)
            FROM stock_transfer_lines l JOIN parts p ON p.id = l.part_id WHERE l.transfer_id = t.id), '[]'::jsonb) AS lines
  FROM stock_transfers t JOIN stock_locations fl ON fl.id = t.from_location_id JOIN stock_locations tl2 ON tl2.id = t.to_location_id`;

interface TransferRow {
  id: string;
  number: string;
  from_location_id: string;
  to_location_id: string;
  from_code: string;
  to_code: string;
  from_technician: string | null;
  to_technician: string | null;
  status: Transfer['status'];
  ticket_id: string | null;
  note: string | null;
  lines: Transfer['lines'];
  requested_at: Date;
  shipped_at: Date | null;
  received_at: Date | null;
  cancelled_at: Date | null;
  version: number;
}

export class StockTransfersService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  async createTransfer(input: CreateTransfer, caller: Caller): Promise<Transfer> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const from = await activeLocation(tx, input.fromLocationId, 'body.fromLocationId');
      const to = await activeLocation(tx, input.toLocationId, 'body.toLocationId');
      // A technician moves stock only out of or into their own van: never a colleague's van at
      // either end (neither ordering a colleague's stock nor pushing stock into their van).
      if (caller.role === 'technician') {
        const own = (l: LocationRow) => l.technician_id !== null && l.technician_id === caller.userId;
        const colleagues = (l: LocationRow) => l.technician_id !== null && !own(l);
        if ((!own(from) && !own(to)) || colleagues(from) || colleagues(to)) {
          throw new AppError('FORBIDDEN', "Technicians may only request transfers to or from their own van, never from or to a colleague's");
        }
      }
      if (input.ticketId && (await tx.query('SELECT 1 FROM tickets WHERE id = $1', [input.ticketId])).rows.length === 0)
        throw invalidField('body.ticketId', `no ticket ${input.ticketId}`);
      const parts = await partsOf(
        tx,
        input.lines.map((l) => l.sku),
        'body.lines',
      );
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO stock_transfers (from_location_id, to_location_id, status, ticket_id, note, requested_at, actor_type, actor_id)
         VALUES ($1, $2, 'requested', $3, $4, $5, $6, $7) RETURNING id`,
        [from.id, to.id, input.ticketId ?? null, input.note ?? null, now, caller.actor.type, caller.actor.id],
      );
      const id = rows[0]!.id;
      for (const line of input.lines)
        await tx.query('INSERT INTO stock_transfer_lines (transfer_id, part_id, quantity) VALUES ($1, $2, $3)', [id, parts.get(line.sku)!.id, line.quantity]);
      await recordAudit(tx, caller.actor, { entity: 'stock_transfer', entityId: id, action: 'create', changes: { ...input } });
      return toTransfer(await findTransfer(tx, id));
    });
  }

  async getTransfer(id: string): Promise<Transfer> {
    return toTransfer(await findTransfer(this.db, id));
  }

  async listTransfers(query: ListTransfers): Promise<Transfer[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.status) where.push(`t.status = $${params.push(query.status)}`);
    if (query.locationId) where.push(`(t.from_location_id = $${params.push(query.locationId)} OR t.to_location_id = $${params.length})`);
    const { rows } = await this.db.query<TransferRow>(
      `${TRANSFER_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY t.requested_at DESC, t.id LIMIT 1000`,
      params,
    );
    return rows.map(toTransfer);
  }

  /** requested → shipped: each line leaves the source (must be available there). */
  async ship(id: string, caller: Caller): Promise<Transfer> {
    return this.step(id, caller, 'requested', 'shipped', async (tx, t, now) => {
      if (caller.role === 'technician' && t.from_technician !== caller.userId) throw new AppError('FORBIDDEN', 'Technicians may only ship from their own van');
      for (const line of t.lines) {
        await levels.move(tx, t.from_location_id, line.partId, [{ bucket: 'on_hand', kind: 'transfer_out', quantity: -line.quantity }], {
          at: now,
          actor: caller.actor,
          transferId: id,
          ticketId: t.ticket_id,
          reference: t.number,
        });
        await levels.ensure(tx, t.to_location_id, line.partId);
      }
    });
  }

  /** shipped → received: each line arrives at the destination. */
  async receive(id: string, caller: Caller): Promise<Transfer> {
    return this.step(id, caller, 'shipped', 'received', async (tx, t, now) => {
      if (caller.role === 'technician' && t.to_technician !== caller.userId) throw new AppError('FORBIDDEN', 'Technicians may only receive into their own van');
      for (const line of t.lines) {
        await levels.move(tx, t.to_location_id, line.partId, [{ bucket: 'on_hand', kind: 'transfer_in', quantity: line.quantity }], {
          at: now,
          actor: caller.actor,
          transferId: id,
          ticketId: t.ticket_id,
          reference: t.number,
        });
      }
    });
  }

  /** requested → cancelled (nothing had moved). */
  async cancel(id: string, caller: Caller): Promise<Transfer> {
    return this.step(id, caller, 'requested', 'cancelled', async () => undefined);
  }

  async createReturn(input: CreateReturn, caller: Caller): Promise<StockReturn> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const to = await activeLocation(tx, input.toLocationId, 'body.toLocationId');
      if (to.kind === 'van') throw invalidField('body.toLocationId', 'defective parts go back to a warehouse, not a van');
      const from = input.fromLocationId ? await activeLocation(tx, input.fromLocationId, 'body.fromLocationId') : undefined;
      if (from?.id === to.id) throw invalidField('body.fromLocationId', 'source and destination must differ');
      if (caller.role === 'technician' && from && from.technician_id !== caller.userId)
        throw new AppError('FORBIDDEN', 'Technicians may only return parts from their own van');
      const part = (await partsOf(tx, [input.sku], 'body.sku')).get(input.sku)!;
      await levels.lockParts(tx, [part.id]);
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO stock_returns (part_id, from_location_id, to_location_id, quantity, reason, ticket_id, visit_id, status, received_at, actor_type, actor_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', $8, $9, $10) RETURNING id`,
        [
          part.id,
          from?.id ?? null,
          to.id,
          input.quantity,
          input.reason,
          input.ticketId ?? null,
          input.visitId ?? null,
          now,
          caller.actor.type,
          caller.actor.id,
        ],
      );
      const id = rows[0]!.id;
      const context = { at: now, actor: caller.actor, returnId: id, ticketId: input.ticketId ?? null, visitId: input.visitId ?? null, reason: input.reason };
      if (from) await levels.move(tx, from.id, part.id, [{ bucket: 'on_hand', kind: 'return', quantity: -input.quantity }], context);
      await levels.move(tx, to.id, part.id, [{ bucket: 'defective', kind: 'return', quantity: input.quantity }], context);
      await recordAudit(tx, caller.actor, { entity: 'stock_return', entityId: id, action: 'create', changes: { ...input } });
      return findReturn(tx, id);
    });
  }

  async disposition(id: string, outcome: 'repaired' | 'scrapped' | 'returned_to_supplier', caller: Caller): Promise<StockReturn> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const current = await findReturn(tx, id);
      await levels.lockParts(tx, [current.partId]);
      const { rows } = await tx.query<{ status: string }>('SELECT status FROM stock_returns WHERE id = $1 FOR UPDATE', [id]);
      if (rows[0]!.status !== 'received') throw conflict(`The return is already ${rows[0]!.status}`, { returnStatus: rows[0]!.status });
      const changes: BucketChange[] = [{ bucket: 'defective', kind: 'disposal', quantity: -current.quantity }];
      if (outcome === 'repaired') changes.push({ bucket: 'on_hand', kind: 'return', quantity: current.quantity });
      await levels.move(tx, current.toLocationId, current.partId, changes, { at: now, actor: caller.actor, returnId: id, reason: outcome });
      await tx.query('UPDATE stock_returns SET status = $2, closed_at = $3 WHERE id = $1', [id, outcome, now]);
      await recordAudit(tx, caller.actor, { entity: 'stock_return', entityId: id, action: 'disposition', changes: { outcome } });
      return findReturn(tx, id);
    });
  }

  async listReturns(query: { status?: StockReturn['status'] | undefined }): Promise<StockReturn[]> {
    const params: unknown[] = [];
    const where = query.status ? `WHERE r.status = $${params.push(query.status)}` : '';
    const { rows } = await this.db.query<ReturnRow>(`${RETURN_SELECT} ${where} ORDER BY r.received_at DESC, r.id LIMIT 1000`, params);
    return rows.map(toReturn);
  }

  private async step(
    id: string,
    caller: Caller,
    from: Transfer['status'],
    to: Transfer['status'],
    apply: (tx: Queryable, t: TransferRow, now: Date) => Promise<void>,
  ): Promise<Transfer> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const current = await findTransfer(tx, id);
      await levels.lockParts(
        tx,
        current.lines.map((l) => l.partId),
      );
      await tx.query('SELECT 1 FROM stock_transfers WHERE id = $1 FOR UPDATE', [id]);
      const t = await findTransfer(tx, id);
      if (t.status !== from) throw conflict(`A ${t.status} transfer cannot become ${to}`, { transferStatus: t.status });
      await apply(tx, t, now);
      await tx.query(`UPDATE stock_transfers SET status = $2, ${to}_at = $3, version = version + 1 WHERE id = $1`, [id, to, now]);
      await recordAudit(tx, caller.actor, { entity: 'stock_transfer', entityId: id, action: to, changes: { from: t.status, to } });
      return toTransfer(await findTransfer(tx, id));
    });
  }
}

async function findTransfer(q: Queryable, id: string): Promise<TransferRow> {
  const { rows } = await q.query<TransferRow>(`${TRANSFER_SELECT} WHERE t.id = $1`, [id]);
  if (!rows[0]) throw notFound('stock transfer', id);
  return rows[0];
}

function toTransfer(r: TransferRow): Transfer {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: r.id,
    number: r.number,
    fromLocationId: r.from_location_id,
    fromLocationCode: r.from_code,
    toLocationId: r.to_location_id,
    toLocationCode: r.to_code,
    status: r.status,
    ticketId: r.ticket_id,
    note: r.note,
    lines: r.lines,
    requestedAt: r.requested_at.toISOString(),
    shippedAt: iso(r.shipped_at),
    receivedAt: iso(r.received_at),
    cancelledAt: iso(r.cancelled_at),
    version: r.version,
  };
}

interface ReturnRow {
  id: string;
  part_id: string;
  sku: string;
  from_location_id: string | null;
  to_location_id: string;
  quantity: number;
  reason: string;
  ticket_id: string | null;
  visit_id: string | null;
  status: StockReturn['status'];
  received_at: Date;
  closed_at: Date | null;
}
const RETURN_SELECT = `SELECT r.id, r.part_id, p.sku, r.from_location_id, r.to_location_id, r.quantity::float8 AS quantity, r.reason, r.ticket_id, r.visit_id, r.status,
  r.received_at, r.closed_at FROM stock_returns r JOIN parts p ON p.id = r.part_id`;

async function findReturn(q: Queryable, id: string): Promise<StockReturn> {
  const { rows } = await q.query<ReturnRow>(`${RETURN_SELECT} WHERE r.id = $1`, [id]);
  if (!rows[0]) throw notFound('stock return', id);
  return toReturn(rows[0]);
}

function toReturn(r: ReturnRow): StockReturn {
  return {
    id: r.id,
    partId: r.part_id,
    sku: r.sku,
    fromLocationId: r.from_location_id,
    toLocationId: r.to_location_id,
    quantity: r.quantity,
    reason: r.reason,
    ticketId: r.ticket_id,
    visitId: r.visit_id,
    status: r.status,
    receivedAt: r.received_at.toISOString(),
    closedAt: r.closed_at ? r.closed_at.toISOString() : null,
  };
}
