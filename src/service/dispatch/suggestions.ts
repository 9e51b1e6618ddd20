/**
 * Technician + slot suggestions for a ticket on one day (see dispatch-scoring.ts for travel,
 * slot and score). What the job needs: the required skill (query, else the auto-ticket prefill,
 * else the fault catalogue of the asset's model for the ticket's fault code), the labour estimate
 * (prefill, else catalogue, else `defaultLabourMinutes`) and the parts (prefill, else catalogue).
 *
 * Excluded, with the reason: technicians without the skill, without working hours that day, or
 * absent for the whole working day (their named substitute is then marked `substituteFor`).
 */
import type { Queryable } from '../../kernel/db/database.js';
import { conflict, notFound } from '../../kernel/errors.js';
import { isoDate, localDateOf } from '../sla/business-calendar.js';
import { hoursOf, skillLevelsOf, TechniciansRepository, zoneOf, type TechnicianRow } from '../technicians/technicians.repository.js';
import { localDateTime, localTime, parseIsoDate, subtract, workingIntervals } from '../technicians/working-hours.js';
import { findSlot, score, type Point, type ScoringOptions } from './dispatch-scoring.js';
import { DispatchRepository, type TicketNeeds } from './dispatch.repository.js';
import type { Candidate, Suggestions, SuggestionsQuery } from './dispatch.schemas.js';

export interface SuggestionOptions extends ScoringOptions {
  /** A current location older than this is not used as the start point. Default 120 minutes. */
  readonly locationFreshMinutes?: number;
  /** Labour assumed without an estimate. Default 60 minutes. */
  readonly defaultLabourMinutes?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const CLOSED = ['resolved', 'closed', 'cancelled'];
const dispatchRepo = new DispatchRepository();
const techRepo = new TechniciansRepository();

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
  const site = ticket.latitude !== null && ticket.longitude !== null ? { lat: ticket.latitude, lon: ticket.longitude, label: ticket.site_name ?? 'the site' } : null;
  return { ticket, requiredSkill, skillSource, labourMinutes, parts, site, crew: Math.max(1, Number(fault?.crew ?? 1)) };
}

/** Where the technician sets out from before their first visit: fresh current location, else home base. */
export function startPoint(tech: TechnicianRow, now: Date, freshMinutes: number, dayStart: number): Point | null {
  const fresh = tech.location_at && now.getTime() - tech.location_at.getTime() <= freshMinutes * MINUTE && Math.abs(dayStart - now.getTime()) < 24 * HOUR;
  if (fresh && tech.current_latitude !== null && tech.current_longitude !== null) {
    return { lat: tech.current_latitude, lon: tech.current_longitude, label: `their current location (reported ${localTime(tech.location_at!.getTime(), zoneOf(tech))})` };
  }
  if (tech.home_latitude !== null && tech.home_longitude !== null) return { lat: tech.home_latitude, lon: tech.home_longitude, label: `home base${tech.home_label ? ` (${tech.home_label})` : ''}` };
  return null;
}

