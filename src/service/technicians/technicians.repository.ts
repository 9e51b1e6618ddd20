/** SQL for technician profiles, positions and absences. Methods take the Queryable to run on. */
import type { Actor } from '../../access/audit/audit.service.js';
import type { Queryable } from '../../kernel/db/database.js';
import { DEFAULT_WORKING_HOURS, type WorkingHours } from './working-hours.js';

/** A technician user joined with their profile (profile columns null when there is none). */
export interface TechnicianRow {
  id: string;
  name: string;
  email: string;
  active: boolean;
  skills: string[];
  territories: string[];
  has_profile: boolean;
  skill_levels: Record<string, number> | null;
  home_latitude: number | null;
  home_longitude: number | null;
  home_label: string | null;
  timezone: string | null;
  working_hours: WorkingHours | null;
  hourly_cost: string | null;
  push_url: string | null;
  current_latitude: number | null;
  current_longitude: number | null;
  current_accuracy_m: number | null;
  location_at: Date | null;
  location_source: 'api' | 'mqtt' | null;
  mqtt_token_issued_at: Date | null;
  version: number | null;
  updated_at: Date | null;
}

export interface AbsenceRow {
  id: string;
  technician_id: string;
  starts_at: Date;
  ends_at: Date;
  substitute_id: string | null;
  reason: string | null;
  cancelled_at: Date | null;
  created_at: Date;
}

export interface ProfileColumns {
  skill_levels?: Record<string, number>;
  home_latitude?: number | null;
  home_longitude?: number | null;
  home_label?: string | null;
  timezone?: string;
  working_hours?: WorkingHours;
  hourly_cost?: number | null;
  push_url?: string | null;
}

const SELECT = `SELECT u.id, u.name, u.email, u.active, u.skills, u.territories, (p.user_id IS NOT NULL) AS has_profile,
  p.skill_levels, p.home_latitude, p.home_longitude, p.home_label, p.timezone, p.working_hours, p.hourly_cost::text AS hourly_cost,
  p.push_url, p.current_latitude, p.current_longitude, p.current_accuracy_m, p.location_at, p.location_source, p.mqtt_token_issued_at,
  p.version, p.updated_at
  FROM users u LEFT JOIN technician_profiles p ON p.user_id = u.id`;

