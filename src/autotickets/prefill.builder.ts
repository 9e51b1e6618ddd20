/**
 * Builds the prefill of an auto-ticket inside the caller's transaction: the catalogue entry of
 * the fault, the contract and SLA due times (same lookup and `dueTimes` as a manual ticket), the
 * priority rule, knowledge-base articles, what resolved the same fault on the same model before,
 * parts (availability unknown until the stock module exists), and the technician ranking.
 */
import type { Finding } from '../alarms/finding.schema.js';
import { ContractsRepository } from '../contracts/contracts.repository.js';
import { TIER_JOIN, tierOf } from '../customers/customer-tier.js';
import type { FaultDefinition } from '../models/models.schema.js';
import type { Queryable } from '../platform/db/database.js';
import { AppError } from '../platform/errors.js';
import { dueTimes } from '../sla/sla.policy.js';
import { termsFor } from '../tickets/ticket-sla.js';
import type { Prefill } from './autotickets.schemas.js';
import { autoTicketPriority } from './priority.policy.js';
import { rankTechnicians, technicianFacts, type RankingOptions } from './technician-ranking.js';

export interface PrefillOptions {
  /** Knowledge-base articles listed. Default 5. */
  readonly knowledgeLimit?: number;
  /** Past resolutions listed. Default 5. */
  readonly pastLimit?: number;
  /** Predictive faults: latest visit = projected failure minus this many hours (never before now). Default 24. */
  readonly visitMarginHours?: number;
  readonly ranking?: RankingOptions;
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

const contracts = new ContractsRepository();
const HOUR = 3_600_000;
const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());

export const RANKING_BASIS =
  'Technicians with the required skill, by distance from the site to the nearest centre of their territories (mean position of known sites there: no home locations yet), +300 km outside their territories, +50 km per open ticket assigned.';

export async function buildTicketDraft(tx: Queryable, finding: Finding & { faultCode: string }, alarmId: string, now: Date, options: PrefillOptions = {}): Promise<TicketDraft> {
  const { rows } = await tx.query<{ model_id: string; site_id: string; customer_id: string; latitude: number | null; longitude: number | null; city: string | null; country: string | null; serial_number: string; faults: FaultDefinition[] | null }>(
    `SELECT a.model_id, a.site_id, s.customer_id, s.latitude, s.longitude, s.city, s.country, a.serial_number, em.definition->'faults' AS faults
     FROM assets a JOIN sites s ON s.id = a.site_id JOIN equipment_models em ON em.id = a.model_id WHERE a.id = $1`,
    [finding.assetId],
  );
  const place = rows[0];
  if (!place) throw new AppError('VALIDATION_FAILED', `Invalid finding: no asset ${finding.assetId}`);
  const fault = (place.faults ?? []).find((f) => f.code === finding.faultCode);

  const contract = await contracts.findApplicable(tx, place.customer_id, finding.assetId, now.toISOString().slice(0, 10));
  const terms = await termsFor(tx, contract?.id ?? null);
  const tierRow = await tx.query<{ active_contracts: number; active_contract_value: number }>(`SELECT tb.active_contracts, tb.active_contract_value FROM customers c ${TIER_JOIN} WHERE c.id = $1`, [place.customer_id]);
  const tier = tierOf({ activeContracts: tierRow.rows[0]?.active_contracts ?? 0, activeContractValue: Number(tierRow.rows[0]?.active_contract_value ?? 0) });
  const decision = autoTicketPriority({ faultPriority: fault?.priority ?? null, severity: finding.severity, tier, terms });
  const due = dueTimes(now, decision.priority, terms);

  const skill = fault?.skill ?? null;
  const facts = await technicianFacts(tx, skill);
  const candidates = rankTechnicians(skill, place, facts.technicians, options.ranking);

  const projected = finding.evidence.projectedFailureAt;
  const predictive = finding.kind === 'trend' && projected !== undefined;
  const marginHours = options.visitMarginHours ?? 24;

  const prefill: Prefill = {
    generatedAt: now.toISOString(),
    finding: { ruleId: finding.ruleId, kind: finding.kind, severity: finding.severity ?? null, at: finding.at.toISOString(), alarmId },
    fault: {
      code: finding.faultCode,
      inCatalogue: !!fault,
      title: fault?.title ?? finding.title ?? finding.faultCode,
      diagnosis: fault?.diagnosis ?? null,
      probableCauses: fault?.probableCauses ?? [],
      actions: fault?.actions ?? [],
    },
    parts: (fault?.parts ?? []).map((p) => ({ sku: p.sku, description: p.description, quantity: p.quantity, availability: 'unknown' as const, reserved: false })),
    labourHours: fault?.labourHours ?? null,
    requiredSkill: skill,
    priority: { value: decision.priority, base: decision.base, tier, reasons: decision.reasons },
    sla: { contractId: contract?.id ?? null, source: terms.source, responseDueAt: due.responseDueAt.toISOString(), resolutionDueAt: due.resolutionDueAt.toISOString() },
    predictive: predictive
      ? {
          projectedFailureAt: projected,
          latestVisitBy: new Date(Math.max(now.getTime(), new Date(projected).getTime() - marginHours * HOUR)).toISOString(),
          marginHours,
        }
      : null,
    knowledge: await knowledgeFor(tx, place.model_id, finding.faultCode, options.knowledgeLimit ?? 5),
    pastResolutions: await pastResolutions(tx, place.model_id, finding.faultCode, options.pastLimit ?? 5),
    technicians: { requiredSkill: skill, excludedForSkill: facts.excludedForSkill, basis: RANKING_BASIS, candidates },
  };
  return {
    prefill,
    type: predictive ? 'predictive' : 'breakdown',
    title: `${predictive ? 'Predicted: ' : ''}${prefill.fault.title}`.slice(0, 300),
    description: describe(prefill, place.serial_number),
    customerId: place.customer_id,
    siteId: place.site_id,
    contractId: contract?.id ?? null,
    slaSource: terms.source,
  };
}

