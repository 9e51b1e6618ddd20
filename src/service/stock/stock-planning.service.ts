/**
 * Reorder suggestions and the demand forecast: gathers stock, in-transit, backorders, ledger
 * consumption and open predictive auto-tickets, then applies the maths of stock-forecast.ts
 * (documented there).
 */
import { z } from 'zod';
import type { Database } from '../../kernel/db/database.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { CatalogueRepository } from './catalogue.repository.js';
import { DAY_MS, forecast, reorderSuggestion, type Need } from './stock-forecast.js';
import { rankLocations } from './stock.service.js';
import { IN_TRANSIT_SQL } from './stock-desk.service.js';
import type { ForecastQuery, ReorderSuggestions, StockForecast } from './planning.schemas.js';

const REORDER_BASIS =
  'position = (on hand - reserved over all locations) + in transit - open backorders; when position <= reorder point, order n lots of the reorder quantity (default max(reorder point, 1)), n = floor((reorder point - position) / lot) + 1. Parts without a reorder point: only when position < 0, exactly -position.';
const FORECAST_BASIS =
  'dailyRate = consumption (ledger + backorders) over lookbackDays / lookbackDays; predictedDemand = parts of open predictive auto-tickets not yet held by the ticket, due (latestVisitBy) within the horizon, at the warehouse nearest the site; expectedDemand = dailyRate x days + predictedDemand; stock = available + in transit to it (network: minus open backorders); stockoutDate = first time stock reaches 0 consuming dailyRate continuously and each predicted need at its date; recommendedQuantity = ceil(expectedDemand + safety - stock), safety = reorder point for the network, 0 per location.';

/** The parts of a prefill, read defensively (the prefill is stored jsonb). */
const prefillParts = z.object({
  parts: z.array(z.object({ sku: z.string(), quantity: z.number().positive() })).catch([]),
  predictive: z.object({ latestVisitBy: z.string().optional(), projectedFailureAt: z.string().optional() }).nullable().catch(null),
});

interface PartTotals {
  id: string;
  sku: string;
  description: string;
  unit_cost: number;
  reorder_point: number | null;
  reorder_quantity: number | null;
  supplier: string | null;
  lead_time_days: number | null;
  on_hand: number;
  reserved: number;
  in_transit: number;
  backorders: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const catalogue = new CatalogueRepository();

export class StockPlanningService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  private async totals(sku?: string): Promise<PartTotals[]> {
    const { rows } = await this.db.query<PartTotals>(
      `SELECT p.id, p.sku, p.description, p.unit_cost::float8 AS unit_cost, p.reorder_point::float8 AS reorder_point, p.reorder_quantity::float8 AS reorder_quantity,
         p.supplier, p.lead_time_days,
         COALESCE((SELECT SUM(on_hand) FROM stock_levels WHERE part_id = p.id), 0)::float8 AS on_hand,
         COALESCE((SELECT SUM(reserved) FROM stock_levels WHERE part_id = p.id), 0)::float8 AS reserved,
         COALESCE((SELECT SUM(quantity) FROM (${IN_TRANSIT_SQL}) it WHERE it.part_id = p.id), 0)::float8 AS in_transit,
         COALESCE((SELECT SUM(quantity) FROM stock_backorders WHERE part_id = p.id AND status = 'open'), 0)::float8 AS backorders
       FROM parts p WHERE p.active AND ($1::text IS NULL OR p.sku = $1) ORDER BY p.sku`,
      [sku ?? null],
    );
    return rows;
  }