/** Effective skill levels: every name in users.skills, at its profile level (default 3). */
export function skillLevelsOf(row: Pick<TechnicianRow, 'skills' | 'skill_levels'>): Map<string, number> {
  const levels = new Map<string, number>();
  const stored = Object.fromEntries(Object.entries(row.skill_levels ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  for (const name of row.skills) levels.set(name.toLowerCase(), stored[name.toLowerCase()] ?? 3);
  return levels;
}

export function hoursOf(row: Pick<TechnicianRow, 'working_hours'>): WorkingHours {
  return row.working_hours ?? DEFAULT_WORKING_HOURS;
}

export function zoneOf(row: Pick<TechnicianRow, 'timezone'>): string {
  return row.timezone ?? 'UTC';
}

export class TechniciansRepository {
  /** The technician (role technician, active or not) with their profile, optionally locking the profile row. */
  async find(q: Queryable, id: string): Promise<TechnicianRow | undefined> {
    const { rows } = await q.query<TechnicianRow>(`${SELECT} WHERE u.id = $1 AND u.role = 'technician'`, [id]);
    return rows[0];
  }

  async listActive(q: Queryable, ids?: readonly string[]): Promise<TechnicianRow[]> {
    const { rows } = await q.query<TechnicianRow>(
      `${SELECT} WHERE u.role = 'technician' AND u.active AND ($1::uuid[] IS NULL OR u.id = ANY($1::uuid[])) ORDER BY u.name, u.id LIMIT 1000`,
      [ids ? [...ids] : null],
    );
    return rows;
  }

  /** Creates the profile if missing (with defaults), then sets the given columns; bumps version. */
  async upsertProfile(q: Queryable, id: string, values: ProfileColumns, now: Date): Promise<void> {
    await q.query(`INSERT INTO technician_profiles (user_id, working_hours, created_at, updated_at) VALUES ($1, $2, $3, $3) ON CONFLICT (user_id) DO NOTHING`, [
      id,
      JSON.stringify(DEFAULT_WORKING_HOURS),
      now,
    ]);
    const params: unknown[] = [id, now];
    const sets: string[] = ['updated_at = $2', 'version = version + 1'];
    for (const [column, value] of Object.entries(values)) {
      if (value === undefined) continue;
      params.push(column === 'skill_levels' || column === 'working_hours' ? JSON.stringify(value) : value);
      sets.push(`${column} = $${params.length}`);
    }
    await q.query(`UPDATE technician_profiles SET ${sets.join(', ')} WHERE user_id = $1`, params);
  }

  async lockProfile(q: Queryable, id: string): Promise<void> {
    await q.query('SELECT 1 FROM technician_profiles WHERE user_id = $1 FOR UPDATE', [id]);
  }

  async setUserSkills(q: Queryable, id: string, values: { skills?: string[]; territories?: string[] }, now: Date): Promise<void> {
    if (values.skills === undefined && values.territories === undefined) return;
    await q.query(
      `UPDATE users SET skills = COALESCE($2::jsonb, skills), territories = COALESCE($3::text[], territories), updated_at = $4, version = version + 1 WHERE id = $1`,
      [id, values.skills === undefined ? null : JSON.stringify(values.skills), values.territories ?? null, now],
    );
  }

  async setTokenHash(q: Queryable, id: string, hash: string, now: Date): Promise<void> {
    await q.query('UPDATE technician_profiles SET mqtt_token_hash = $2, mqtt_token_issued_at = $3, updated_at = $3, version = version + 1 WHERE user_id = $1', [
      id,
      hash,
      now,
    ]);
  }

  /** The token hash of an active technician, if one was issued. */
  async tokenHashOf(q: Queryable, id: string): Promise<string | undefined> {
    const { rows } = await q.query<{ mqtt_token_hash: string | null }>(
      `SELECT p.mqtt_token_hash FROM technician_profiles p JOIN users u ON u.id = p.user_id WHERE p.user_id = $1 AND u.role = 'technician' AND u.active`,
      [id],
    );
    return rows[0]?.mqtt_token_hash ?? undefined;
  }

  /**
   * Appends a position to the history (trimmed to the newest `keep`) and makes it the current
   * location unless a newer one is already known.
   */
  async recordLocation(
    q: Queryable,
    id: string,
    loc: { lat: number; lon: number; accuracy: number | null; at: Date; source: 'api' | 'mqtt'; receivedAt: Date },
    keep: number,
  ): Promise<boolean> {
    await q.query(
      `INSERT INTO technician_locations (technician_id, latitude, longitude, accuracy_m, at, source, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, loc.lat, loc.lon, loc.accuracy, loc.at, loc.source, loc.receivedAt],
    );
    await q.query(
      `DELETE FROM technician_locations WHERE technician_id = $1 AND id <= (
         SELECT id FROM technician_locations WHERE technician_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
      [id, keep],
    );
    await q.query(`INSERT INTO technician_profiles (user_id, working_hours, created_at, updated_at) VALUES ($1, $2, $3, $3) ON CONFLICT (user_id) DO NOTHING`, [
      id,
      JSON.stringify(DEFAULT_WORKING_HOURS),
      loc.receivedAt,
    ]);
    const updated = await q.query(
      `UPDATE technician_profiles SET current_latitude = $2, current_longitude = $3, current_accuracy_m = $4, location_at = $5, location_source = $6
       WHERE user_id = $1 AND (location_at IS NULL OR location_at <= $5)`,
      [id, loc.lat, loc.lon, loc.accuracy, loc.at, loc.source],
    );
    return updated.rowCount > 0;
  }

  async locations(q: Queryable, id: string, limit: number) {
    const { rows } = await q.query<{ latitude: number; longitude: number; accuracy_m: number | null; at: Date; source: 'api' | 'mqtt' }>(
      'SELECT latitude, longitude, accuracy_m, at, source FROM technician_locations WHERE technician_id = $1 ORDER BY id DESC LIMIT $2',
      [id, limit],
    );
    return rows;
  }

  async insertAbsence(
    q: Queryable,
    id: string,
    values: { startsAt: string; endsAt: string; substituteId: string | null; reason: string | null; now: Date; actor: Actor },
  ): Promise<AbsenceRow> {
    const { rows } = await q.query<AbsenceRow>(
      `INSERT INTO technician_absences (technician_id, starts_at, ends_at, substitute_id, reason, created_at, actor_type, actor_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [id, values.startsAt, values.endsAt, values.substituteId, values.reason, values.now, values.actor.type, values.actor.id],
    );
    return rows[0]!;
  }

  async cancelAbsence(q: Queryable, technicianId: string, absenceId: string, now: Date): Promise<AbsenceRow | undefined> {
    const { rows } = await q.query<AbsenceRow>(
      'UPDATE technician_absences SET cancelled_at = COALESCE(cancelled_at, $3) WHERE id = $2 AND technician_id = $1 RETURNING *',
      [technicianId, absenceId, now],
    );
    return rows[0];
  }

  /** Absences (not cancelled) of the given technicians overlapping [from, to). */
  async absences(q: Queryable, technicianIds: readonly string[] | null, from: Date, to: Date): Promise<AbsenceRow[]> {
    const { rows } = await q.query<AbsenceRow>(
      `SELECT * FROM technician_absences WHERE cancelled_at IS NULL AND starts_at < $3 AND ends_at > $2
         AND ($1::uuid[] IS NULL OR technician_id = ANY($1::uuid[])) ORDER BY starts_at, id LIMIT 1000`,
      [technicianIds ? [...technicianIds] : null, from, to],
    );
    return rows;
  }

  async listAbsences(q: Queryable, technicianId: string, from: Date): Promise<AbsenceRow[]> {
    const { rows } = await q.query<AbsenceRow>('SELECT * FROM technician_absences WHERE technician_id = $1 AND ends_at > $2 ORDER BY starts_at, id LIMIT 500', [
      technicianId,
      from,
    ]);
    return rows;
  }
}
