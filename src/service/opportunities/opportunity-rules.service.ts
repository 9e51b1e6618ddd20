/**
 * Opportunity rules: selling through service. Each rule is ONE set-based
 * `INSERT ... SELECT ... ON CONFLICT (rule_key) DO NOTHING`: the rule key names the rule and its
 * subject, so a re-run (or two workers at once) creates nothing new, and an opportunity that was
 * lost is not raised again for the same subject.
 *
 * - contract offer (`contract_offer:<asset>:<warranty end>`): the asset's warranty ends within
 *   `warrantyWindowDays` and no active contract covers it after that date (covering = listing the
 *   asset, or a customer-level contract; open-ended or ending after the warranty). Value: the
 *   per-model override, else the model's typical contract value (mean value per covered asset of
 *   the active contracts covering assets of the model, in `currency`), else `contractOfferValue`.
 * - replacement offer (`replacement_offer:<asset>`): at least `replacementMinFaults` resolved or
 *   closed fault tickets (fault code set, or type breakdown) resolved in the last
 *   `replacementWindowMonths`, on an asset installed at least `replacementMinAgeYears` ago.
 *   Value: the per-model override, else `replacementValue`.
 * - consumables offer (`consumables_offer:<occurrence>`): a generated preventive occurrence, not
 *   done, due within `consumablesWindowDays`, whose plan lists consumable parts, on a contract that
 *   does not cover parts fully. Value: Σ quantity × price (the plan's unitPrice, else the parts
 *   catalogue's unit_price when the catalogue exists) × the uncovered share; contract currency.
 */
import { SYSTEM_ACTOR, type Actor } from '../../access/audit/audit.service.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { addMonths, utcDate } from '../preventive/preventive-schedule.js';
import { OpportunitiesRepository } from './opportunities.repository.js';
import type { RulesRun } from './opportunities.schemas.js';
import { toOpportunity } from './opportunities.service.js';

export interface OpportunityRulesOptions {
  /** Contract offer: warranty ending within this many days. Default 60. */
  readonly warrantyWindowDays?: number;
  /** Contract offer value without an override or a typical value for the model. Default 1200. */
  readonly contractOfferValue?: number;
  /** Contract offer value per equipment model id (wins over the typical value). Default {}. */
  readonly contractOfferValueByModel?: Readonly<Record<string, number>>;
  /** Replacement: fault tickets needed in the window. Default 3. */
  readonly replacementMinFaults?: number;
  /** Replacement: window of the fault tickets, in months. Default 12. */
  readonly replacementWindowMonths?: number;
  /** Replacement: minimum age of the asset (from install_date), in years. Default 8. */
  readonly replacementMinAgeYears?: number;
  /** Replacement value without a per-model override. Default 20000. */
  readonly replacementValue?: number;
  /** Replacement value per equipment model id. Default {}. */
  readonly replacementValueByModel?: Readonly<Record<string, number>>;
  /** Consumables: occurrences due within this many days. Default 30. */
  readonly consumablesWindowDays?: number;
  /** Currency of contract and replacement offers. Default 'EUR'. */
  readonly currency?: string;
  /** Owner of generated opportunities. Default none (unassigned). */
  readonly ownerId?: string | null;
  /** Recorded as creator. Default the system actor. */
  readonly actor?: Actor;
}

const DAY_MS = 86_400_000;
const COMMON_COLUMNS = 'stage, owner_id, stage_changed_at, created_by_type, created_by_id, created_at, updated_at';

