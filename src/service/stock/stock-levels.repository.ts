/**
 * The one way stock quantities change: under the part's row lock, through a guarded UPDATE of
 * stock_levels, with a ledger row per bucket changed, all in the caller's transaction.
 *
 * Locking (why two concurrent reservations of the last unit cannot both succeed):
 * 1. `lockParts` takes `FOR NO KEY UPDATE` on the parts rows, in id order — the per-part mutex
 *    every stock change takes first, so changes of one part are serialised and parts are always
 *    locked in the same order (no deadlocks between multi-part changes).
 * 2. The UPDATE itself only applies when the result stays valid (`on_hand + d >= 0`, reserved
 *    within on_hand, ...); a guard miss is INSUFFICIENT_STOCK.
 * 3. CHECK constraints on stock_levels are the last line (a bug would fail, never go negative).
 */
import type { Actor } from '../../access/audit/audit.service.js';
import type { Queryable } from '../../kernel/db/database.js';
import { AppError } from '../../kernel/errors.js';

export type Bucket = 'on_hand' | 'reserved' | 'defective';
export type MovementKind = 'receipt' | 'reservation' | 'release' | 'consumption' | 'transfer_out' | 'transfer_in' | 'return' | 'adjustment' | 'disposal';

export interface LevelRow {
  location_id: string;
  part_id: string;
  on_hand: number;
  reserved: number;
  defective: number;
}

/** What a movement belongs to (written on each ledger row). */
export interface MovementContext {
  readonly at: Date;
  readonly actor: Actor;
  readonly ticketId?: string | null;
  readonly visitId?: string | null;
  readonly transferId?: string | null;
  readonly reservationId?: string | null;
  readonly returnId?: string | null;
  readonly reference?: string | null;
  readonly reason?: string | null;
  readonly unitCost?: number | null;
}

export interface BucketChange {
  readonly bucket: Bucket;
  readonly kind: MovementKind;
  /** Signed change; zero changes are skipped. */
  readonly quantity: number;
}

/** Rounds to the 3 decimals stored (numeric(12,3)). */
export const q3 = (x: number): number => Math.round(x * 1000) / 1000;

export const LEVEL_COLUMNS = 'location_id, part_id, on_hand::float8 AS on_hand, reserved::float8 AS reserved, defective::float8 AS defective';

export class StockLevelsRepository {
  /** The per-part mutex: locks the parts rows in id order. */
  async lockParts(q: Queryable, partIds: readonly string[]): Promise<void> {
    const ids = [...new Set(partIds)].sort();
    if (ids.length === 0) return;
    await q.query('SELECT id FROM parts WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE', [ids]);
  }

  /** Levels of one part at every location (take lockParts first when you will change them). */
  async ofPart(q: Queryable, partId: string): Promise<LevelRow[]> {
    const { rows } = await q.query<LevelRow>(`SELECT ${LEVEL_COLUMNS} FROM stock_levels WHERE part_id = $1 ORDER BY location_id FOR UPDATE`, [partId]);
    return rows;
  }

  async one(q: Queryable, locationId: string, partId: string): Promise<LevelRow> {
    const { rows } = await q.query<LevelRow>(`SELECT ${LEVEL_COLUMNS} FROM stock_levels WHERE location_id = $1 AND part_id = $2`, [locationId, partId]);
    return rows[0] ?? { location_id: locationId, part_id: partId, on_hand: 0, reserved: 0, defective: 0 };
  }

  /** Makes sure the (location, part) row exists, e.g. so a destination shows what is in transit to it. */
  async ensure(q: Queryable, locationId: string, partId: string): Promise<void> {
    await q.query('INSERT INTO stock_levels (location_id, part_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [locationId, partId]);
  }

  /**
   * Applies the changes to one (location, part) row and writes one ledger row per change.
   * Throws INSUFFICIENT_STOCK (nothing changed) when the result would be negative or reserve
   * more than is on hand.
   */
  async move(q: Queryable, locationId: string, partId: string, changes: readonly BucketChange[], context: MovementContext): Promise<LevelRow> {
    const delta = { on_hand: 0, reserved: 0, defective: 0 };
    for (const c of changes) delta[c.bucket] = q3(delta[c.bucket] + c.quantity);
    await this.ensure(q, locationId, partId);
    const { rows } = await q.query<LevelRow>(
      `UPDATE stock_levels SET on_hand = on_hand + $3, reserved = reserved + $4, defective = defective + $5, updated_at = $6
       WHERE location_id = $1 AND part_id = $2
         AND on_hand + $3 >= 0 AND reserved + $4 >= 0 AND defective + $5 >= 0 AND reserved + $4 <= on_hand + $3
       RETURNING ${LEVEL_COLUMNS}`,
      [locationId, partId, delta.on_hand, delta.reserved, delta.defective, context.at],
    );
    if (rows.length === 0) {
      const current = await this.one(q, locationId, partId);
      throw new AppError('INSUFFICIENT_STOCK', 'Not enough stock at this location for this change', {
        locationId,
        partId,
        onHand: current.on_hand,
        reserved: current.reserved,
        available: q3(current.on_hand - current.reserved),
        defective: current.defective,
        requested: delta,
      });
    }
    for (const c of changes) if (c.quantity !== 0) await this.record(q, locationId, partId, c, context);
    return rows[0]!;
  }

  private async record(q: Queryable, locationId: string, partId: string, change: BucketChange, c: MovementContext): Promise<void> {
    await q.query(
      `INSERT INTO stock_movements (part_id, location_id, kind, bucket, quantity, unit_cost, ticket_id, visit_id, transfer_id, reservation_id, return_id, reference, reason, at, actor_type, actor_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [
        partId,
        locationId,
        change.kind,
        change.bucket,
        q3(change.quantity),
        c.unitCost ?? null,
        c.ticketId ?? null,
        c.visitId ?? null,
        c.transferId ?? null,
        c.reservationId ?? null,
        c.returnId ?? null,
        c.reference ?? null,
        c.reason ?? null,
        c.at,
        c.actor.type,
        c.actor.id,
      ],
    );
  }
}
