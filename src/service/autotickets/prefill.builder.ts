/**
 * The prefill of an auto-ticket: the catalogue entry of the fault, the contract and SLA due times
 * (same contract lookup and `dueTimes` as a manual ticket), the priority rule, knowledge-base
 * articles, what resolved the same fault on the same model before, parts (availability filled in
 * after the commit), and the technician ranking.
 *
 * Two steps, so the read-only lookups can run BEFORE the ticket's transaction: `findAssetPlace`
 * (one query, which also tells whether an open ticket exists) then `loadDraftFacts`, whose
 * lookups run concurrently (on a pool each takes its own connection; PGlite and a transaction's
 * connection simply run them one after the other); `composeDraft` is then pure and runs inside
 * the transaction once the alarm id is known. `buildTicketDraft` does all three on one handle.
 */
import type { AssetFinding } from '../../telemetry/detection/detection.types.js';
import { ContractsRepository, type ContractRow } from '../contracts/contracts.repository.js';
import { TIER_JOIN, tierOf, type CustomerTier } from '../customers/customer-tier.js';
import type { FaultDefinition } from '../../telemetry/models/models.schema.js';
import type { Queryable } from '../../kernel/db/database.js';
import { AppError } from '../../kernel/errors.js';
import { dueTimes, slaTerms, type SlaTerms } from '../sla/sla.policy.js';
import { OPEN_IOT } from './autotickets.repository.js';
import type { Prefill } from './autotickets.schemas.js';
import { autoTicketPriority } from './priority.policy.js';
import { loadRankingFacts, rankTechnicians, type RankingFacts, type RankingOptions } from '../dispatch/technician-ranking.js';
import { isoDate, localDateOf } from '../sla/business-calendar.js';

export interface PrefillOptions {
  /** Knowledge-base articles listed. Default 5. */
  readonly knowledgeLimit?: number;
  /** Past resolutions listed. Default 5. */
  readonly pastLimit?: number;
  /** Predictive faults: latest visit = projected failure minus this many hours (never before now). Default 24. */
  readonly visitMarginHours?: number;
  /** The dispatch ranking's options, and how many candidates are stored (default 5). */
  readonly ranking?: RankingOptions & { readonly limit?: number };
}

export interface SiteLocation {
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly city: string | null;
  readonly country: string | null;
}

export interface TicketDraft {
  readonly prefill: Prefill;
  readonly type: 'breakdown' | 'predictive';
  readonly title: string;
  readonly description: string;
  readonly customerId: string;
  readonly siteId: string;
  readonly contractId: string | null;
  readonly slaSource: 'contract' | 'default';
}

/** Where the asset stands and what its model's catalogue says about the fault. */
export interface AssetPlace extends SiteLocation {
  readonly assetId: string;
  readonly modelId: string;
  readonly siteId: string;
  readonly customerId: string;
  readonly serialNumber: string;
  /** The fault's catalogue entry in the asset's model; null when the model does not list it. */
  readonly fault: FaultDefinition | null;
  /** An open IoT ticket exists for the asset and fault code (not locked: a hint, not a guarantee). */
  readonly hasOpenTicket: boolean;
}

/** Everything the draft is built from besides the finding, its alarm and `now`. */
export interface DraftFacts {
  readonly place: AssetPlace;
  readonly contract: ContractRow | undefined;
  readonly terms: SlaTerms;
  readonly tier: CustomerTier;
  /** What the technician ranking reads, for the day the finding arrives (UTC date). */
  readonly technicians: RankingFacts & { readonly date: string };
  readonly knowledge: Prefill['knowledge'];
  readonly pastResolutions: Prefill['pastResolutions'];
}

const contracts = new ContractsRepository();
const HOUR = 3_600_000;
const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());

export const RANKING_BASIS =
  'The dispatch ranking (as GET /tickets/{id}/technician-suggestions) on the day the ticket was opened: technicians with the required skill, by travel from their current location or home base, earliest free slot that fits the labour, load that day, parts on their van, SLA, territory and skill level; each with its reasons.';

