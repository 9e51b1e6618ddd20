/**
 * Technician profiles and absences. A profile holds skill levels (users.skills stays the list of
 * names, kept in sync here), territories, home base, time zone, working hours, hourly cost and
 * the push URL. Recording an absence hands the technician's planned visits inside it to the
 * named substitute in the same transaction (assignment history, ticket reassigned, both told);
 * a visit the substitute cannot take (double booked, outside their hours, absent too) stays and
 * is reported as needing attention.
 */
import type { Caller } from '../../kernel/caller.js';
import { recordAudit } from '../../access/audit/audit.service.js';
import { reassignVisitIn } from '../dispatch/assignment.js';
import { lockTechnicianSchedule, scheduleProblem } from '../dispatch/schedule-rules.js';
import type { NotifierPort } from '../notifications/notification.port.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { invalidField } from '../../kernel/errors.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { TicketsService } from '../tickets/tickets.service.js';
import { hoursOf, skillLevelsOf, TechniciansRepository, zoneOf, type AbsenceRow, type TechnicianRow } from './technicians.repository.js';
import type { Absence, AbsenceResult, CreateAbsence, TechnicianProfile, UpdateProfile } from './technicians.schemas.js';

export interface TechniciansServiceOptions {
  readonly clock?: Clock;
  /** The process's one TicketsService: ticket moves made here reach the live feed and webhooks. */
  readonly tickets: TicketsService;
  /** Technicians' assignment messages; none = nothing queued. */
  readonly notifier?: NotifierPort | undefined;
}

/** MQTT client id and username of a technician's mobile app. */
export const TECHNICIAN_CLIENT_PREFIX = 'tech:';
export const technicianClientId = (id: string) => `${TECHNICIAN_CLIENT_PREFIX}${id}`;
export const technicianLocationTopic = (id: string) => `technicians/${id}/location`;

export class TechniciansService {
  private readonly repo = new TechniciansRepository();
  private readonly clock: Clock;
  private readonly notifier: NotifierPort | undefined;
  private readonly tickets: TicketsService;

  constructor(
    private readonly db: Database,
    options: TechniciansServiceOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.notifier = options.notifier;
    this.tickets = options.tickets;
  }

  async get(id: string, caller?: Caller): Promise<TechnicianProfile> {
    const row = await this.repo.find(this.db, id);
    if (!row) throw notFound('technician', id);
    return toProfile(row, caller);
  }

  async list(caller?: Caller): Promise<TechnicianProfile[]> {
    return (await this.repo.listActive(this.db)).map((r) => toProfile(r, caller));
  }

