/**
 * Stock for tickets and visits: what is available where, reservations per ticket, their release,
 * consumption when a visit records parts, and what is on each technician's van.
 *
 * - Reservation (`reserveForTicket`): idempotent per ticket and SKU — it tops the ticket's holding
 *   (outstanding + consumed) up to the requested quantity, never reserves twice. Candidates are
 *   the active warehouses (central, local) plus the van of the ticket's assigned technician, which
 *   comes first; then nearest to `near` (default the ticket's site; without coordinates central
 *   before local, then by code). A quantity is split across locations when one is not enough.
 *   Shortfalls are reported (`partial`, `unavailable`), never reserved below zero; with
 *   `allOrNothing` any shortfall is INSUFFICIENT_STOCK and nothing is reserved.
 * - Consumption (`consumeForVisitPart`, inside the visit's transaction): the ticket's active
 *   reservations first (the technician's van's first), then the technician's van, then the
 *   nearest warehouse with stock. What no stock covers is, by default, recorded as an open
 *   backorder (the part was physically used; the record must not be lost and stock never goes
 *   negative) — `shortfall: 'reject'` makes it INSUFFICIENT_STOCK instead. SKUs not in the
 *   catalogue are not stock-managed: nothing is consumed.
 * - Concurrency: see stock-levels.repository.ts (per-part row lock, guarded update, CHECKs).
 */
import { haversineKm } from '../../kernel/geo.js';
import { recordAudit, type Actor } from '../../access/audit/audit.service.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { AppError, conflict, notFound } from '../../kernel/errors.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { CatalogueRepository, type LocationRow, type PartRow } from './catalogue.repository.js';
import { q3, StockLevelsRepository } from './stock-levels.repository.js';
import { ReservationsRepository, toLine } from './stock-reservations.repository.js';
import type { LocationStock, PartAvailability, Reservation, ReservationLine } from './stock.schemas.js';

export type { PartAvailability, Reservation };

export interface GeoPoint {
  readonly latitude: number;
  readonly longitude: number;
}

export interface StockOptions {
  /** Time source. Default the system clock. */
  readonly clock?: Clock;
  /** What consumption does when no stock covers a visit part: 'backorder' (default) or 'reject' (INSUFFICIENT_STOCK). */
  readonly shortfall?: 'backorder' | 'reject';
}

export interface ConsumeInput {
  readonly visitId: string;
  readonly ticketId: string;
  readonly technicianId: string;
  readonly sku: string;
  readonly quantity: number;
  readonly actor: Actor;
}

export interface Consumption {
  readonly sku: string;
  /** false: the SKU is not in the catalogue, nothing was consumed. */
  readonly tracked: boolean;
  readonly lines: { locationId: string; quantity: number; source: 'reservation' | 'van' | 'nearest' }[];
  readonly backorderId: string | null;
  readonly shortfall: number;
}

const CLOSED = ['resolved', 'closed', 'cancelled'];
const levels = new StockLevelsRepository();
const reservations = new ReservationsRepository();
const catalogue = new CatalogueRepository();

/** Active locations ordered for picking: `first` (a van) ahead, then by distance, central before local, code. */
export function rankLocations(
  locations: readonly LocationRow[],
  near: GeoPoint | null,
  first?: string | null,
): (LocationRow & { distanceKm: number | null })[] {
  const ranked = locations.map((l) => ({
    ...l,
    distanceKm:
      near && l.latitude !== null && l.longitude !== null ? Math.round(haversineKm(near.latitude, near.longitude, l.latitude, l.longitude) * 10) / 10 : null,
  }));
  const kindRank = { van: 0, central: 1, local: 2 };
  return ranked.sort(
    (a, b) =>
      Number(b.id === first) - Number(a.id === first) ||
      (a.distanceKm ?? Infinity) - (b.distanceKm ?? Infinity) ||
      kindRank[a.kind] - kindRank[b.kind] ||
      a.code.localeCompare(b.code),
  );
}

/**
 * Releases every active reservation of a ticket in the caller's transaction (call it when a
 * ticket is cancelled, or resolved/closed with parts left reserved). Returns what was released.
 */
