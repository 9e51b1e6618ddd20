/**
 * The stock planning maths, as plain functions (stock-planning.service.ts gathers the inputs).
 *
 * Reorder suggestion (per part, whole network) — an (s, Q) policy on the inventory position:
 *   position = (on hand − reserved, all locations) + in transit (shipped, not received) − open backorders
 *   reorder when position ≤ s (the reorder point); order n lots of Q (reorder quantity; default
 *   max(s, 1)) with n = floor((s − position) / Q) + 1, the fewest lots that lift the position above s.
 *   A part without a reorder point is only suggested when its position is negative (backorders
 *   exceed stock): then exactly −position.
 *
 * Demand forecast (per part, per location and for the network), over a horizon of H days:
 *   historical rate r = consumption over the lookback window L (ledger `consumption` rows, plus
 *     backorders opened in the window: parts used without stock) / L, in units per day;
 *   predicted demand = for each open predictive auto-ticket (ticket_autofill.predictive), each part
 *     of its prefill, quantity − what the ticket already holds (reserved or consumed), needed by
 *     the prefill's latestVisitBy (else projectedFailureAt; never before now), at the warehouse
 *     nearest the ticket's site; only needs due within the horizon count;
 *   expected demand = r × H + predicted demand;
 *   stock S = available (on hand − reserved) + in transit towards the location (network: all
 *     in transit − open backorders);
 *   stockout date = walk forward from now consuming r per day continuously and each predicted
 *     need at its date: the first moment S reaches 0 under continuous consumption, or a need
 *     cannot be met in full (null when neither happens: r = 0 and needs covered);
 *   recommended quantity = ceil(expected demand + safety − S), at least 0, where safety is the
 *     part's reorder point for the network (what should still be there at the horizon's end)
 *     and 0 per location (the replenishment a location needs to last the horizon).
 *   Historical consumption already contains past predictive tickets' parts, so predicted demand
 *   on top of the rate errs on the side of stocking more; the rate is flat (no seasonality).
 */

export const DAY_MS = 86_400_000;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export interface ReorderInput {
  readonly available: number;
  readonly inTransit: number;
  readonly openBackorders: number;
  readonly reorderPoint: number | null;
  readonly reorderQuantity: number | null;
}

/** Inventory position and the suggested purchase (0 = nothing to order). */
export function reorderSuggestion(p: ReorderInput): { position: number; suggestedQuantity: number; lots: number } {
  const position = round3(p.available + p.inTransit - p.openBackorders);
  if (p.reorderPoint === null) return { position, suggestedQuantity: position < 0 ? round3(-position) : 0, lots: 0 };
  if (position > p.reorderPoint) return { position, suggestedQuantity: 0, lots: 0 };
  const lot = p.reorderQuantity ?? Math.max(p.reorderPoint, 1);
  const lots = Math.floor(round3((p.reorderPoint - position) / lot)) + 1;
  return { position, suggestedQuantity: round3(lots * lot), lots };
}

export interface Need {
  readonly at: Date;
  readonly quantity: number;
}

/** When stock runs out (see the header), or null; to the second (float noise of the rate removed). */
export function stockoutDate(stock: number, dailyRate: number, needs: readonly Need[], now: Date): Date | null {
  const at = walk(stock, dailyRate, needs, now);
  return at === null ? null : new Date(Math.round(at / 1000) * 1000);
}

function walk(stock: number, dailyRate: number, needs: readonly Need[], now: Date): number | null {
  let s = stock;
  let t = now.getTime();
  if (s < 0) return t;
  for (const need of [...needs].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    const at = Math.max(need.at.getTime(), t);
    if (dailyRate > 0) {
      const used = (dailyRate * (at - t)) / DAY_MS;
      if (s - used < 0) return t + (s / dailyRate) * DAY_MS;
      s -= used;
    }
    t = at;
    s -= need.quantity;
    if (s < -1e-9) return t;
  }
  return dailyRate > 0 ? t + (Math.max(s, 0) / dailyRate) * DAY_MS : null;
}

export interface ForecastInput {
  readonly now: Date;
  readonly horizonDays: number;
  readonly lookbackDays: number;
  /** Consumed over the lookback window. */
  readonly consumed: number;
  readonly stock: number;
  readonly needs: readonly Need[];
  /** What should be left at the horizon's end. */
  readonly safety: number;
}

export interface ForecastFigures {
  dailyRate: number;
  historicalDemand: number;
  predictedDemand: number;
  expectedDemand: number;
  stock: number;
  stockoutDate: string | null;
  stockoutWithinHorizon: boolean;
  recommendedQuantity: number;
}

export function forecast(input: ForecastInput): ForecastFigures {
  const end = input.now.getTime() + input.horizonDays * DAY_MS;
  const needs = input.needs.filter((n) => n.at.getTime() <= end);
  const dailyRate = input.consumed / input.lookbackDays;
  const historicalDemand = dailyRate * input.horizonDays;
  const predictedDemand = needs.reduce((s, n) => s + n.quantity, 0);
  const expectedDemand = historicalDemand + predictedDemand;
  const out = stockoutDate(input.stock, dailyRate, needs, input.now);
  return {
    dailyRate: Math.round(dailyRate * 10_000) / 10_000,
    historicalDemand: round3(historicalDemand),
    predictedDemand: round3(predictedDemand),
    expectedDemand: round3(expectedDemand),
    stock: round3(input.stock),
    stockoutDate: out ? out.toISOString() : null,
    stockoutWithinHorizon: !!out && out.getTime() <= end,
    recommendedQuantity: Math.max(0, Math.ceil(round3(expectedDemand + input.safety - input.stock))),
  };
}