/** Published articles for the fault code: the same model's first, then the rest; newest first. */
async function knowledgeFor(tx: Queryable, modelId: string, faultCode: string, limit: number): Promise<Prefill['knowledge']> {
  const { rows } = await tx.query<{ id: string; title: string; same_model: boolean; updated_at: Date }>(
    `SELECT k.id, k.title, k.model_ids @> ARRAY[$1::text] AS same_model, k.updated_at FROM knowledge_articles k
     WHERE k.status = 'published' AND k.fault_codes @> ARRAY[$2::text]
     ORDER BY (k.model_ids @> ARRAY[$1::text]) DESC, k.updated_at DESC, k.id LIMIT $3`,
    [modelId, faultCode, limit],
  );
  return rows.map((r) => ({ id: r.id, title: r.title, match: r.same_model ? ('model_and_fault' as const) : ('fault' as const), updatedAt: r.updated_at.toISOString() }));
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
function describe(p: Prefill, serial: string): string {
  const lines = [`Detected from telemetry on asset ${serial} (rule ${p.finding.ruleId}, ${p.finding.kind}) at ${p.finding.at}.`];
  if (p.fault.diagnosis) lines.push('', p.fault.diagnosis);
  if (p.predictive) lines.push('', `Projected failure: ${p.predictive.projectedFailureAt}; visit by ${p.predictive.latestVisitBy}.`);
  if (p.fault.probableCauses.length) lines.push('', 'Probable causes:', ...p.fault.probableCauses.map((c) => `- ${c}`));
  if (p.fault.actions.length) lines.push('', 'Actions:', ...p.fault.actions.map((a) => `- ${a}`));
  if (p.parts.length) lines.push('', 'Parts (availability unknown):', ...p.parts.map((x) => `- ${x.quantity} × ${x.sku} ${x.description}`));
  if (p.labourHours !== null) lines.push('', `Estimated labour: ${p.labourHours} h (${p.requiredSkill ?? 'any skill'}).`);
  return lines.join('\n').slice(0, 20_000);
}