export async function releaseTicketReservations(
  tx: Queryable,
  ticketId: string,
  actor: Actor,
  at: Date,
  reason?: string,
): Promise<{ reservationId: string; sku: string; quantity: number }[]> {
  const active = await reservations.activeOfTicket(tx, ticketId);
  await levels.lockParts(
    tx,
    active.map((r) => r.part_id),
  );
  const released: { reservationId: string; sku: string; quantity: number }[] = [];
  for (const r of await reservations.activeOfTicket(tx, ticketId, { lock: true })) {
    const outstanding = q3(r.quantity - r.consumed - r.released);
    await levels.move(tx, r.location_id, r.part_id, [{ bucket: 'reserved', kind: 'release', quantity: -outstanding }], {
      at,
      actor,
      ticketId,
      reservationId: r.id,
      reason: reason ?? 'released',
    });
    await reservations.settle(tx, r.id, { released: outstanding }, at);
    released.push({ reservationId: r.id, sku: r.sku, quantity: outstanding });
  }
  if (released.length > 0)
    await recordAudit(tx, actor, { entity: 'ticket', entityId: ticketId, action: 'stock.release', changes: { released, reason: reason ?? null } });
  return released;
}

export class StockService {
  private readonly clock: Clock;
  private readonly shortfall: 'backorder' | 'reject';

  constructor(
    private readonly db: Database,
    options: StockOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.shortfall = options.shortfall ?? 'backorder';
  }

  /** Per SKU: available at each active location holding it, nearest first. Unknown SKUs come back with partId null. */
  async availability(skus: string[], near: GeoPoint | null): Promise<PartAvailability[]> {
    const parts = await catalogue.partsBySku(this.db, skus);
    const locations = await catalogue.listLocations(this.db, { active: true });
    const ids = [...parts.values()].map((p) => p.id);
    const { rows } = await this.db.query<{ part_id: string; location_id: string; on_hand: number; reserved: number }>(
      'SELECT part_id, location_id, on_hand::float8 AS on_hand, reserved::float8 AS reserved FROM stock_levels WHERE part_id = ANY($1::uuid[]) AND on_hand > 0',
      [ids],
    );
    const ranked = rankLocations(locations, near);
    return skus.map((sku) => {
      const part = parts.get(sku);
      if (!part) return { sku, partId: null, description: null, totalAvailable: 0, nearest: null, locations: [] };
      const held = new Map(rows.filter((r) => r.part_id === part.id).map((r) => [r.location_id, r]));
      const list: LocationStock[] = ranked
        .filter((l) => held.has(l.id))
        .map((l) => {
          const level = held.get(l.id)!;
          return {
            locationId: l.id,
            code: l.code,
            name: l.name,
            kind: l.kind,
            technicianId: l.technician_id,
            onHand: level.on_hand,
            reserved: level.reserved,
            available: q3(level.on_hand - level.reserved),
            distanceKm: l.distanceKm,
          };
        });
      return {
        sku,
        partId: part.id,
        description: part.description,
        totalAvailable: q3(list.reduce((s, l) => s + l.available, 0)),
        nearest: list.find((l) => l.available > 0) ?? null,
        locations: list,
      };
    });
  }

