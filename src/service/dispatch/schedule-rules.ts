/**
 * Scheduling rules for a technician's visit window, checked inside the caller's transaction:
 *
 * - no double booking: another planned or in-progress visit of the same technician overlapping
 *   the window → SCHEDULE_CONFLICT naming it;
 * - inside working hours (profile shifts, in the profile's time zone) → else OUTSIDE_WORKING_HOURS;
 * - not during an absence → OUTSIDE_WORKING_HOURS naming the absence.
 *
 * The rules apply to technicians with a technician profile (they are scheduled by dispatch);
 * technicians without one (imported data, the demo seed) are not checked. A per-technician
 * advisory lock serialises concurrent bookings of one technician (PGlite and PostgreSQL).
 */
import type { Queryable } from '../../kernel/db/database.js';
import { AppError } from '../../kernel/errors.js';
import { hoursOf, TechniciansRepository, zoneOf } from '../technicians/technicians.repository.js';
import { localDateOf } from '../sla/business-calendar.js';
import { covers, localDateTime, localTime, workingIntervals, workingIntervalsBetween } from '../technicians/working-hours.js';

export interface ScheduleCheck {
  readonly technicianId: string;
  readonly start: Date;
  readonly end: Date;
  /** The visit being moved (it does not clash with itself). */
  readonly excludeVisitId?: string | undefined;
}

const LOCK_CLASS = 8008;
const technicians = new TechniciansRepository();

/** Serialises bookings of one technician until the transaction ends. */
export async function lockTechnicianSchedule(tx: Queryable, technicianId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, technicianId]);
}

/** The first rule the window breaks, as the error to throw; null when it may be booked. */
export async function scheduleProblem(tx: Queryable, check: ScheduleCheck): Promise<AppError | null> {
  return (await scheduleProblems(tx, check))[0] ?? null;
}

/** Every rule the window breaks (double booking first, then absence, then working hours), as errors; empty when it may be booked. */
export async function scheduleProblems(tx: Queryable, check: ScheduleCheck): Promise<AppError[]> {
  const problems: AppError[] = [];
  const tech = await technicians.find(tx, check.technicianId);
  if (!tech?.has_profile) return problems;
  const start = check.start.getTime();
  const end = check.end.getTime();
  const zone = zoneOf(tech);
  const window = `${localDateTime(start, zone)}–${localTime(end, zone)} (${zone})`;
  const details = { technicianId: tech.id, start: check.start.toISOString(), end: check.end.toISOString() };

  const { rows: clashes } = await tx.query<{ id: string; number: string; planned_start: Date; planned_end: Date }>(
    `SELECT v.id, t.number, v.planned_start, v.planned_end FROM visits v JOIN tickets t ON t.id = v.ticket_id
     WHERE v.technician_id = $1 AND v.status IN ('planned', 'in_progress') AND v.id <> COALESCE($4::uuid, '00000000-0000-0000-0000-000000000000')
       AND v.planned_start < $3 AND v.planned_end > $2
     ORDER BY v.planned_start LIMIT 1`,
    [tech.id, check.start, check.end, check.excludeVisitId ?? null],
  );
  const clash = clashes[0];
  if (clash) {
    const other = `${localDateTime(clash.planned_start.getTime(), zone)}–${localTime(clash.planned_end.getTime(), zone)}`;
    problems.push(
      new AppError(
        'SCHEDULE_CONFLICT',
        `${tech.name} is already booked ${other} (${zone}) for ${clash.number} (visit ${clash.id}); the window ${window} overlaps it`,
        {
          ...details,
          clash: { visitId: clash.id, ticketNumber: clash.number, start: clash.planned_start.toISOString(), end: clash.planned_end.toISOString() },
        },
      ),
    );
  }

  const absences = await technicians.absences(tx, [tech.id], check.start, check.end);
  const absence = absences[0];
  if (absence) {
    const span = `${localDateTime(absence.starts_at.getTime(), zone)} to ${localDateTime(absence.ends_at.getTime(), zone)}`;
    problems.push(
      new AppError(
        'OUTSIDE_WORKING_HOURS',
        `${tech.name} is absent from ${span} (${zone})${absence.reason ? ` (${absence.reason})` : ''}; the window ${window} falls in it`,
        {
          ...details,
          absence: { id: absence.id, startsAt: absence.starts_at.toISOString(), endsAt: absence.ends_at.toISOString(), substituteId: absence.substitute_id },
        },
      ),
    );
  }

  const shifts = workingIntervalsBetween(hoursOf(tech), zone, start, end);
  if (!covers(shifts, start, end)) {
    const sameDay = workingIntervals(hoursOf(tech), zone, localDateOf(start, zone)).map((s) => `${localTime(s.start, zone)}–${localTime(s.end, zone)}`);
    const hint = sameDay.length ? `working hours around then: ${sameDay.join(', ')}` : 'no working hours that day';
    problems.push(
      new AppError('OUTSIDE_WORKING_HOURS', `The window ${window} is outside ${tech.name}'s working hours (${hint})`, {
        ...details,
        workingHours: shifts.map((s) => ({ start: new Date(s.start).toISOString(), end: new Date(s.end).toISOString() })),
      }),
    );
  }
  return problems;
}

/** Locks the technician's schedule and throws the first rule the window breaks. */
export async function assertSchedulable(tx: Queryable, check: ScheduleCheck): Promise<void> {
  await lockTechnicianSchedule(tx, check.technicianId);
  const problem = await scheduleProblem(tx, check);
  if (problem) throw problem;
}
