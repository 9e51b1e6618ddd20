/**
 * THE technician ranking: `/tickets/{id}/technician-suggestions`, one-click dispatch, auto-assign
 * and the auto-ticket's stored diagnosis all rank with `rankTechnicians` (dispatch-scoring.ts
 * holds the cost, slot and travel rules). `loadRankingFacts` reads what it needs for one day;
 * `rankTechnicians` is pure. Each candidate explains itself in words (`reasons`), comparing with
 * the next best; the internal cost only orders them and is not part of any answer.
 *
 * Excluded, with the reason: technicians without the skill, without working hours that day, or
 * absent for the whole working day (their named substitute is then marked `substituteFor`).
 */
import type { Queryable } from '../../kernel/db/database.js';
import { hoursOf, skillLevelsOf, TechniciansRepository, zoneOf, type AbsenceRow, type TechnicianRow } from '../technicians/technicians.repository.js';
import { localDateTime, localTime, parseIsoDate, subtract, workingIntervals } from '../technicians/working-hours.js';
import { findSlot, score, type Point, type ScoringOptions } from './dispatch-scoring.js';
import { DispatchRepository, type BookedVisit } from './dispatch.repository.js';
import type { Candidate, Suggestions } from './dispatch.schemas.js';

export interface RankingOptions extends ScoringOptions {
  /** A current location older than this is not used as the start point. Default 120 minutes. */
  readonly locationFreshMinutes?: number;
}

/** What the job needs and where, for the ranking. */
export interface RankedJob {
  readonly requiredSkill: string | null;
  readonly labourMinutes: number;
  readonly parts: readonly { sku: string; quantity: number; description?: string | undefined }[];
  readonly site: Point | null;
  readonly city: string | null;
  readonly country: string | null;
  /** null once responded. */
  readonly responseDueAt: number | null;
  readonly resolutionDueAt: number | null;
}