/** Builds the draft on one handle (inside a transaction: when no early look prepared its facts). */
export async function buildTicketDraft(
  q: Queryable,
  finding: AssetFinding & { faultCode: string },
  alarmId: string,
  now: Date,
  options: PrefillOptions = {},
): Promise<TicketDraft> {
  const place = await findAssetPlace(q, finding.assetId, finding.faultCode);
  if (!place) throw new AppError('VALIDATION_FAILED', `Invalid finding: no asset ${finding.assetId}`);
  return composeDraft(await loadDraftFacts(q, place, finding.faultCode, now, options), finding, alarmId, now, options);
}

/** The asset's site, customer and catalogue entry of the fault, and whether an open ticket exists; undefined for an unknown asset. */
export async function findAssetPlace(q: Queryable, assetId: string, faultCode: string): Promise<AssetPlace | undefined> {
  const { rows } = await q.query<{
    model_id: string;
    site_id: string;
    customer_id: string;
    latitude: number | null;
    longitude: number | null;
    city: string | null;
    country: string | null;
    serial_number: string;
    fault: FaultDefinition | null;
    has_open_ticket: boolean;
  }>(
    `SELECT a.model_id, a.site_id, s.customer_id, s.latitude, s.longitude, s.city, s.country, a.serial_number,
       (SELECT f.e FROM jsonb_array_elements(em.definition->'faults') WITH ORDINALITY AS f(e, n) WHERE f.e->>'code' = $2 ORDER BY f.n LIMIT 1) AS fault,
       EXISTS (SELECT 1 FROM tickets t WHERE t.asset_id = a.id AND t.fault_code = $2 AND ${OPEN_IOT}) AS has_open_ticket
     FROM assets a JOIN sites s ON s.id = a.site_id JOIN equipment_models em ON em.id = a.model_id WHERE a.id = $1`,
    [assetId, faultCode],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    assetId,
    modelId: r.model_id,
    siteId: r.site_id,
    customerId: r.customer_id,
    serialNumber: r.serial_number,
    latitude: r.latitude,
    longitude: r.longitude,
    city: r.city,
    country: r.country,
    fault: r.fault,
    hasOpenTicket: r.has_open_ticket,
  };
}

/**
 * The read-only lookups of the draft, concurrently: each needs only the place and the fault code
 * (the SLA terms come with the contract row, no second read).
 */
export async function loadDraftFacts(q: Queryable, place: AssetPlace, faultCode: string, now: Date, options: PrefillOptions = {}): Promise<DraftFacts> {
  const [contract, tier, technicians, knowledge, past] = await Promise.all([
    contracts.findApplicable(q, place.customerId, place.assetId, now.toISOString().slice(0, 10)),
    customerTier(q, place.customerId),
    rankingFacts(q, place, now),
    knowledgeFor(q, place.modelId, faultCode, options.knowledgeLimit ?? 5),
    pastResolutions(q, place.modelId, faultCode, options.pastLimit ?? 5),
  ]);
  return { place, contract, terms: slaTerms(contract ?? null), tier, technicians, knowledge, pastResolutions: past };
}

