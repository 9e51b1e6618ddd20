/** SQL for device commands. Methods take the Queryable to run on. */
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, toPage, type Page } from '../../kernel/db/keyset.js';
import { OPEN_STATES, type Command, type CommandState, type ListCommands } from './commands.schemas.js';

export interface CommandRow {
  id: string;
  asset_id: string;
  device_id: string;
  ticket_id: string | null;
  command: string;
  parameters: Record<string, unknown>;
  state: CommandState;
  message: string | null;
  result: Record<string, unknown> | null;
  created_at: Date;
  expires_at: Date;
  sent_at: Date | null;
  acknowledged_at: Date | null;
  finished_at: Date | null;
  created_by_type: string;
  created_by_id: string;
}

export interface NewCommand {
  assetId: string;
  deviceId: string;
  ticketId: string | null;
  command: string;
  parameters: Record<string, unknown>;
  timeoutSeconds: number;
  actor: { type: string; id: string };
}

const OPEN = `(${OPEN_STATES.map((s) => `'${s}'`).join(', ')})`;

export class CommandsRepository {
  async insert(q: Queryable, c: NewCommand): Promise<CommandRow> {
    const { rows } = await q.query<CommandRow>(
      `INSERT INTO device_commands (asset_id, device_id, ticket_id, command, parameters, state, expires_at, created_by_type, created_by_id)
       VALUES ($1, $2, $3, $4, $5, 'pending', now() + make_interval(secs => $6), $7, $8) RETURNING *`,
      [c.assetId, c.deviceId, c.ticketId, c.command, JSON.stringify(c.parameters), c.timeoutSeconds, c.actor.type, c.actor.id],
    );
    return rows[0]!;
  }

  async find(q: Queryable, id: string): Promise<CommandRow | undefined> {
    const { rows } = await q.query<CommandRow>('SELECT * FROM device_commands WHERE id = $1', [id]);
    return rows[0];
  }

  /** `pending` → `sent`; no change in any other state (a fast device may have answered already). */
  async markSent(q: Queryable, id: string): Promise<CommandRow | undefined> {
    const { rows } = await q.query<CommandRow>(`UPDATE device_commands SET state = 'sent', sent_at = now() WHERE id = $1 AND state = 'pending' RETURNING *`, [
      id,
    ]);
    return rows[0];
  }

  /** Applies a device answer if the command is open and belongs to that device; undefined otherwise. */
  async answer(
    q: Queryable,
    id: string,
    deviceId: string,
    status: 'acknowledged' | 'succeeded' | 'failed',
    message: string | null,
    result: unknown,
  ): Promise<CommandRow | undefined> {
    const final = status !== 'acknowledged';
    const from = final ? OPEN : `('pending', 'sent')`;
    const { rows } = await q.query<CommandRow>(
      `UPDATE device_commands SET state = $3, message = coalesce($4, message), result = coalesce($5::jsonb, result),
         sent_at = coalesce(sent_at, now()),
         acknowledged_at = coalesce(acknowledged_at, now()),
         finished_at = CASE WHEN $6 THEN now() ELSE finished_at END
       WHERE id = $1 AND device_id = $2 AND state IN ${from} AND expires_at > now() RETURNING *`,
      [id, deviceId, status, message, result === undefined ? null : JSON.stringify(result), final],
    );
    return rows[0];
  }

  /** Every open command past its deadline becomes `timed_out`. */
  async timeOut(q: Queryable, limit = 500): Promise<CommandRow[]> {
    const { rows } = await q.query<CommandRow>(
      `UPDATE device_commands SET state = 'timed_out', finished_at = now()
       WHERE id IN (SELECT id FROM device_commands WHERE state IN ${OPEN} AND expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [limit],
    );
    return rows;
  }

  async list(q: Queryable, where: { assetId?: string; ticketId?: string }, query: ListCommands): Promise<Page<Command>> {
    const params: unknown[] = [];
    const conditions: string[] = [];
    if (where.assetId) conditions.push(`c.asset_id = $${params.push(where.assetId)}`);
    if (where.ticketId) conditions.push(`c.ticket_id = $${params.push(where.ticketId)}`);
    if (query.state) conditions.push(`c.state = $${params.push(query.state)}`);
    const spec = {
      sort: '-createdAt',
      columns: { createdAt: { expr: 'c.created_at', type: 'timestamptz' as const } },
      idExpr: 'c.id',
      idType: 'uuid' as const,
      cursor: query.cursor,
      limit: query.limit,
    };
    const ks = keyset(spec, params);
    if (ks.where) conditions.push(ks.where);
    const { rows } = await q.query<CommandRow & { sort_key: string }>(
      `SELECT c.*, ${ks.sortKeySelect} FROM device_commands c ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY ${ks.orderBy} LIMIT ${ks.limit}`,
      params,
    );
    return toPage(rows, spec, toCommand);
  }
}

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

export function toCommand(row: CommandRow): Command {
  return {
    id: row.id,
    assetId: row.asset_id,
    deviceId: row.device_id,
    ticketId: row.ticket_id,
    command: row.command,
    parameters: row.parameters,
    state: row.state,
    message: row.message,
    result: row.result,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    sentAt: iso(row.sent_at),
    acknowledgedAt: iso(row.acknowledged_at),
    finishedAt: iso(row.finished_at),
    createdBy: { type: row.created_by_type, id: row.created_by_id },
  };
}