  /** Reserves parts for a ticket (see the file header). */
  async reserveForTicket(
    ticketId: string,
    items: { sku: string; quantity: number }[],
    near: GeoPoint | null,
    actor: Actor,
    options: { allOrNothing?: boolean } = {},
  ): Promise<Reservation[]> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const ticket = await reservations.lockTicket(tx, ticketId);
      if (!ticket) throw notFound('ticket', ticketId);
      if (CLOSED.includes(ticket.status)) throw conflict(`A ${ticket.status} ticket cannot reserve parts`, { ticketStatus: ticket.status });
      const wanted = new Map<string, number>();
      for (const i of items) wanted.set(i.sku, q3((wanted.get(i.sku) ?? 0) + i.quantity));
      const parts = await catalogue.partsBySku(tx, [...wanted.keys()]);
      await levels.lockParts(
        tx,
        [...parts.values()].map((p) => p.id),
      );
      const van = ticket.technician_id ? await catalogue.vanOf(tx, ticket.technician_id) : undefined;
      const candidates = (await catalogue.listLocations(tx, { active: true })).filter((l) => l.kind !== 'van' || l.id === van?.id);
      const point = near ?? (ticket.latitude !== null && ticket.longitude !== null ? { latitude: ticket.latitude, longitude: ticket.longitude } : null);
      const ranked = rankLocations(candidates, point, van?.id);
      const results: Reservation[] = [];
      for (const [sku, requested] of wanted) {
        const part = parts.get(sku);
        if (!part) {
          results.push({ sku, partId: null, requested, held: 0, added: 0, shortfall: requested, status: 'unknown_part', lines: [] });
          continue;
        }
        const before = await reservations.ofTicketPart(tx, ticketId, part.id);
        const heldBefore = q3(before.reduce((s, r) => s + r.quantity - r.released, 0));
        let need = q3(requested - heldBefore);
        const atLocation = new Map((await levels.ofPart(tx, part.id)).map((l) => [l.location_id, l]));
        for (const location of ranked) {
          if (need <= 0) break;
          const level = atLocation.get(location.id);
          const take = level ? Math.min(need, q3(level.on_hand - level.reserved)) : 0;
          if (take <= 0) continue;
          const id = await reservations.insert(tx, { ticketId, partId: part.id, locationId: location.id, quantity: take, at: now, actor });
          await levels.move(tx, location.id, part.id, [{ bucket: 'reserved', kind: 'reservation', quantity: take }], {
            at: now,
            actor,
            ticketId,
            reservationId: id,
          });
          need = q3(need - take);
        }
        const lines = (await reservations.ofTicketPart(tx, ticketId, part.id)).filter((r) => r.status !== 'released' || r.consumed > 0).map(toLine);
        const added = q3(Math.max(0, requested - heldBefore) - Math.max(0, need));
        const held = q3(heldBefore + added);
        const shortfall = q3(Math.max(0, requested - held));
        if (shortfall > 0 && options.allOrNothing) {
          throw new AppError('INSUFFICIENT_STOCK', `Not enough ${sku} available to reserve ${requested}`, {
            sku,
            requested,
            available: q3(requested - shortfall),
          });
        }
        results.push({
          sku,
          partId: part.id,
          requested,
          held,
          added,
          shortfall,
          status: shortfall === 0 ? 'reserved' : held > 0 ? 'partial' : 'unavailable',
          lines,
        });
      }
      const changes = results.filter((r) => r.added > 0).map((r) => ({ sku: r.sku, added: r.added, held: r.held }));
      if (changes.length > 0) await recordAudit(tx, actor, { entity: 'ticket', entityId: ticketId, action: 'stock.reserve', changes: { items: changes } });
      return results;
    });
  }

  /** Every reservation line of a ticket. */
  async listReservations(ticketId: string): Promise<(ReservationLine & { sku: string; partId: string })[]> {
    const exists = await this.db.query('SELECT 1 FROM tickets WHERE id = $1', [ticketId]);
    if (exists.rows.length === 0) throw notFound('ticket', ticketId);
    return (await reservations.ofTicket(this.db, ticketId)).map((r) => ({ ...toLine(r), sku: r.sku, partId: r.part_id }));
  }

  /** Releases the ticket's active reservations in a transaction of its own. */
  async releaseForTicket(ticketId: string, actor: Actor, reason?: string): Promise<{ reservationId: string; sku: string; quantity: number }[]> {
    return this.db.transaction(async (tx) => {
      if (!(await reservations.lockTicket(tx, ticketId))) throw notFound('ticket', ticketId);
      return releaseTicketReservations(tx, ticketId, actor, this.clock.now(), reason);
    });
  }

  /** Books out a part a visit used, in the visit's transaction (see the file header). */
  async consumeForVisitPart(tx: Queryable, input: ConsumeInput): Promise<Consumption> {
    const now = this.clock.now();
    const part = (await catalogue.partsBySku(tx, [input.sku])).get(input.sku);
    if (!part) return { sku: input.sku, tracked: false, lines: [], backorderId: null, shortfall: 0 };
    await levels.lockParts(tx, [part.id]);
    const van = await catalogue.vanOf(tx, input.technicianId);
    const context = { at: now, actor: input.actor, ticketId: input.ticketId, visitId: input.visitId, unitCost: part.unit_cost };
    const lines: Consumption['lines'] = [];
    let remaining = q3(input.quantity);

    const held = (await reservations.activeOfTicketPart(tx, input.ticketId, part.id)).sort(
      (a, b) => Number(b.location_id === van?.id) - Number(a.location_id === van?.id),
    );
    for (const r of held) {
      if (remaining <= 0) break;
      const take = Math.min(remaining, q3(r.quantity - r.consumed - r.released));
      await levels.move(
        tx,
        r.location_id,
        part.id,
        [
          { bucket: 'on_hand', kind: 'consumption', quantity: -take },
          { bucket: 'reserved', kind: 'release', quantity: -take },
        ],
        { ...context, reservationId: r.id },
      );
      await reservations.settle(tx, r.id, { consumed: take }, now);
      lines.push({ locationId: r.location_id, quantity: take, source: 'reservation' });
      remaining = q3(remaining - take);
    }
    if (remaining > 0) remaining = await this.takeFrom(tx, part, van ? [van] : [], remaining, context, 'van', lines);
    if (remaining > 0) {
      const site = await reservations.lockTicket(tx, input.ticketId, { lock: false });
      const point = site && site.latitude !== null && site.longitude !== null ? { latitude: site.latitude, longitude: site.longitude } : null;
      const warehouses = (await catalogue.listLocations(tx, { active: true })).filter((l) => l.kind !== 'van');
      remaining = await this.takeFrom(tx, part, rankLocations(warehouses, point), remaining, context, 'nearest', lines);
    }
    let backorderId: string | null = null;
    if (remaining > 0) {
      if (this.shortfall === 'reject') {
        throw new AppError('INSUFFICIENT_STOCK', `No stock covers ${remaining} of ${input.sku} used on this visit`, {
          sku: input.sku,
          requested: input.quantity,
          shortfall: remaining,
        });
      }
      backorderId = await reservations.insertBackorder(tx, {
        partId: part.id,
        locationId: van?.id ?? null,
        ticketId: input.ticketId,
        visitId: input.visitId,
        quantity: remaining,
        at: now,
      });
    }
    await recordAudit(tx, input.actor, {
      entity: 'visit',
      entityId: input.visitId,
      action: 'stock.consume',
      changes: { sku: input.sku, quantity: input.quantity, lines, backorderId, shortfall: remaining },
    });
    return { sku: input.sku, tracked: true, lines, backorderId, shortfall: remaining };
  }

  /**
   * Available quantity on each technician's van: technician → SKU → available. Every technician
   * and SKU asked about is present (0 when absent or without a van); `skus` empty = every SKU on the van.
   */
  async vanStock(technicianIds: string[], skus: string[]): Promise<Map<string, Map<string, number>>> {
    const result = new Map(technicianIds.map((t) => [t, new Map(skus.map((s) => [s, 0]))]));
    if (technicianIds.length === 0) return result;
    const { rows } = await this.db.query<{ technician_id: string; sku: string; available: number }>(
      `SELECT l.technician_id, p.sku, (sl.on_hand - sl.reserved)::float8 AS available
       FROM stock_locations l JOIN stock_levels sl ON sl.location_id = l.id JOIN parts p ON p.id = sl.part_id
       WHERE l.kind = 'van' AND l.active AND l.technician_id = ANY($1::uuid[]) AND ($2::text[] = '{}' OR p.sku = ANY($2::text[]))
         AND (sl.on_hand - sl.reserved > 0 OR $2::text[] <> '{}')`,
      [technicianIds, skus],
    );
    for (const r of rows) result.get(r.technician_id)?.set(r.sku, r.available);
    return result;
  }

  /** Takes up to `remaining` available from the locations in order; returns what is left. */
  private async takeFrom(
    tx: Queryable,
    part: PartRow,
    locations: readonly LocationRow[],
    remaining: number,
    context: { at: Date; actor: Actor; ticketId: string; visitId: string; unitCost: number },
    source: 'van' | 'nearest',
    lines: Consumption['lines'],
  ): Promise<number> {
    for (const location of locations) {
      if (remaining <= 0) break;
      const level = await levels.one(tx, location.id, part.id);
      const take = Math.min(remaining, q3(level.on_hand - level.reserved));
      if (take <= 0) continue;
      await levels.move(tx, location.id, part.id, [{ bucket: 'on_hand', kind: 'consumption', quantity: -take }], context);
      lines.push({ locationId: location.id, quantity: take, source });
      remaining = q3(remaining - take);
    }
    return remaining;
  }
}