export class OpportunityRulesService {
  private readonly repo = new OpportunitiesRepository();
  private readonly o: Required<Omit<OpportunityRulesOptions, 'ownerId'>> & { ownerId: string | null };

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
    options: OpportunityRulesOptions = {},
  ) {
    this.o = {
      warrantyWindowDays: options.warrantyWindowDays ?? 60,
      contractOfferValue: options.contractOfferValue ?? 1200,
      contractOfferValueByModel: options.contractOfferValueByModel ?? {},
      replacementMinFaults: options.replacementMinFaults ?? 3,
      replacementWindowMonths: options.replacementWindowMonths ?? 12,
      replacementMinAgeYears: options.replacementMinAgeYears ?? 8,
      replacementValue: options.replacementValue ?? 20_000,
      replacementValueByModel: options.replacementValueByModel ?? {},
      consumablesWindowDays: options.consumablesWindowDays ?? 30,
      currency: options.currency ?? 'EUR',
      ownerId: options.ownerId ?? null,
      actor: options.actor ?? SYSTEM_ACTOR,
    };
  }

  /** Runs every rule once; returns the opportunities this run created. */
  async run(): Promise<RulesRun> {
    const now = this.clock.now();
    const contractOffer = await this.apply((tx) => this.contractOffers(tx, now));
    const replacementOffer = await this.apply((tx) => this.replacementOffers(tx, now));
    const consumablesOffer = await this.apply((tx) => this.consumablesOffers(tx, now));
    const created = await this.repo.findMany(this.db, [...contractOffer, ...replacementOffer, ...consumablesOffer]);
    return {
      ranAt: now.toISOString(),
      created: created.map(toOpportunity),
      byRule: { contractOffer: contractOffer.length, replacementOffer: replacementOffer.length, consumablesOffer: consumablesOffer.length },
    };
  }

  /** One rule in a transaction, with an audit row per opportunity it created. */
  private async apply(rule: (tx: Queryable) => Promise<string[]>): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const ids = await rule(tx);
      if (ids.length > 0) {
        await tx.query(
          `INSERT INTO audit_log (actor_type, actor_id, entity, entity_id, action, changes)
           SELECT $1, $2, 'opportunity', id::text, 'create', jsonb_build_object('ruleKey', rule_key, 'kind', kind) FROM opportunities WHERE id = ANY($3::uuid[])`,
          [this.o.actor.type, this.o.actor.id, ids],
        );
      }
      return ids;
    });
  }

  /** $1 now, $2 owner, $3 actor type, $4 actor id: the values every rule's insert shares. */
  private common(now: Date): unknown[] {
    return [now, this.o.ownerId, this.o.actor.type, this.o.actor.id];
  }

  private async contractOffers(tx: Queryable, now: Date): Promise<string[]> {
    const today = utcDate(now);
    const { rows } = await tx.query<{ id: string }>(
      `WITH typical AS (
         SELECT a2.model_id, round(avg(c.value / n.covered), 2) AS per_asset
         FROM service_contracts c
         JOIN (SELECT contract_id, count(*)::numeric AS covered FROM contract_assets GROUP BY contract_id) n ON n.contract_id = c.id
         JOIN contract_assets ca ON ca.contract_id = c.id
         JOIN assets a2 ON a2.id = ca.asset_id
         WHERE c.status = 'active' AND c.value IS NOT NULL AND c.currency = $6
         GROUP BY a2.model_id
       )
       INSERT INTO opportunities (customer_id, asset_id, kind, rule_key, value, currency, title, reason, ${COMMON_COLUMNS})
       SELECT s.customer_id, a.id, 'contract_offer', 'contract_offer:' || a.id::text || ':' || a.warranty_end::text,
              COALESCE(($7::jsonb ->> a.model_id)::numeric, t.per_asset, $8::numeric), $6,
              left('Service contract for ' || COALESCE(m.name, a.model_id) || ' ' || a.serial_number, 300),
              'Warranty ends on ' || a.warranty_end::text || ' and no active contract covers the asset after it',
              'new', $2, $1, $3, $4, $1, $1
       FROM assets a
       JOIN sites s ON s.id = a.site_id
       LEFT JOIN equipment_models m ON m.id = a.model_id
       LEFT JOIN typical t ON t.model_id = a.model_id
       WHERE a.warranty_end >= $5::date AND a.warranty_end <= $5::date + $9::int
         AND NOT EXISTS (
           SELECT 1 FROM service_contracts c
           WHERE c.customer_id = s.customer_id AND c.status = 'active' AND (c.ends_on IS NULL OR c.ends_on > a.warranty_end)
             AND (EXISTS (SELECT 1 FROM contract_assets ca WHERE ca.contract_id = c.id AND ca.asset_id = a.id)
                  OR NOT EXISTS (SELECT 1 FROM contract_assets ca WHERE ca.contract_id = c.id)))
       ON CONFLICT (rule_key) DO NOTHING
       RETURNING id`,
      [...this.common(now), today, this.o.currency, JSON.stringify(this.o.contractOfferValueByModel), this.o.contractOfferValue, this.o.warrantyWindowDays],
    );
    return rows.map((r) => r.id);
  }

  private async replacementOffers(tx: Queryable, now: Date): Promise<string[]> {
    const today = utcDate(now);
    const faultsSince = new Date(`${addMonths(today, -this.o.replacementWindowMonths)}T${now.toISOString().slice(11)}`);
    const installedBefore = addMonths(today, -12 * this.o.replacementMinAgeYears);
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO opportunities (customer_id, asset_id, kind, rule_key, value, currency, title, reason, ${COMMON_COLUMNS})
       SELECT s.customer_id, a.id, 'replacement_offer', 'replacement_offer:' || a.id::text,
              COALESCE(($7::jsonb ->> a.model_id)::numeric, $8::numeric), $6,
              left('Replacement of ' || COALESCE(m.name, a.model_id) || ' ' || a.serial_number, 300),
              f.faults || ' fault tickets resolved since ' || $9::text || ' on an asset installed on ' || a.install_date::text,
              'new', $2, $1, $3, $4, $1, $1
       FROM assets a
       JOIN sites s ON s.id = a.site_id
       LEFT JOIN equipment_models m ON m.id = a.model_id
       JOIN (
         SELECT t.asset_id, count(*) AS faults FROM tickets t
         WHERE t.asset_id IS NOT NULL AND t.status IN ('resolved', 'closed') AND (t.fault_code IS NOT NULL OR t.type = 'breakdown')
           AND COALESCE(t.resolved_at, t.closed_at) >= $5::timestamptz
         GROUP BY t.asset_id HAVING count(*) >= $10::int
       ) f ON f.asset_id = a.id
       WHERE a.install_date IS NOT NULL AND a.install_date <= $11::date
       ON CONFLICT (rule_key) DO NOTHING
       RETURNING id`,
      [
        ...this.common(now),
        faultsSince,
        this.o.currency,
        JSON.stringify(this.o.replacementValueByModel),
        this.o.replacementValue,
        utcDate(faultsSince),
        this.o.replacementMinFaults,
        installedBefore,
      ],
    );
    return rows.map((r) => r.id);
  }

  private async consumablesOffers(tx: Queryable, now: Date): Promise<string[]> {
    const catalogue = await hasPartsCatalogue(tx);
    const price = catalogue
      ? `COALESCE((e->>'unitPrice')::numeric, (SELECT pc.unit_price FROM parts pc WHERE pc.sku = e->>'sku'), 0)`
      : `COALESCE((e->>'unitPrice')::numeric, 0)`;
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO opportunities (customer_id, asset_id, contract_id, kind, rule_key, value, currency, title, reason, ${COMMON_COLUMNS})
       SELECT c.customer_id, o.asset_id, c.id, 'consumables_offer', 'consumables_offer:' || o.id::text,
              round(cp.amount * (100 - c.parts_coverage_pct) / 100, 2), c.currency,
              left('Consumables for ' || p.name || ' on ' || a.serial_number, 300),
              'Preventive occurrence due ' || to_char(o.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') || ' uses consumables: ' || cp.skus,
              'new', $2, $1, $3, $4, $1, $1
       FROM maintenance_occurrences o
       JOIN maintenance_plans p ON p.id = o.plan_id
       JOIN service_contracts c ON c.id = p.contract_id
       JOIN assets a ON a.id = o.asset_id
       LEFT JOIN tickets t ON t.id = o.ticket_id
       CROSS JOIN LATERAL (
         SELECT sum((e->>'quantity')::numeric * ${price}) AS amount, string_agg(e->>'sku', ', ') AS skus, count(*) AS n
         FROM jsonb_array_elements(p.parts) e WHERE COALESCE((e->>'consumable')::boolean, false)
       ) cp
       WHERE cp.n > 0 AND c.parts_coverage_pct < 100 AND o.due_at <= $5::timestamptz
         AND (t.id IS NULL OR t.status NOT IN ('resolved', 'closed', 'cancelled'))
       ON CONFLICT (rule_key) DO NOTHING
       RETURNING id`,
      [...this.common(now), new Date(now.getTime() + this.o.consumablesWindowDays * DAY_MS)],
    );
    return rows.map((r) => r.id);
  }
}

/** True when the stock feature's parts catalogue (parts.sku, parts.unit_price) exists. */
async function hasPartsCatalogue(q: Queryable): Promise<boolean> {
  const { rows } = await q.query<{ present: boolean }>(
    `SELECT count(*) = 2 AS present FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'parts' AND column_name IN ('sku', 'unit_price')`,
  );
  return rows[0]?.present ?? false;
}
