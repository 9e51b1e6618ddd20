/**
 * What one-click dispatch and auto-assign plan when no single slot fits: the job split into
 * consecutive visits of one technician (visit-plan.ts), the candidate finishing earliest; and for
 * a job whose model says `crew: 2` or more, the helpers who join each visit (the same helper for
 * all visits where possible). `checkWindow` answers every rule a window breaks, without booking.
 */
import type { Queryable } from '../../kernel/db/database.js';
import { AppError } from '../../kernel/errors.js';
import { skillLevelsOf, TechniciansRepository } from '../technicians/technicians.repository.js';
import { scheduleProblems } from './schedule-rules.js';
import type { JobNeeds, SuggestionOptions } from './suggestions.js';
import { splitIntoVisits, technicianDays, type PlannedWindow } from './visit-plan.js';

export interface HelperVisit {
  readonly technicianId: string;
  readonly start: number;
  readonly end: number;
}

export interface DispatchPlan {
  readonly technicianId: string;
  /** The lead technician's visits, in order. */
  readonly windows: readonly PlannedWindow[];
  /** Visits of the other crew members, at the lead's windows. */
  readonly helpers: readonly HelperVisit[];
}

export interface ScheduleProblem {
  readonly code: 'SCHEDULE_CONFLICT' | 'OUTSIDE_WORKING_HOURS';
  readonly message: string;
  readonly details: Record<string, unknown>;
}

const techRepo = new TechniciansRepository();

/**
 * The split plan of the candidates (in rank order) that finishes earliest (ties: rank), or
 * undefined. `accept` may refuse a plan (e.g. one ending after the SLA resolution due time).
 */
export async function planOverDays(
  q: Queryable,
  job: JobNeeds,
  candidateIds: readonly string[],
  now: Date,
  options: SuggestionOptions & { searchDays?: number },
  accept: (windows: readonly PlannedWindow[]) => boolean = () => true,
): Promise<{ technicianId: string; windows: PlannedWindow[] } | undefined> {
  let best: { technicianId: string; windows: PlannedWindow[] } | undefined;
  for (const id of candidateIds) {
    const tech = await techRepo.find(q, id);
    if (!tech || !tech.active) continue;
    const { days, booked } = await technicianDays(q, tech, now, options.searchDays ?? 14, options.locationFreshMinutes ?? 120);
    const windows = splitIntoVisits({ days, booked, site: job.site, labourMinutes: job.labourMinutes, notBefore: now.getTime() }, options);
    if (!windows || !accept(windows)) continue;
    if (!best || windows.at(-1)!.end < best.windows.at(-1)!.end) best = { technicianId: id, windows };
  }
  return best;
}

/**
 * Helpers for a crew job: for each further crew member, the first technician with the skill
 * (in `candidateIds` order, the lead excluded) free for every window; else per window any free one.
 * Throws SCHEDULE_CONFLICT naming the window nobody can join.
 */
export async function crewFor(q: Queryable, job: JobNeeds, leadId: string, windows: readonly PlannedWindow[], candidateIds: readonly string[]): Promise<HelperVisit[]> {
  if (job.crew <= 1) return [];
  const skill = job.requiredSkill?.toLowerCase() ?? null;
  const pool: string[] = [];
  for (const id of candidateIds) {
    if (id === leadId || pool.includes(id)) continue;
    const tech = await techRepo.find(q, id);
    if (tech?.active && (!skill || skillLevelsOf(tech).has(skill))) pool.push(id);
  }
  const free = async (id: string, w: PlannedWindow, taken: readonly HelperVisit[]) =>
    !taken.some((h) => h.technicianId === id && h.start < w.end && h.end > w.start) && (await scheduleProblems(q, { technicianId: id, start: new Date(w.start), end: new Date(w.end) })).length === 0;
  const out: HelperVisit[] = [];
  for (let member = 1; member < job.crew; member++) {
    const used = new Set(out.map((h) => h.technicianId));
    let whole: string | undefined;
    for (const id of pool) {
      if (used.has(id)) continue;
      let ok = true;
      for (const w of windows) if (!(await free(id, w, out))) ok = false;
      if (ok) {
        whole = id;
        break;
      }
    }
    for (const w of windows) {
      let id = whole;
      if (!id) {
        for (const c of pool) {
          if (out.some((h) => h.technicianId === c && h.start === w.start) || !(await free(c, w, out))) continue;
          id = c;
          break;
        }
      }
      if (!id) {
        throw new AppError('SCHEDULE_CONFLICT', `The job needs a crew of ${job.crew}; no other technician${skill ? ` with skill ${job.requiredSkill}` : ''} is free ${new Date(w.start).toISOString()}–${new Date(w.end).toISOString()}`, {
          crew: job.crew,
          start: new Date(w.start).toISOString(),
          end: new Date(w.end).toISOString(),
        });
      }
      out.push({ technicianId: id, start: w.start, end: w.end });
    }
  }
  return out;
}

/** Every rule the window breaks for the technician (empty = it may be booked). */
export async function checkWindow(q: Queryable, technicianId: string, start: Date, end: Date, excludeVisitId?: string): Promise<ScheduleProblem[]> {
  const problems = await scheduleProblems(q, { technicianId, start, end, excludeVisitId });
  return problems.map((p) => ({ code: p.code === 'SCHEDULE_CONFLICT' ? p.code : 'OUTSIDE_WORKING_HOURS', message: p.message, details: (p.details ?? {}) as Record<string, unknown> }));
}