export interface RankingFacts {
  readonly technicians: readonly TechnicianRow[];
  readonly absences: readonly AbsenceRow[];
  readonly booked: readonly BookedVisit[];
  readonly vans: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export interface Ranking {
  readonly candidates: Candidate[];
  readonly excluded: Suggestions['excluded'];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const techRepo = new TechniciansRepository();
const dispatchRepo = new DispatchRepository();

/** Active technicians with their absences, booked visits (around the day) and van stock of the skus. */
export async function loadRankingFacts(q: Queryable, date: string, skus: readonly string[]): Promise<RankingFacts> {
  const day = parseIsoDate(date);
  const dayUtc = Date.UTC(day.year, day.month - 1, day.day);
  const from = new Date(dayUtc - 16 * HOUR);
  const to = new Date(dayUtc + 40 * HOUR);
  const technicians = await techRepo.listActive(q);
  const ids = technicians.map((t) => t.id);
  const [absences, booked, vans] = await Promise.all([techRepo.absences(q, ids, from, to), dispatchRepo.booked(q, ids, from, to), dispatchRepo.vanStock(q, ids, skus)]);
  return { technicians, absences, booked, vans };
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

type Draft = Omit<Candidate, 'rank'> & { cost: number; arrival: number | null };

/** Ranks the technicians for the job on `date` (each technician's local date), best first. */
export function rankTechnicians(facts: RankingFacts, job: RankedJob, date: string, now: Date, options: RankingOptions = {}): Ranking {
  const day = parseIsoDate(date);
  const names = new Map(facts.technicians.map((t) => [t.id, t.name]));
  const excluded: Suggestions['excluded'] = [];
  const covering = new Map<string, { id: string; text: string }>();
  const place = [job.city, job.country].filter((v): v is string => !!v).map((v) => v.toLowerCase());
  const skill = job.requiredSkill?.toLowerCase() ?? null;
  const drafts: Draft[] = [];

  for (const tech of facts.technicians) {
    const zone = zoneOf(tech);
    const shifts = workingIntervals(hoursOf(tech), zone, day);
    const level = skill ? (skillLevelsOf(tech).get(skill) ?? null) : null;
    if (skill && level === null) {
      excluded.push({ technicianId: tech.id, name: tech.name, reason: `Lacks skill ${job.requiredSkill} (has: ${tech.skills.join(', ') || 'none'})` });
      continue;
    }
    if (shifts.length === 0) {
      excluded.push({ technicianId: tech.id, name: tech.name, reason: `Does not work on ${date}` });
      continue;
    }
    const own = facts.absences.filter((a) => a.technician_id === tech.id);
    const free = subtract(shifts, own.map((a) => ({ start: a.starts_at.getTime(), end: a.ends_at.getTime() })));
    if (free.length === 0) {
      const a = own[0]!;
      const sub = a.substitute_id ? names.get(a.substitute_id) : undefined;
      const span = `${localDateTime(a.starts_at.getTime(), zone)} to ${localDateTime(a.ends_at.getTime(), zone)}`;
      excluded.push({ technicianId: tech.id, name: tech.name, reason: `Absent ${span}${a.reason ? ` (${a.reason})` : ''}${sub ? `; ${sub} covers` : '; no substitute named'}` });
      if (a.substitute_id) covering.set(a.substitute_id, { id: tech.id, text: `Covers for ${tech.name}, absent until ${localDateTime(a.ends_at.getTime(), zone)}` });
      continue;
    }
    const mine = facts.booked.filter((b) => b.technician_id === tech.id);
    const stops = mine.map((b) => ({ start: b.planned_start.getTime(), end: b.planned_end.getTime(), point: b.latitude !== null && b.longitude !== null ? { lat: b.latitude, lon: b.longitude, label: `their previous visit (${b.ticket_number}${b.site_name ? ` at ${b.site_name}` : ''})` } : null }));
    const dayStart = shifts[0]!.start;
    const dayEnd = shifts[shifts.length - 1]!.end;
    const loadMinutes = Math.round(stops.reduce((sum, s) => sum + Math.max(0, Math.min(s.end, dayEnd) - Math.max(s.start, dayStart)), 0) / MINUTE);
    const slot = findSlot({ free, booked: stops, startFrom: startPoint(tech, now, options.locationFreshMinutes ?? 120, dayStart), site: job.site, labourMinutes: job.labourMinutes, notBefore: now.getTime() }, options);
    const van = facts.vans.get(tech.id);
    const partsOnVan = job.parts.map((p) => ({ sku: p.sku, needed: p.quantity, onVan: van?.get(p.sku) ?? 0 }));
    const missing = partsOnVan.filter((p) => p.onVan < p.needed);
    const territoryMatch = place.length === 0 || tech.territories.length === 0 ? null : tech.territories.some((t) => place.includes(t.toLowerCase()));
    const result = score({ slot, loadMinutes, missingParts: missing.length, responseDueAt: job.responseDueAt, resolutionDueAt: job.resolutionDueAt, territoryMatch, skillLevel: level, substitute: false });

    const reasons: string[] = [];
    reasons.push(skill ? `Skill ${job.requiredSkill} at level ${level} of 5.` : 'No particular skill required.');
    if (slot) {
      const km = slot.distanceKm === null ? 'distance unknown' : `~${slot.distanceKm} km`;
      reasons.push(`Travels ${km} (${slot.travelMinutes} min at ${options.speedKmh ?? 50} km/h) from ${slot.from?.label ?? 'an unknown position'}.`);
      reasons.push(`Earliest slot ${localTime(slot.start, zone)}–${localTime(slot.end, zone)} (${zone}) fits ${slot.travelMinutes} min travel and ${job.labourMinutes} min labour.`);
    } else {
      reasons.push(`No free slot on ${date} fits travel and ${job.labourMinutes} min labour.`);
    }
    reasons.push(loadMinutes ? `Already booked ${loadMinutes} min that day.` : 'Nothing else booked that day.');
    if (job.parts.length) {
      const label = (sku: string) => job.parts.find((p) => p.sku === sku)?.description ?? sku;
      reasons.push(missing.length ? `Missing on the van: ${missing.map((p) => `${p.sku} (needs ${p.needed}, has ${p.onVan})`).join(', ')}.` : `All ${job.parts.length} needed part${job.parts.length === 1 ? ' is' : 's are'} on the van.`);
      const carried = partsOnVan.filter((p) => p.onVan >= p.needed);
      if (missing.length && carried.length) reasons.push(`Has ${carried.map((p) => label(p.sku)).join(', ')} on the van.`);
    }
    if (slot && !result.meetsResponse) reasons.push(`Arrives after the response due time ${localDateTime(job.responseDueAt!, zone)}.`);
    if (slot && !result.meetsResolution) reasons.push(`Finishes after the resolution due time ${localDateTime(job.resolutionDueAt!, zone)}.`);
    if (territoryMatch === true) reasons.push('Their territories cover the site.');
    if (territoryMatch === false) reasons.push(`The site is outside their territories (${tech.territories.join(', ')}).`);
    drafts.push({
      technicianId: tech.id,
      name: tech.name,
      cost: result.score,
      arrival: slot?.start ?? null,
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
    d.cost -= 15;
    d.reasons.push(`${cover.text}: preferred as the named substitute.`);
  }
  drafts.sort((a, b) => a.cost - b.cost || a.name.localeCompare(b.name) || a.technicianId.localeCompare(b.technicianId));
  compareWithNext(drafts);
  const candidates = drafts.map(({ cost: _cost, arrival: _arrival, ...d }, i) => ({ ...d, rank: i + 1 }));
  return { candidates, excluded };
}

/** How the best candidate beats the next best, and how far behind the others arrive, in words. */
function compareWithNext(drafts: Draft[]): void {
  const [best, next] = drafts;
  if (!best) return;
  if (!next) {
    best.reasons.unshift('The only technician available.');
    return;
  }
  const lead: string[] = [];
  if (best.arrival !== null && next.arrival !== null && next.arrival > best.arrival) lead.push(`on site ${Math.round((next.arrival - best.arrival) / MINUTE)} min earlier`);
  if (best.arrival !== null && next.arrival === null) lead.push('has a free slot that day where they have none');
  if (best.travelMinutes !== null && next.travelMinutes !== null && next.travelMinutes > best.travelMinutes) lead.push(`${next.travelMinutes - best.travelMinutes} min less driving`);
  const carried = (d: Draft) => d.partsOnVan.filter((p) => p.onVan >= p.needed).length;
  if (best.allPartsOnVan && !next.allPartsOnVan) lead.push('has the parts on the van that they lack');
  else if (carried(best) > carried(next)) lead.push(`${carried(best) - carried(next)} more of the needed parts on the van`);
  if (best.skillLevel !== null && next.skillLevel !== null && best.skillLevel > next.skillLevel) lead.push(`skill level ${best.skillLevel} against ${next.skillLevel}`);
  if (best.loadMinutes < next.loadMinutes) lead.push(`${next.loadMinutes - best.loadMinutes} min less already booked that day`);
  if (best.meetsSla && !next.meetsSla) lead.push('meets the SLA where they do not');
  const later = best.arrival !== null && next.arrival !== null && best.arrival > next.arrival ? `, though on site ${Math.round((best.arrival - next.arrival) / MINUTE)} min later` : '';
  best.reasons.unshift(lead.length ? `Best choice over the next best (${next.name}): ${lead.join(', ')}${later}.` : `Best on balance of travel, load, parts and skill; ${next.name} is close behind.`);
  for (const other of drafts.slice(1)) {
    if (best.arrival === null || other.arrival === null || other.arrival === best.arrival) continue;
    const minutes = Math.round(Math.abs(other.arrival - best.arrival) / MINUTE);
    other.reasons.unshift(`On site ${minutes} min ${other.arrival > best.arrival ? 'later' : 'earlier'} than ${best.name} (ranked first).`);
  }
}
