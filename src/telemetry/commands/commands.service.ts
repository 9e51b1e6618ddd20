/**
 * Commands to devices: validated against the asset's model, stored, audited, handed to the
 * broker processes, and moved through their states by the device's answers and the timeout
 * sweep. Knows nothing of MQTT: the broker edge calls `markSent` and `recordResult`.
 */
import type { Caller } from '../../kernel/caller.js';
import { auditTrail, recordAudit, SYSTEM_ACTOR } from '../../access/audit/audit.service.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { AppError, conflict, notFound } from '../../kernel/errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import type { ModelRegistry } from '../models/models.registry.js';
import { commandResultsTopic } from '../broker/topic-policy.js';
import { commandParametersSchema } from './command-definition.schema.js';
import type { CommandBus, CommandEventType } from './command-channels.js';
import { CommandsRepository, toCommand, type CommandRow } from './commands.repository.js';
import { commandResultMessage, type Command, type CommandDetail, type CommandMessage, type ListCommands, type SendCommand } from './commands.schemas.js';

/** What a device's answer did: applied, or why not (counted by the broker edge). */
export type ResultOutcome =
  { ok: true; command: Command } | { ok: false; reason: 'not_json' | 'invalid_shape' | 'unknown_command' | 'not_open'; detail: string };

export class CommandsService {
  private readonly repo = new CommandsRepository();

  constructor(
    private readonly db: Database,
    private readonly models: ModelRegistry,
    private readonly bus?: CommandBus,
  ) {}