/** The draft from its facts (pure). */
export function composeDraft(
  facts: DraftFacts,
  finding: AssetFinding & { faultCode: string },
  alarmId: string,
  now: Date,
  options: PrefillOptions = {},
): TicketDraft {
  const { place, contract, terms, tier } = facts;
  const fault = place.fault ?? undefined;
  const decision = autoTicketPriority({ faultPriority: fault?.priority ?? null, severity: finding.severity, tier, terms });
  const due = dueTimes(now, decision.priority, terms);

  const skill = fault?.skill ?? null;
  const ranking = rankTechnicians(
    facts.technicians,
    {
      requiredSkill: skill,
      labourMinutes: fault ? Math.max(15, Math.round(fault.labourHours * 60)) : 60,
      parts: (fault?.parts ?? []).map((p) => ({ sku: p.sku, quantity: p.quantity, description: p.description })),
      site: place.latitude !== null && place.longitude !== null ? { lat: place.latitude, lon: place.longitude, label: 'the site' } : null,
      city: place.city,
      country: place.country,
      responseDueAt: due.responseDueAt.getTime(),
      resolutionDueAt: due.resolutionDueAt.getTime(),
    },
    facts.technicians.date,
    now,
    options.ranking,
  );
  const candidates = ranking.candidates.slice(0, options.ranking?.limit ?? 5);
  const excludedForSkill = ranking.excluded.filter((e) => e.reason.startsWith('Lacks skill')).length;

  const projected = finding.evidence.projectedFailureAt;
  const predictive = finding.kind === 'trend' && projected !== undefined;
  const marginHours = options.visitMarginHours ?? 24;

  const prefill: Prefill = {
    generatedAt: now.toISOString(),
    finding: {
      ruleId: finding.ruleId,
      kind: finding.kind,
      severity: finding.severity ?? null,
      at: new Date(finding.at).toISOString(),
      alarmId,
      ...explainFinding(finding),
    },
    fault: {
      code: finding.faultCode,
      inCatalogue: !!fault,
      title: fault?.title ?? finding.title ?? finding.faultCode,
      diagnosis: fault?.diagnosis ?? null,
      probableCauses: fault?.probableCauses ?? [],
      actions: fault?.actions ?? [],
    },
    parts: (fault?.parts ?? []).map((p) => ({
      sku: p.sku,
      description: p.description,
      quantity: p.quantity,
      availability: 'unknown' as const,
      reserved: false,
    })),
    labourHours: fault?.labourHours ?? null,
    requiredSkill: skill,
    priority: { value: decision.priority, base: decision.base, tier, reasons: decision.reasons },
    sla: {
      contractId: contract?.id ?? null,
      source: terms.source,
      responseDueAt: due.responseDueAt.toISOString(),
      resolutionDueAt: due.resolutionDueAt.toISOString(),
    },
    predictive: predictive
      ? {
          projectedFailureAt: new Date(projected).toISOString(),
          latestVisitBy: new Date(Math.max(now.getTime(), projected - marginHours * HOUR)).toISOString(),
          marginHours,
        }
      : null,
    knowledge: facts.knowledge,
    pastResolutions: facts.pastResolutions,
    technicians: { requiredSkill: skill, excludedForSkill, basis: RANKING_BASIS, candidates },
  };
  return {
    prefill,
    type: predictive ? 'predictive' : 'breakdown',
    title: `${predictive ? 'Predicted: ' : ''}${prefill.fault.title}`.slice(0, 300),
    description: describe(prefill, place.serialNumber),
    customerId: place.customerId,
    siteId: place.siteId,
    contractId: contract?.id ?? null,
    slaSource: terms.source,
  };
}

/** The ranking's facts for today (UTC), for the parts of the fault. */
async function rankingFacts(q: Queryable, place: AssetPlace, now: Date): Promise<DraftFacts['technicians']> {
  const date = isoDate(localDateOf(now.getTime(), 'UTC'));
  return {
    ...(await loadRankingFacts(
      q,
      date,
      (place.fault?.parts ?? []).map((p) => p.sku),
    )),
    date,
  };
}

/** The customer's tier from its active contracts today. */
async function customerTier(q: Queryable, customerId: string): Promise<CustomerTier> {
  const { rows } = await q.query<{ active_contracts: number; active_contract_value: number }>(
    `SELECT tb.active_contracts, tb.active_contract_value FROM customers c ${TIER_JOIN} WHERE c.id = $1`,
    [customerId],
  );
  return tierOf({ activeContracts: rows[0]?.active_contracts ?? 0, activeContractValue: Number(rows[0]?.active_contract_value ?? 0) });
}

/** Published articles for the fault code: the same model's first, then the rest; newest first. */
async function knowledgeFor(tx: Queryable, modelId: string, faultCode: string, limit: number): Promise<Prefill['knowledge']> {
  const { rows } = await tx.query<{ id: string; title: string; same_model: boolean; updated_at: Date }>(
    `SELECT k.id, k.title, k.model_ids @> ARRAY[$1::text] AS same_model, k.updated_at FROM knowledge_articles k
     WHERE k.status = 'published' AND k.fault_codes @> ARRAY[$2::text]
     ORDER BY (k.model_ids @> ARRAY[$1::text]) DESC, k.updated_at DESC, k.id LIMIT $3`,
    [modelId, faultCode, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    match: r.same_model ? ('model_and_fault' as const) : ('fault' as const),
    updatedAt: r.updated_at.toISOString(),
  }));
}