  async reorderSuggestions(): Promise<ReorderSuggestions> {
    const groups = new Map<string | null, ReorderSuggestions['suppliers'][number]>();
    for (const p of await this.totals()) {
      const available = Math.round((p.on_hand - p.reserved) * 1000) / 1000;
      const s = reorderSuggestion({
        available,
        inTransit: p.in_transit,
        openBackorders: p.backorders,
        reorderPoint: p.reorder_point,
        reorderQuantity: p.reorder_quantity,
      });
      if (s.suggestedQuantity <= 0) continue;
      const group = groups.get(p.supplier) ?? { supplier: p.supplier, lines: [], totalCost: 0 };
      const lineCost = round2(s.suggestedQuantity * p.unit_cost);
      group.lines.push({
        partId: p.id,
        sku: p.sku,
        description: p.description,
        onHand: p.on_hand,
        reserved: p.reserved,
        available,
        inTransit: p.in_transit,
        openBackorders: p.backorders,
        position: s.position,
        reorderPoint: p.reorder_point,
        reorderQuantity: p.reorder_quantity,
        suggestedQuantity: s.suggestedQuantity,
        leadTimeDays: p.lead_time_days,
        unitCost: p.unit_cost,
        lineCost,
      });
      group.totalCost = round2((group.totalCost ?? 0) + lineCost);
      groups.set(p.supplier, group);
    }
    const suppliers = [...groups.values()].sort((a, b) => (a.supplier === null ? 1 : b.supplier === null ? -1 : a.supplier.localeCompare(b.supplier)));
    return { generatedAt: this.clock.now().toISOString(), basis: REORDER_BASIS, suppliers };
  }

  async forecast(query: ForecastQuery): Promise<StockForecast> {
    const now = this.clock.now();
    const since = new Date(now.getTime() - query.lookbackDays * DAY_MS);
    const parts = await this.totals(query.sku);
    const ids = parts.map((p) => p.id);
    const [levelRows, consumedRows, needs, locations] = await Promise.all([
      this.db.query<{ part_id: string; location_id: string; available: number; in_transit: number }>(
        `SELECT COALESCE(sl.part_id, it.part_id) AS part_id, COALESCE(sl.location_id, it.location_id) AS location_id,
           COALESCE(sl.on_hand - sl.reserved, 0)::float8 AS available, COALESCE(it.quantity, 0)::float8 AS in_transit
         FROM stock_levels sl FULL JOIN (${IN_TRANSIT_SQL}) it ON it.location_id = sl.location_id AND it.part_id = sl.part_id
         WHERE COALESCE(sl.part_id, it.part_id) = ANY($1::uuid[])`,
        [ids],
      ),
      this.db.query<{ part_id: string; location_id: string | null; consumed: number }>(
        `SELECT part_id, location_id, SUM(q)::float8 AS consumed FROM (
           SELECT part_id, location_id, -quantity AS q FROM stock_movements WHERE kind = 'consumption' AND at >= $2 AND at < $3 AND part_id = ANY($1::uuid[])
           UNION ALL
           SELECT part_id, location_id, quantity FROM stock_backorders WHERE created_at >= $2 AND created_at < $3 AND part_id = ANY($1::uuid[])
         ) c GROUP BY part_id, location_id`,
        [ids, since, now],
      ),
      this.predictedNeeds(now),
      catalogue.listLocations(this.db, {}),
    ]);
    const locationById = new Map(locations.map((l) => [l.id, l]));
    const items: StockForecast['items'] = [];
    for (const p of parts) {
      const partNeeds = needs.filter((n) => n.sku === p.sku);
      const perLocation = new Map<string, { available: number; inTransit: number; consumed: number }>();
      const slot = (id: string) => perLocation.get(id) ?? perLocation.set(id, { available: 0, inTransit: 0, consumed: 0 }).get(id)!;
      for (const l of levelRows.rows.filter((r) => r.part_id === p.id)) Object.assign(slot(l.location_id), { available: l.available, inTransit: l.in_transit });
      let consumedTotal = 0;
      for (const c of consumedRows.rows.filter((r) => r.part_id === p.id)) {
        consumedTotal += c.consumed;
        if (c.location_id) slot(c.location_id).consumed += c.consumed;
      }
      for (const n of partNeeds) if (n.locationId) slot(n.locationId);
      const common = { now, horizonDays: query.days, lookbackDays: query.lookbackDays };
      const network = forecast({
        ...common,
        consumed: consumedTotal,
        stock: p.on_hand - p.reserved + p.in_transit - p.backorders,
        needs: partNeeds,
        safety: p.reorder_point ?? 0,
      });
      const hasActivity = network.expectedDemand > 0 || perLocation.size > 0;
      if (!hasActivity && !query.sku) continue;
      items.push({
        partId: p.id,
        sku: p.sku,
        description: p.description,
        network,
        predictedNeeds: partNeeds.map((n) => ({
          ticketId: n.ticketId,
          ticketNumber: n.ticketNumber,
          quantity: n.quantity,
          needBy: n.at.toISOString(),
          locationId: n.locationId,
        })),
        locations: [...perLocation.entries()]
          .map(([locationId, v]) => ({
            locationId,
            code: locationById.get(locationId)?.code ?? locationId,
            kind: locationById.get(locationId)?.kind ?? 'local',
            ...forecast({
              ...common,
              consumed: v.consumed,
              stock: v.available + v.inTransit,
              needs: partNeeds.filter((n) => n.locationId === locationId),
              safety: 0,
            }),
          }))
          .sort((a, b) => (a.stockoutDate ?? '9999').localeCompare(b.stockoutDate ?? '9999') || a.code.localeCompare(b.code)),
      });
    }
    return { generatedAt: now.toISOString(), horizonDays: query.days, lookbackDays: query.lookbackDays, basis: FORECAST_BASIS, items };
  }

