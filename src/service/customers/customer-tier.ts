/**
 * The customer tier, computed on every read from the customer's contracts (never stored, so it
 * can never be stale):
 *
 * - an **active contract** has status `active` and is valid today (starts_on ≤ today ≤ ends_on,
 *   open-ended when ends_on is null; "today" is the database's current date);
 * - **revenue** is the summed `value` of the active contracts (a missing value counts as 0;
 *   currencies are not converted);
 * - **platinum**: revenue ≥ 100 000 or ≥ 5 active contracts;
 *   **gold**: revenue ≥ 25 000 or ≥ 3 active contracts;
 *   **silver**: at least one active contract;
 *   **bronze**: none (pay-per-call customers).
 *
 * The tier is not a financial field (agents see it); the revenue behind it is.
 */
export const CUSTOMER_TIERS = ['platinum', 'gold', 'silver', 'bronze'] as const;
export type CustomerTier = (typeof CUSTOMER_TIERS)[number];

/** Thresholds of the rule above (revenue in the contracts' currency units). */
export const TIER_RULES = Object.freeze({
  platinum: { minRevenue: 100_000, minContracts: 5 },
  gold: { minRevenue: 25_000, minContracts: 3 },
  silver: { minContracts: 1 },
});

export interface TierBasis {
  /** Active contracts today. */
  readonly activeContracts: number;
  /** Summed value of the active contracts. */
  readonly activeContractValue: number;
}

export function tierOf(basis: TierBasis): CustomerTier {
  const { activeContracts: count, activeContractValue: revenue } = basis;
  if (revenue >= TIER_RULES.platinum.minRevenue || count >= TIER_RULES.platinum.minContracts) return 'platinum';
  if (revenue >= TIER_RULES.gold.minRevenue || count >= TIER_RULES.gold.minContracts) return 'gold';
  if (count >= TIER_RULES.silver.minContracts) return 'silver';
  return 'bronze';
}

/**
 * A lateral join giving `tb.active_contracts` and `tb.active_contract_value` for the customer
 * aliased `c` (one index range scan of service_contracts_customer_idx per customer).
 */
export const TIER_JOIN = `LEFT JOIN LATERAL (
    SELECT count(*)::int AS active_contracts, COALESCE(sum(sc.value), 0)::float8 AS active_contract_value
    FROM service_contracts sc
    WHERE sc.customer_id = c.id AND sc.status = 'active' AND sc.starts_on <= current_date
      AND (sc.ends_on IS NULL OR sc.ends_on >= current_date)
  ) tb ON true`;
export const TIER_COLUMNS = 'tb.active_contracts, tb.active_contract_value';