  /** Creates or updates the profile; technicians may edit their own, but not their skills, territories or cost. */
  async update(id: string, patch: UpdateProfile, caller: Caller, ifMatch?: '*' | number[]): Promise<TechnicianProfile> {
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const current = await this.technician(tx, id, caller);
      await this.repo.lockProfile(tx, id);
      checkVersion(ifMatch, current.version ?? 0, `technician ${id}`);
      if (caller.role === 'technician' && (patch.skills !== undefined || patch.territories !== undefined || patch.hourlyCost !== undefined)) {
        throw new AppError('FORBIDDEN', 'Technicians cannot change their own skills, territories or cost');
      }
      const home =
        patch.homeBase === undefined
          ? {}
          : patch.homeBase === null
            ? { home_latitude: null, home_longitude: null, home_label: null }
            : { home_latitude: patch.homeBase.lat, home_longitude: patch.homeBase.lon, home_label: patch.homeBase.label ?? null };
      await this.repo.upsertProfile(
        tx,
        id,
        {
          ...home,
          skill_levels: patch.skills ? Object.fromEntries(patch.skills.map((s) => [s.name, s.level])) : undefined,
          timezone: patch.timezone,
          working_hours: patch.workingHours,
          hourly_cost: patch.hourlyCost,
          push_url: patch.pushUrl,
        },
        now,
      );
      await this.repo.setUserSkills(tx, id, { skills: patch.skills?.map((s) => s.name), territories: patch.territories }, now);
      await recordAudit(tx, caller.actor, { entity: 'technician', entityId: id, action: 'update', changes: { ...patch } });
    });
    return this.get(id, caller);
  }

  /** Records an absence and hands the planned visits inside it to the substitute. */
  async addAbsence(id: string, input: CreateAbsence, caller: Caller): Promise<AbsenceResult> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const tech = await this.technician(tx, id, caller);
      const substituteId = input.substituteId ?? null;
      let substitute: TechnicianRow | undefined;
      if (substituteId) {
        if (substituteId === id) throw invalidField('body.substituteId', 'a technician cannot substitute for themselves');
        substitute = await this.repo.find(tx, substituteId);
        if (!substitute?.active) throw invalidField('body.substituteId', `${substituteId} is not an active technician`);
      }
      await lockTechnicianSchedule(tx, id);
      const absence = await this.repo.insertAbsence(tx, id, {
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        substituteId,
        reason: input.reason ?? null,
        now,
        actor: caller.actor,
      });
      await recordAudit(tx, caller.actor, { entity: 'technician', entityId: id, action: 'absence', changes: { absenceId: absence.id, ...input } });

      const { rows: planned } = await tx.query<{
        id: string;
        ticket_id: string;
        technician_id: string;
        planned_start: Date;
        planned_end: Date;
        number: string;
      }>(
        `SELECT v.id, v.ticket_id, v.technician_id, v.planned_start, v.planned_end, t.number FROM visits v JOIN tickets t ON t.id = v.ticket_id
         WHERE v.technician_id = $1 AND v.status = 'planned' AND v.planned_start < $3 AND v.planned_end > $2 ORDER BY v.planned_start, v.id FOR UPDATE OF v`,
        [id, absence.starts_at, absence.ends_at],
      );
      const result: AbsenceResult = { absence: toAbsence(absence), moved: [], needsAttention: [] };
      if (substituteId) await lockTechnicianSchedule(tx, substituteId);
      const reason = `${tech.name} absent${input.reason ? ` (${input.reason})` : ''}${substitute ? `: ${substitute.name} substitutes` : ''}`;
      for (const visit of planned) {
        const ref = {
          visitId: visit.id,
          ticketId: visit.ticket_id,
          ticketNumber: visit.number,
          start: visit.planned_start.toISOString(),
          end: visit.planned_end.toISOString(),
        };
        if (!substituteId) {
          result.needsAttention.push({ ...ref, reason: 'No substitute named: reassign or reschedule it' });
          continue;
        }
        const problem = await scheduleProblem(tx, { technicianId: substituteId, start: visit.planned_start, end: visit.planned_end });
        if (problem) {
          result.needsAttention.push({ ...ref, reason: `The substitute cannot take it: ${problem.message}` });
          continue;
        }
        await reassignVisitIn(tx, visit, substituteId, { actor: caller.actor, now, reason, notifier: this.notifier, ticketsService: this.tickets });
        result.moved.push({ ...ref, to: substituteId });
      }
      return result;
    });
  }

  async listAbsences(id: string, caller: Caller, from?: Date): Promise<Absence[]> {
    await this.technician(this.db, id, caller, { read: true });
    return (await this.repo.listAbsences(this.db, id, from ?? new Date(this.clock.now().getTime() - 30 * 86_400_000))).map(toAbsence);
  }

  /** Cancels an absence (moved visits stay with the substitute). */
  async cancelAbsence(id: string, absenceId: string, caller: Caller): Promise<Absence> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      await this.technician(tx, id, caller);
      const row = await this.repo.cancelAbsence(tx, id, absenceId, now);
      if (!row) throw notFound('absence', absenceId);
      await recordAudit(tx, caller.actor, { entity: 'technician', entityId: id, action: 'absence_cancelled', changes: { absenceId } });
      return toAbsence(row);
    });
  }

  /** The technician, 404 if unknown; a technician caller may only touch their own record (reads: everyone's is fine for staff). */
  private async technician(q: Queryable, id: string, caller: Caller, options: { read?: boolean } = {}): Promise<TechnicianRow> {
    const row = await this.repo.find(q, id);
    if (!row) throw notFound('technician', id);
    if (caller.role === 'technician' && caller.userId !== id && !options.read) throw new AppError('FORBIDDEN', 'Technicians may only change their own profile');
    return row;
  }
}

export function toProfile(row: TechnicianRow, caller?: Caller): TechnicianProfile {
  const own = caller?.role !== 'technician' || caller.userId === row.id;
  return {
    technicianId: row.id,
    name: row.name,
    email: row.email,
    active: row.active,
    hasProfile: row.has_profile,
    skills: skillsOf(row),
    territories: row.territories,
    homeBase: row.home_latitude === null || row.home_longitude === null ? null : { lat: row.home_latitude, lon: row.home_longitude, label: row.home_label },
    timezone: zoneOf(row),
    workingHours: hoursOf(row) as TechnicianProfile['workingHours'],
    hourlyCost: row.hourly_cost === null ? null : Number(row.hourly_cost),
    pushUrl: own ? row.push_url : null,
    currentLocation:
      row.current_latitude === null || row.current_longitude === null || !row.location_at
        ? null
        : {
            lat: row.current_latitude,
            lon: row.current_longitude,
            accuracy: row.current_accuracy_m,
            at: row.location_at.toISOString(),
            source: row.location_source ?? 'api',
          },
    mqtt: {
      clientId: technicianClientId(row.id),
      username: technicianClientId(row.id),
      topic: technicianLocationTopic(row.id),
      tokenIssuedAt: row.mqtt_token_issued_at?.toISOString() ?? null,
    },
    version: row.version ?? 0,
    updatedAt: row.updated_at?.toISOString() ?? null,
  };
}

function skillsOf(row: TechnicianRow): TechnicianProfile['skills'] {
  const levels = skillLevelsOf(row);
  const seen = new Set<string>();
  return row.skills
    .filter((name) => !seen.has(name.toLowerCase()) && seen.add(name.toLowerCase()))
    .map((name) => ({ name, level: levels.get(name.toLowerCase()) ?? 3 }));
}

export function toAbsence(row: AbsenceRow): Absence {
  return {
    id: row.id,
    technicianId: row.technician_id,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    substituteId: row.substitute_id,
    reason: row.reason,
    cancelledAt: row.cancelled_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}