  /** Open predictive auto-tickets' parts not yet held by the ticket, at the warehouse nearest the site. */
  private async predictedNeeds(now: Date): Promise<(Need & { sku: string; ticketId: string; ticketNumber: string; locationId: string | null })[]> {
    const { rows } = await this.db.query<{ id: string; number: string; latitude: number | null; longitude: number | null; prefill: unknown }>(
      `SELECT t.id, t.number, s.latitude, s.longitude, a.prefill FROM ticket_autofill a JOIN tickets t ON t.id = a.ticket_id LEFT JOIN sites s ON s.id = t.site_id
       WHERE a.predictive AND t.status NOT IN ('resolved', 'closed', 'cancelled')`,
    );
    if (rows.length === 0) return [];
    const held = await this.db.query<{ ticket_id: string; sku: string; held: number }>(
      `SELECT r.ticket_id, p.sku, SUM(r.quantity - r.released)::float8 AS held FROM stock_reservations r JOIN parts p ON p.id = r.part_id
       WHERE r.ticket_id = ANY($1::uuid[]) GROUP BY 1, 2`,
      [rows.map((r) => r.id)],
    );
    const warehouses = (await catalogue.listLocations(this.db, { active: true })).filter((l) => l.kind !== 'van');
    const needs: (Need & { sku: string; ticketId: string; ticketNumber: string; locationId: string | null })[] = [];
    for (const t of rows) {
      const parsed = prefillParts.safeParse(t.prefill);
      if (!parsed.success) continue;
      const due = parsed.data.predictive?.latestVisitBy ?? parsed.data.predictive?.projectedFailureAt;
      const dueMs = due ? Date.parse(due) : NaN;
      const at = new Date(Number.isNaN(dueMs) ? now.getTime() : Math.max(dueMs, now.getTime()));
      const point = t.latitude !== null && t.longitude !== null ? { latitude: t.latitude, longitude: t.longitude } : null;
      const locationId = rankLocations(warehouses, point)[0]?.id ?? null;
      const wanted = new Map<string, number>();
      for (const part of parsed.data.parts) wanted.set(part.sku, (wanted.get(part.sku) ?? 0) + part.quantity);
      for (const [sku, want] of wanted) {
        const already = held.rows.find((h) => h.ticket_id === t.id && h.sku === sku)?.held ?? 0;
        const quantity = Math.round((want - already) * 1000) / 1000;
        if (quantity > 0) needs.push({ sku, ticketId: t.id, ticketNumber: t.number, at, quantity, locationId });
      }
    }
    return needs;
  }
}