  async send(assetId: string, input: SendCommand, caller: Caller): Promise<Command> {
    const target = await this.targetOf(assetId);
    const model = this.models.get(target.modelId);
    const def = model?.commands[input.command];
    if (!def || !Object.hasOwn(model.commands, input.command)) throw notFound(`command of model ${target.modelId}`, input.command);
    if (caller.role !== 'admin' && !(def.roles as readonly string[]).includes(caller.role ?? '')) {
      throw new AppError('FORBIDDEN', `role ${caller.role} may not send ${input.command}`);
    }
    const parsed = commandParametersSchema(def).safeParse(input.parameters);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => ({ field: ['body', 'parameters', ...i.path.map(String)].join('.'), message: i.message }));
      throw new AppError('VALIDATION_FAILED', `Invalid request: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
    }
    if (!target.deviceId) throw conflict(`Asset ${assetId} has no active device to send commands to`, { assetId });
    const row = await this.db.transaction(async (tx) => {
      if (input.ticketId) await this.checkTicket(tx, input.ticketId, assetId);
      const created = await this.repo.insert(tx, {
        assetId,
        deviceId: target.deviceId!,
        ticketId: input.ticketId ?? null,
        command: input.command,
        parameters: parsed.data,
        timeoutSeconds: def.timeoutSeconds,
        actor: caller.actor,
      });
      await recordAudit(tx, caller.actor, {
        entity: 'device_command',
        entityId: created.id,
        action: 'created',
        changes: { assetId, deviceId: created.device_id, command: created.command, parameters: parsed.data },
      });
      return created;
    });
    const command = toCommand(row);
    await this.bus?.stateChanged('command.created', command);
    const message: CommandMessage = {
      id: row.id,
      command: row.command,
      parameters: row.parameters,
      expiresAt: command.expiresAt,
      responseTopic: commandResultsTopic(row.device_id),
    };
    // Best effort: a dispatch nobody hears leaves the command pending until it times out.
    await this.bus?.dispatch({ deviceId: row.device_id, expirySeconds: def.timeoutSeconds, message }).catch(() => undefined);
    return command;
  }

  async get(id: string): Promise<CommandDetail> {
    const row = await this.repo.find(this.db, id);
    if (!row) throw notFound('command', id);
    const trail = await auditTrail(this.db, 'device_command', id);
    return {
      ...toCommand(row),
      history: trail.map((r) => ({ at: r.at.toISOString(), action: r.action, actor: { type: r.actorType, id: r.actorId }, changes: r.changes })),
    };
  }

  async listForAsset(assetId: string, query: ListCommands): Promise<Page<Command>> {
    const { rows } = await this.db.query('SELECT 1 FROM assets WHERE id = $1', [assetId]);
    if (rows.length === 0) throw notFound('asset', assetId);
    return this.repo.list(this.db, { assetId }, query);
  }

  async listForTicket(ticketId: string, query: ListCommands): Promise<Page<Command>> {
    const { rows } = await this.db.query('SELECT 1 FROM tickets WHERE id = $1', [ticketId]);
    if (rows.length === 0) throw notFound('ticket', ticketId);
    return this.repo.list(this.db, { ticketId }, query);
  }

  /** The broker took the command (QoS 1 publish accepted). */
  async markSent(id: string): Promise<void> {
    const row = await this.db.transaction(async (tx) => {
      const updated = await this.repo.markSent(tx, id);
      if (updated) await recordAudit(tx, SYSTEM_ACTOR, { entity: 'device_command', entityId: id, action: 'sent' });
      return updated;
    });
    if (row) await this.changed(row);
  }

  /** A device's answer on devices/{deviceId}/command-results. */
  async recordResult(deviceId: string, payload: Buffer): Promise<ResultOutcome> {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return { ok: false, reason: 'not_json', detail: 'the command result is not JSON' };
    }
    const parsed = commandResultMessage.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, reason: 'invalid_shape', detail: `${issue?.path.join('.') || 'result'}: ${issue?.message ?? 'invalid'}` };
    }
    const { id, status, message, data } = parsed.data;
    const row = await this.db.transaction(async (tx) => {
      const updated = await this.repo.answer(tx, id, deviceId, status, message ?? null, data);
      if (updated) {
        await recordAudit(
          tx,
          { type: 'system', id: `device:${deviceId}` },
          { entity: 'device_command', entityId: id, action: status, changes: message ? { message } : {} },
        );
      }
      return updated;
    });
    if (!row) {
      const existing = await this.repo.find(this.db, id);
      if (!existing || existing.device_id !== deviceId) return { ok: false, reason: 'unknown_command', detail: `no command ${id} for device ${deviceId}` };
      return { ok: false, reason: 'not_open', detail: `command ${id} is ${existing.state}` };
    }
    await this.changed(row);
    return { ok: true, command: toCommand(row) };
  }

  /** Open commands past their deadline become `timed_out`. Returns how many. */
  async sweepTimeouts(): Promise<number> {
    const rows = await this.db.transaction(async (tx) => {
      const timedOut = await this.repo.timeOut(tx);
      for (const row of timedOut) await recordAudit(tx, SYSTEM_ACTOR, { entity: 'device_command', entityId: row.id, action: 'timed_out' });
      return timedOut;
    });
    for (const row of rows) await this.changed(row);
    return rows.length;
  }

  private async changed(row: CommandRow, type: CommandEventType = 'command.state_changed'): Promise<void> {
    await this.bus?.stateChanged(type, toCommand(row));
  }

  private async targetOf(assetId: string): Promise<{ modelId: string; deviceId: string | undefined }> {
    const { rows } = await this.db.query<{ model_id: string; device_id: string | null }>(
      `SELECT a.model_id, d.id AS device_id FROM assets a LEFT JOIN devices d ON d.asset_id = a.id AND d.status = 'active' WHERE a.id = $1`,
      [assetId],
    );
    const row = rows[0];
    if (!row) throw notFound('asset', assetId);
    return { modelId: row.model_id, deviceId: row.device_id ?? undefined };
  }

  private async checkTicket(q: Queryable, ticketId: string, assetId: string): Promise<void> {
    const { rows } = await q.query<{ asset_id: string | null }>('SELECT asset_id FROM tickets WHERE id = $1', [ticketId]);
    if (!rows[0])
      throw new AppError('VALIDATION_FAILED', `Invalid request: body.ticketId: no ticket ${ticketId}`, {
        fields: [{ field: 'body.ticketId', message: 'no such ticket' }],
      });
    if (rows[0].asset_id !== assetId) {
      throw new AppError('VALIDATION_FAILED', `Invalid request: body.ticketId: ticket ${ticketId} is not about asset ${assetId}`, {
        fields: [{ field: 'body.ticketId', message: 'the ticket is about another asset' }],
      });
    }
  }
}
