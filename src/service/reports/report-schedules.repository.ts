/**
 * SQL for report schedules and their runs. A run is claimed by INSERT ... ON CONFLICT DO NOTHING on
 * (schedule_id, period_key), or — for a retry or a run whose worker died — by a conditional
 * UPDATE that only one worker can win (status and attempts re-checked under the row lock).
 */
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, toPage, type Page } from '../../kernel/db/keyset.js';

export interface ScheduleRow {
  id: string;
  name: string;
  report: string;
  params: Record<string, unknown>;
  format: 'csv' | 'json';
  cadence: Record<string, unknown>;
  email_to: string[];
  webhook_url: string | null;
  webhook_secret: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export interface RunRow {
  id: string;
  schedule_id: string;
  period_key: string;
  scheduled_for: Date;
  status: 'running' | 'delivered' | 'failed' | 'gave_up';
  attempts: number;
  lease_until: Date | null;
  next_attempt_at: Date | null;
  email_delivered_at: Date | null;
  webhook_delivered_at: Date | null;
  row_count: number | null;
  last_error: string | null;
  started_at: Date;
  finished_at: Date | null;
}

export type ScheduleColumns = Partial<Omit<ScheduleRow, 'id' | 'version' | 'created_at'>> & { created_at?: Date };

const SORT = { createdAt: { expr: 's.created_at', type: 'timestamptz' } } as const;

export class ReportSchedulesRepository {
  async insert(q: Queryable, values: ScheduleColumns): Promise<ScheduleRow> {
    const entries = Object.entries(values).filter(([, v]) => v !== undefined);
    const { rows } = await q.query<ScheduleRow>(
      `INSERT INTO report_schedules (${entries.map(([k]) => k).join(', ')}) VALUES (${entries.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
      entries.map(([k, v]) => (k === 'params' || k === 'cadence' ? JSON.stringify(v) : v)),
    );
    return rows[0]!;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<ScheduleRow | undefined> {
    const { rows } = await q.query<ScheduleRow>(`SELECT * FROM report_schedules WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  }

  async update(q: Queryable, id: string, values: ScheduleColumns): Promise<ScheduleRow> {
    const params: unknown[] = [id];
    const sets: string[] = [];
    for (const [column, value] of Object.entries(values)) {
      if (value === undefined) continue;
      params.push(column === 'params' || column === 'cadence' ? JSON.stringify(value) : value);
      sets.push(`${column} = $${params.length}`);
    }
    const { rows } = await q.query<ScheduleRow>(
      `UPDATE report_schedules SET ${[...sets, 'version = version + 1'].join(', ')} WHERE id = $1 RETURNING *`,
      params,
    );
    return rows[0]!;
  }

  async remove(q: Queryable, id: string): Promise<boolean> {
    const { rowCount } = await q.query('DELETE FROM report_schedules WHERE id = $1', [id]);
    return rowCount > 0;
  }

  async list(q: Queryable, query: { limit: number; cursor?: string | undefined }): Promise<Page<ScheduleRow>> {
    const params: unknown[] = [];
    const spec = { sort: 'createdAt', cursor: query.cursor, limit: query.limit, columns: SORT, idExpr: 's.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    const { rows } = await q.query<ScheduleRow & { sort_key: string }>(
      `SELECT s.*, ${page.sortKeySelect} FROM report_schedules s ${page.where ? `WHERE ${page.where}` : ''} ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }

  async active(q: Queryable): Promise<ScheduleRow[]> {
    const { rows } = await q.query<ScheduleRow>('SELECT * FROM report_schedules WHERE active ORDER BY created_at, id');
    return rows;
  }

  async runs(q: Queryable, scheduleId: string, limit: number): Promise<RunRow[]> {
    const { rows } = await q.query<RunRow>('SELECT * FROM report_runs WHERE schedule_id = $1 ORDER BY id DESC LIMIT $2', [scheduleId, limit]);
    return rows;
  }

  /** Claims the run of (schedule, period); undefined when another worker already has it. */
  async claimNew(q: Queryable, input: { scheduleId: string; periodKey: string; scheduledFor: Date; now: Date; leaseUntil: Date }): Promise<RunRow | undefined> {
    const { rows } = await q.query<RunRow>(
      `INSERT INTO report_runs (schedule_id, period_key, scheduled_for, status, attempts, lease_until, started_at)
       VALUES ($1, $2, $3, 'running', 1, $5, $4)
       ON CONFLICT (schedule_id, period_key) DO NOTHING RETURNING *`,
      [input.scheduleId, input.periodKey, input.scheduledFor, input.now, input.leaseUntil],
    );
    return rows[0];
  }

  /** Runs to pick up again: failed ones whose retry time has come, running ones whose lease expired. */
  async retryable(q: Queryable, now: Date, limit: number): Promise<RunRow[]> {
    const { rows } = await q.query<RunRow>(
      `SELECT * FROM report_runs
       WHERE (status = 'failed' AND next_attempt_at <= $1) OR (status = 'running' AND lease_until < $1)
       ORDER BY id LIMIT $2`,
      [now, limit],
    );
    return rows;
  }

  /** Re-claims a run seen as `seen`; undefined when another worker got it first. */
  async reclaim(q: Queryable, seen: RunRow, leaseUntil: Date): Promise<RunRow | undefined> {
    const { rows } = await q.query<RunRow>(
      `UPDATE report_runs SET status = 'running', attempts = attempts + 1, lease_until = $4, next_attempt_at = NULL
       WHERE id = $1 AND status = $2 AND attempts = $3 RETURNING *`,
      [seen.id, seen.status, seen.attempts, leaseUntil],
    );
    return rows[0];
  }

  async finish(
    q: Queryable,
    id: string,
    values: Pick<RunRow, 'status' | 'next_attempt_at' | 'email_delivered_at' | 'webhook_delivered_at' | 'row_count' | 'last_error' | 'finished_at'>,
  ): Promise<void> {
    await q.query(
      `UPDATE report_runs SET status = $2, next_attempt_at = $3, email_delivered_at = $4, webhook_delivered_at = $5,
         row_count = $6, last_error = $7, finished_at = $8, lease_until = NULL
       WHERE id = $1`,
      [
        id,
        values.status,
        values.next_attempt_at,
        values.email_delivered_at,
        values.webhook_delivered_at,
        values.row_count,
        values.last_error,
        values.finished_at,
      ],
    );
  }
}