export async function suggest(q: Queryable, ticketId: string, query: Pick<SuggestionsQuery, 'date' | 'skill' | 'limit'>, now: Date, options: SuggestionOptions = {}): Promise<Suggestions> {
  const job = await jobNeeds(q, ticketId, query.skill, options);
  const { ticket } = job;
  if (CLOSED.includes(ticket.status)) throw conflict(`A ${ticket.status} ticket needs no technician`, { ticketStatus: ticket.status });
  const date = query.date ?? isoDate(localDateOf(now.getTime(), 'UTC'));
  const day = parseIsoDate(date);
  const dayUtc = Date.UTC(day.year, day.month - 1, day.day);
  const from = new Date(dayUtc - 16 * HOUR);
  const to = new Date(dayUtc + 40 * HOUR);
  const techs = await techRepo.listActive(q);
  const ids = techs.map((t) => t.id);
  const [absences, booked, vans] = await Promise.all([
    techRepo.absences(q, ids, from, to),
    dispatchRepo.booked(q, ids, from, to),
    dispatchRepo.vanStock(q, ids, job.parts.map((p) => p.sku)),
  ]);
  const names = new Map(techs.map((t) => [t.id, t.name]));
  const excluded: Suggestions['excluded'] = [];
  const covering = new Map<string, { id: string; text: string }>();
  const place = [ticket.city, ticket.country].filter((v): v is string => !!v).map((v) => v.toLowerCase());
  const skill = job.requiredSkill?.toLowerCase() ?? null;
  const drafts: (Omit<Candidate, 'rank' | 'substituteFor'> & { substituteFor?: string })[] = [];

  for (const tech of techs) {
    const zone = zoneOf(tech);
    const shifts = workingIntervals(hoursOf(tech), zone, day);
    const levels = skillLevelsOf(tech);
    const level = skill ? (levels.get(skill) ?? null) : null;
    if (skill && level === null) {
      excluded.push({ technicianId: tech.id, name: tech.name, reason: `Lacks skill ${job.requiredSkill} (has: ${tech.skills.join(', ') || 'none'})` });
      continue;
    }
    if (shifts.length === 0) {
      excluded.push({ technicianId: tech.id, name: tech.name, reason: `Does not work on ${date}` });
      continue;
    }
    const own = absences.filter((a) => a.technician_id === tech.id);
    const free = subtract(shifts, own.map((a) => ({ start: a.starts_at.getTime(), end: a.ends_at.getTime() })));
    if (free.length === 0) {
      const a = own[0]!;
      const sub = a.substitute_id ? names.get(a.substitute_id) : undefined;
      const span = `${localDateTime(a.starts_at.getTime(), zone)} to ${localDateTime(a.ends_at.getTime(), zone)}`;
      excluded.push({ technicianId: tech.id, name: tech.name, reason: `Absent ${span}${a.reason ? ` (${a.reason})` : ''}${sub ? `; ${sub} covers` : '; no substitute named'}` });
      if (a.substitute_id) covering.set(a.substitute_id, { id: tech.id, text: `Covers for ${tech.name}, absent until ${localDateTime(a.ends_at.getTime(), zone)}` });
      continue;
    }
    const mine = booked.filter((b) => b.technician_id === tech.id);
    const stops = mine.map((b) => ({ start: b.planned_start.getTime(), end: b.planned_end.getTime(), point: b.latitude !== null && b.longitude !== null ? { lat: b.latitude, lon: b.longitude, label: `their previous visit (${b.ticket_number}${b.site_name ? ` at ${b.site_name}` : ''})` } : null }));
    const dayStart = shifts[0]!.start;
    const dayEnd = shifts[shifts.length - 1]!.end;
    const loadMinutes = Math.round(stops.reduce((sum, s) => sum + Math.max(0, Math.min(s.end, dayEnd) - Math.max(s.start, dayStart)), 0) / MINUTE);
    const slot = findSlot({ free, booked: stops, startFrom: startPoint(tech, now, options.locationFreshMinutes ?? 120, dayStart), site: job.site, labourMinutes: job.labourMinutes, notBefore: now.getTime() }, options);
    const van = vans.get(tech.id);
    const partsOnVan = job.parts.map((p) => ({ sku: p.sku, needed: p.quantity, onVan: van?.get(p.sku) ?? 0 }));
    const missing = partsOnVan.filter((p) => p.onVan < p.needed);
    const territoryMatch = place.length === 0 || tech.territories.length === 0 ? null : tech.territories.some((t) => place.includes(t.toLowerCase()));
    const responseDue = ticket.responded_at ? null : ticket.response_due_at.getTime();
    const result = score({ slot, loadMinutes, missingParts: missing.length, responseDueAt: responseDue, resolutionDueAt: ticket.resolution_due_at.getTime(), territoryMatch, skillLevel: level, substitute: false });

    const reasons: string[] = [];
    reasons.push(skill ? `Has skill ${job.requiredSkill} at level ${level}.` : 'No particular skill required.');
    if (slot) {
      const km = slot.distanceKm === null ? 'distance unknown' : `~${slot.distanceKm} km`;
      reasons.push(`Travels ${km} (${slot.travelMinutes} min at ${options.speedKmh ?? 50} km/h) from ${slot.from?.label ?? 'an unknown position'}.`);
      reasons.push(`Earliest slot ${localTime(slot.start, zone)}–${localTime(slot.end, zone)} (${zone}) fits ${slot.travelMinutes} min travel and ${job.labourMinutes} min labour.`);
    } else {
      reasons.push(`No free slot on ${date} fits travel and ${job.labourMinutes} min labour.`);
    }
    reasons.push(loadMinutes ? `Already booked ${loadMinutes} min that day.` : 'Nothing else booked that day.');
    if (job.parts.length) reasons.push(missing.length ? `Missing on the van: ${missing.map((p) => `${p.sku} (needs ${p.needed}, has ${p.onVan})`).join(', ')}.` : `All ${job.parts.length} needed part${job.parts.length === 1 ? ' is' : 's are'} on the van.`);
    if (slot && !result.meetsResponse) reasons.push(`Arrives after the response due time ${localDateTime(responseDue!, zone)}.`);
    if (slot && !result.meetsResolution) reasons.push(`Finishes after the resolution due time ${localDateTime(ticket.resolution_due_at.getTime(), zone)}.`);
    if (territoryMatch === true) reasons.push('Their territories cover the site.');
    if (territoryMatch === false) reasons.push(`The site is outside their territories (${tech.territories.join(', ')}).`);
    drafts.push({
      technicianId: tech.id,
      name: tech.name,
      score: result.score,
      slot: slot ? { start: new Date(slot.start).toISOString(), end: new Date(slot.end).toISOString() } : null,
      distanceKm: slot?.distanceKm ?? null,
      travelMinutes: slot?.travelMinutes ?? null,
      travelFrom: slot?.from?.label ?? null,
      loadMinutes,
      partsOnVan,
      allPartsOnVan: missing.length === 0,
      skillLevel: level,
      meetsSla: !!slot && result.meetsResponse && result.meetsResolution,
      reasons,
    });
  }

  for (const d of drafts) {
    const cover = covering.get(d.technicianId);
    if (!cover) continue;
    d.substituteFor = cover.id;
    d.score -= 15;
    d.reasons.push(`${cover.text}: −15 as the named substitute.`);
  }
  for (const d of drafts) d.reasons.push(`Score ${d.score} (lower is better).`);
  drafts.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name) || a.technicianId.localeCompare(b.technicianId));
  const candidates = drafts.slice(0, query.limit ?? 10).map((d, i) => ({ ...d, rank: i + 1 }));
  return { ticketId: ticket.id, date, requiredSkill: job.requiredSkill, skillSource: job.skillSource, labourMinutes: job.labourMinutes, parts: job.parts, candidates, excluded };
}
