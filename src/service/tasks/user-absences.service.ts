/**
 * Absences of any user, stored with the technicians' (technician_absences: its technician_id is
 * the user). A technician's absence goes through TechniciansService, which also hands their
 * planned visits to the substitute; anyone else's is recorded here. While an absence with a
 * substitute covers now, the user's open tasks and their reminders are the substitute's (the
 * tasks' effective owner). Only an admin or the user themself records or cancels an absence.
 */
import { recordAudit } from '../../access/audit/audit.service.js';
import type { Caller } from '../../kernel/caller.js';
import type { Clock } from '../../kernel/clock.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { AppError, invalidField, notFound } from '../../kernel/errors.js';
import type { TechniciansService } from '../technicians/technicians.service.js';
import type { Absence } from '../technicians/technicians.schemas.js';
import { checkOwner } from './tasks.service.js';
import type { UserAbsence, UserAbsenceResult } from './user-absences.schemas.js';
import type { CreateAbsence } from '../technicians/technicians.schemas.js';

interface AbsenceRow {
  id: string;
  technician_id: string;
  starts_at: Date;
  ends_at: Date;
  substitute_id: string | null;
  reason: string | null;
  cancelled_at: Date | null;
  created_at: Date;
}

/** Absences ending this long ago or later are listed. */
const LISTED_PAST_MS = 30 * 86_400_000;

export class UserAbsencesService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly technicians: Pick<TechniciansService, 'addAbsence'>,
  ) {}

  async add(userId: string, input: CreateAbsence, caller: Caller): Promise<UserAbsenceResult> {
    const role = await this.roleOf(this.db, userId);
    checkSelfOrAdmin(userId, caller);
    if (role === 'technician') {
      const result = await this.technicians.addAbsence(userId, input, caller);
      return { ...result, absence: fromTechnician(result.absence) };
    }
    const now = this.clock.now();
    const row = await this.db.transaction(async (tx) => {
      if (input.substituteId !== undefined) {
        if (input.substituteId === userId) throw invalidField('body.substituteId', 'a user cannot substitute for themselves');
        await checkOwner(tx, input.substituteId, 'body.substituteId');
      }
      const { rows } = await tx.query<AbsenceRow>(
        `INSERT INTO technician_absences (technician_id, starts_at, ends_at, substitute_id, reason, created_at, actor_type, actor_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [userId, input.startsAt, input.endsAt, input.substituteId ?? null, input.reason ?? null, now, caller.actor.type, caller.actor.id],
      );
      await recordAudit(tx, caller.actor, { entity: 'user', entityId: userId, action: 'absence', changes: { absenceId: rows[0]!.id, ...input } });
      return rows[0]!;
    });
    return { absence: toUserAbsence(row), moved: [], needsAttention: [] };
  }

  async list(userId: string): Promise<UserAbsence[]> {
    await this.roleOf(this.db, userId);
    const from = new Date(this.clock.now().getTime() - LISTED_PAST_MS);
    const { rows } = await this.db.query<AbsenceRow>(
      'SELECT * FROM technician_absences WHERE technician_id = $1 AND ends_at > $2 ORDER BY starts_at, id LIMIT 500',
      [userId, from],
    );
    return rows.map(toUserAbsence);
  }

  /** Cancels an absence: from now on the user holds their tasks again (a technician's moved visits stay moved). */
  async cancel(userId: string, absenceId: string, caller: Caller): Promise<UserAbsence> {
    await this.roleOf(this.db, userId);
    checkSelfOrAdmin(userId, caller);
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<AbsenceRow>(
        'UPDATE technician_absences SET cancelled_at = COALESCE(cancelled_at, $3) WHERE id = $2 AND technician_id = $1 RETURNING *',
        [userId, absenceId, now],
      );
      if (!rows[0]) throw notFound('absence', absenceId);
      await recordAudit(tx, caller.actor, { entity: 'user', entityId: userId, action: 'absence_cancelled', changes: { absenceId } });
      return toUserAbsence(rows[0]);
    });
  }

  private async roleOf(q: Queryable, userId: string): Promise<string> {
    const { rows } = await q.query<{ role: string }>(`SELECT role FROM users WHERE id = $1 AND role <> 'customer'`, [userId]);
    if (!rows[0]) throw notFound('user', userId);
    return rows[0].role;
  }
}

function checkSelfOrAdmin(userId: string, caller: Caller): void {
  if (caller.role === 'admin' || (caller.actor.type === 'user' && caller.userId === userId)) return;
  throw new AppError('FORBIDDEN', 'Only an admin or the user themself records or cancels an absence');
}

function toUserAbsence(row: AbsenceRow): UserAbsence {
  return {
    id: row.id,
    userId: row.technician_id,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    substituteId: row.substitute_id,
    reason: row.reason,
    cancelledAt: row.cancelled_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}

function fromTechnician({ technicianId, ...absence }: Absence): UserAbsence {
  return { ...absence, userId: technicianId };
}