/** Closed tickets of the same fault on the same model, most recently closed first. */
async function pastResolutions(tx: Queryable, modelId: string, faultCode: string, limit: number): Promise<Prefill['pastResolutions']> {
  const { rows } = await tx.query<{
    id: string;
    number: string;
    asset_id: string | null;
    closed_at: Date;
    resolution: string | null;
    visits: { outcome: string | null; notes: string | null; endedAt: string | null }[];
    parts: { sku: string; description: string | null; quantity: number }[];
  }>(
    `SELECT t.id, t.number, t.asset_id, t.closed_at,
       (SELECT h.reason FROM ticket_status_history h WHERE h.ticket_id = t.id AND h.to_status = 'resolved' ORDER BY h.id DESC LIMIT 1) AS resolution,
       COALESCE((SELECT jsonb_agg(jsonb_build_object('outcome', v.outcome, 'notes', v.notes, 'endedAt', v.actual_end) ORDER BY v.planned_start, v.id)
                   FROM visits v WHERE v.ticket_id = t.id AND v.status <> 'cancelled'), '[]'::jsonb) AS visits,
       COALESCE((SELECT jsonb_agg(jsonb_build_object('sku', p.sku, 'description', p.description, 'quantity', p.quantity::float8) ORDER BY p.recorded_at, p.id)
                   FROM visit_parts p JOIN visits v ON v.id = p.visit_id WHERE v.ticket_id = t.id AND v.status <> 'cancelled'), '[]'::jsonb) AS parts
     FROM tickets t JOIN assets a ON a.id = t.asset_id
     WHERE t.status = 'closed' AND t.fault_code = $1 AND a.model_id = $2
     ORDER BY t.closed_at DESC, t.id LIMIT $3`,
    [faultCode, modelId, limit],
  );
  return rows.map((r) => ({
    ticketId: r.id,
    number: r.number,
    assetId: r.asset_id,
    closedAt: r.closed_at.toISOString(),
    resolution: r.resolution,
    visits: r.visits.map((v) => ({ outcome: v.outcome, notes: v.notes, endedAt: iso(v.endedAt) })),
    partsUsed: r.parts.map((p) => ({ sku: p.sku, description: p.description, quantity: Number(p.quantity) })),
  }));
}

/** Human-readable description (for clients that only show the ticket text). */
/** A learned baseline's finding in words: which metrics made the readings unusual, and which did not. */
export function explainFinding(finding: Pick<AssetFinding, 'evidence'>): { summary?: string } {
  const parts = finding.evidence.contributions ?? [];
  const main = parts.filter((c) => c.share >= 0.1);
  if (main.length === 0) return {};
  const fmt = (v: number): string => String(Number(v.toPrecision(4)));
  const named = main.map(
    (c) => `${c.metric.replaceAll('_', ' ')} (${Math.round(c.share * 100)} % of the score: ${fmt(c.value)} where ${fmt(c.expected)} is usual)`,
  );
  const minor = parts.filter((c) => c.share < 0.1).map((c) => c.metric.replaceAll('_', ' '));
  const rest = minor.length > 0 ? `; ${minor.join(', ')} barely, the rule's other metrics not at all` : "; the rule's other metrics look as usual";
  return { summary: `Unusual: ${named.join(' and ')}${rest}.` };
}

function describe(p: Prefill, serial: string): string {
  const lines = [`Detected from telemetry on asset ${serial} (rule ${p.finding.ruleId}, ${p.finding.kind}) at ${p.finding.at}.`];
  if (p.finding.summary) lines.push(p.finding.summary);
  if (p.fault.diagnosis) lines.push('', p.fault.diagnosis);
  if (p.predictive) lines.push('', `Projected failure: ${p.predictive.projectedFailureAt}; visit by ${p.predictive.latestVisitBy}.`);
  if (p.fault.probableCauses.length) lines.push('', 'Probable causes:', ...p.fault.probableCauses.map((c) => `- ${c}`));
  if (p.fault.actions.length) lines.push('', 'Actions:', ...p.fault.actions.map((a) => `- ${a}`));
  if (p.parts.length) lines.push('', 'Parts (availability unknown):', ...p.parts.map((x) => `- ${x.quantity} × ${x.sku} ${x.description}`));
  if (p.labourHours !== null) lines.push('', `Estimated labour: ${p.labourHours} h (${p.requiredSkill ?? 'any skill'}).`);
  return lines.join('\n').slice(0, 20_000);
}
