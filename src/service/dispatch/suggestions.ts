/**
 * Technician + slot suggestions for a ticket on one day, ranked by technician-ranking.ts (the
 * one ranking). What the job needs: the required skill (query, else the auto-ticket prefill,
 * else the fault catalogue of the asset's model for the ticket's fault code), the labour estimate
 * (prefill, else catalogue, else `defaultLabourMinutes`) and the parts (prefill, else catalogue).
 */
import type { Queryable } from '../../kernel/db/database.js';
import { conflict, notFound } from '../../kernel/errors.js';
import { isoDate, localDateOf } from '../sla/business-calendar.js';
import type { Point } from './dispatch-scoring.js';
import { DispatchRepository, type TicketNeeds } from './dispatch.repository.js';
import type { Suggestions, SuggestionsQuery } from './dispatch.schemas.js';
import { loadRankingFacts, rankTechnicians, type RankedJob, type RankingOptions } from './technician-ranking.js';

export interface SuggestionOptions extends RankingOptions {
  /** Labour assumed without an estimate. Default 60 minutes. */
  readonly defaultLabourMinutes?: number;
}

const CLOSED = ['resolved', 'closed', 'cancelled'];
const dispatchRepo = new DispatchRepository();

export interface JobNeeds {
  readonly ticket: TicketNeeds;
  readonly requiredSkill: string | null;
  readonly skillSource: Suggestions['skillSource'];
  readonly labourMinutes: number;
  readonly parts: { sku: string; quantity: number }[];
  readonly site: Point | null;
  /** Technicians needed on site together (the fault catalogue's `crew`; default 1). */
  readonly crew: number;
}

export async function jobNeeds(q: Queryable, ticketId: string, skillOverride: string | undefined, options: SuggestionOptions): Promise<JobNeeds> {
  const ticket = await dispatchRepo.ticketNeeds(q, ticketId);
  if (!ticket) throw notFound('ticket', ticketId);
  const prefill = ticket.prefill;
  const fault = ticket.fault;
  const fromPrefill = prefill?.requiredSkill ?? null;
  const fromFault = fault?.skill ?? null;
  const requiredSkill = skillOverride ?? fromPrefill ?? fromFault;
  const skillSource = skillOverride ? 'query' : fromPrefill ? 'prefill' : fromFault ? 'fault_catalogue' : 'none';
  const hours = prefill?.labourHours ?? fault?.labourHours ?? null;
  const labourMinutes = hours ? Math.max(15, Math.round(hours * 60)) : (options.defaultLabourMinutes ?? 60);
  const parts = (prefill?.parts ?? fault?.parts ?? []).map((p) => ({ sku: p.sku, quantity: Number(p.quantity) }));
  const site =
    ticket.latitude !== null && ticket.longitude !== null ? { lat: ticket.latitude, lon: ticket.longitude, label: ticket.site_name ?? 'the site' } : null;
  return { ticket, requiredSkill, skillSource, labourMinutes, parts, site, crew: Math.max(1, Number(fault?.crew ?? 1)) };
}

export async function suggest(
  q: Queryable,
  ticketId: string,
  query: Pick<SuggestionsQuery, 'date' | 'skill' | 'limit'>,
  now: Date,
  options: SuggestionOptions = {},
): Promise<Suggestions> {
  const job = await jobNeeds(q, ticketId, query.skill, options);
  const { ticket } = job;
  if (CLOSED.includes(ticket.status)) throw conflict(`A ${ticket.status} ticket needs no technician`, { ticketStatus: ticket.status });
  const date = query.date ?? isoDate(localDateOf(now.getTime(), 'UTC'));
  const facts = await loadRankingFacts(
    q,
    date,
    job.parts.map((p) => p.sku),
  );
  const ranking = rankTechnicians(facts, rankedJob(job), date, now, options);
  return {
    ticketId: ticket.id,
    date,
    requiredSkill: job.requiredSkill,
    skillSource: job.skillSource,
    labourMinutes: job.labourMinutes,
    parts: job.parts,
    candidates: ranking.candidates.slice(0, query.limit ?? 10),
    excluded: ranking.excluded,
  };
}

/** The job as the ranking sees it. */
export function rankedJob(job: JobNeeds): RankedJob {
  const { ticket } = job;
  const described = [...(ticket.prefill?.parts ?? []), ...(ticket.fault?.parts ?? [])];
  return {
    requiredSkill: job.requiredSkill,
    labourMinutes: job.labourMinutes,
    parts: job.parts.map((p) => ({ ...p, description: described.find((d) => d.sku === p.sku)?.description })),
    site: job.site,
    city: ticket.city,
    country: ticket.country,
    responseDueAt: ticket.responded_at ? null : ticket.response_due_at.getTime(),
    resolutionDueAt: ticket.resolution_due_at.getTime(),
  };
}
