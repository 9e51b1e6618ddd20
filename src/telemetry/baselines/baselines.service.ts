/**
 * Baselines of an asset's learned rules: reading what they have learnt (from the detection state
 * in Redis, read only) and changing them. A change is a rule command sent to the detection worker
 * that owns the asset's state (src/telemetry/detection/worker/detection-commands.ts): it takes effect in order with
 * the readings, and an alarm it clears goes through the normal cleared-finding path. Every
 * change is audited in the same transaction that sends it (a failed send rolls the audit back).
 *
 * - relearn / freeze / unfreeze on request (admin, dispatcher);
 * - accept a firing alarm as the asset's new normal: learned rules relearn, anomaly rules start
 *   their baseline window afresh; fixed limits (threshold, rate, trend, event) cannot be accepted;
 * - after a repair visit closes as fixed: every learned rule with `relearnAfterRepair` relearns
 *   once the machine has settled (a delayed job per visit and rule; frozen baselines are kept).
 */
import { recordAudit, type Actor } from '../../access/audit/audit.service.js';
import { AlarmsRepository } from '../../service/alarms/alarms.repository.js';
import { compileModel } from '../detection/detection.engine.js';
import type { CompiledLearned, CompiledRule, RuleCommand } from '../detection/detection.types.js';
import type { ModelRegistry } from '../models/models.registry.js';
import type { CommandTarget, DetectionCommandsPort } from '../detection/worker/detection-commands.js';
import type { LoadedState } from '../detection/worker/detection-state.store.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { AppError, conflict, notFound, unavailable } from '../../kernel/errors.js';
import { invalidField } from '../../kernel/errors.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import type { AlarmAccepted, AssetBaselines, BaselineCommandBody, BaselineOp, CommandAccepted } from './baselines.schemas.js';
import { learnedRules, modeNames, ruleBaselines } from './baselines.view.js';

/** Reads an asset's stored detection state without disturbing its worker (DetectionStateStore.read). */
export interface StateReader {
  read(assetId: string): Promise<LoadedState>;
}

export interface BaselinesDeps {
  readonly db: Database;
  readonly models: ModelRegistry;
  /** Built on first use: the API's Redis is not needed until a baseline is read or changed. */
  readonly states: () => StateReader;
  readonly commands: () => DetectionCommandsPort;
  readonly clock?: Clock | undefined;
}

interface AssetRow {
  id: string;
  model_id: string;
  device_id: string | null;
}

export class BaselinesService {
  private readonly alarms = new AlarmsRepository();
  private readonly clock: Clock;

  constructor(private readonly deps: BaselinesDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  async view(assetId: string): Promise<AssetBaselines> {
    const asset = await this.asset(this.deps.db, assetId);
    const compiled = this.compiled(asset.model_id);
    const rules = compiled ? learnedRules(compiled) : [];
    const loaded = rules.length > 0 ? await this.read(assetId) : undefined;
    return { assetId, modelId: asset.model_id, rules: rules.map((rule) => ruleBaselines(compiled!, rule, loaded?.state ?? null)) };
  }

  /** relearn / freeze / unfreeze one learned rule (or every one), one mode (or every one). */
  async command(assetId: string, op: BaselineOp, body: BaselineCommandBody, actor: Actor): Promise<CommandAccepted> {
    const at = this.clock.now();
    return this.deps.db.transaction(async (tx) => {
      const asset = await this.asset(tx, assetId);
      if (!asset.device_id) throw conflict(`Asset ${assetId} has no device: it has learnt nothing yet`, { assetId });
      const compiled = this.compiled(asset.model_id);
      let rules: CompiledLearned[];
      if (body.ruleId !== undefined)
        rules = [
          learnedRule(
            compiled?.rules.find((r) => r.id === body.ruleId),
            body.ruleId,
            asset.model_id,
          ),
        ];
      else {
        rules = compiled ? learnedRules(compiled) : [];
        if (rules.length === 0) throw conflict(`Model ${asset.model_id} has no learned rule: asset ${assetId} has no baseline`, { modelId: asset.model_id });
      }
      if (body.mode !== undefined) {
        for (const rule of rules) {
          if (!modeNames(rule).includes(body.mode)) throw invalidField('body.mode', `rule ${rule.id} has the modes ${modeNames(rule).join(', ')}`);
        }
      }
      const commands: RuleCommand[] = rules.map((rule) => ({ ruleId: rule.id, op, at: at.getTime(), ...(body.mode !== undefined ? { mode: body.mode } : {}) }));
      await recordAudit(tx, actor, {
        entity: 'asset',
        entityId: assetId,
        action: `baseline_${op}`,
        changes: { rules: rules.map((r) => r.id), mode: body.mode ?? null },
      });
      await this.send(target(asset), commands);
      return {
        assetId,
        commands: commands.map(({ ruleId, op: o, mode }) => ({ ruleId, op: o, ...(mode !== undefined ? { mode } : {}) })),
        at: at.toISOString(),
      };
    });
  }

  /**
   * Accepts a not-cleared alarm's condition as the asset's new normal: its rule's baseline is
   * relearnt (learned: the mode the alarm fired in) or restarted (anomaly). The alarm clears when
   * the worker applies it, through the normal path (ticket flagged or cancelled as for any clear).
   */
  async acceptAlarm(alarmId: string, actor: Actor): Promise<AlarmAccepted> {
    const at = this.clock.now();
    return this.deps.db.transaction(async (tx) => {
      const alarm = await this.alarms.find(tx, alarmId, { lock: true });
      if (!alarm) throw notFound('alarm', alarmId);
      if (alarm.state === 'cleared') throw conflict(`Alarm ${alarmId} is cleared: there is nothing to accept`, { state: 'cleared' });
      const asset = await this.asset(tx, alarm.asset_id);
      const rule = this.compiled(asset.model_id)?.rules.find((r) => r.id === alarm.rule_id);
      if (!rule) throw conflict(`Rule ${alarm.rule_id} is no longer in model ${asset.model_id}`, { ruleId: alarm.rule_id });
      if (rule.kind !== 'learned' && rule.kind !== 'anomaly') {
        throw conflict(`Alarm ${alarmId} comes from a ${rule.kind} rule: fixed limits cannot be accepted; change the model`, {
          ruleId: rule.id,
          kind: rule.kind,
        });
      }
      const mode = rule.kind === 'learned' ? latestMode(alarm.evidence) : undefined;
      const command: RuleCommand = { ruleId: rule.id, op: 'relearn', at: at.getTime(), ...(mode !== undefined ? { mode } : {}) };
      await recordAudit(tx, actor, {
        entity: 'alarm',
        entityId: alarmId,
        action: 'accept_as_normal',
        changes: { ruleId: rule.id, kind: rule.kind, mode: mode ?? null },
      });
      await this.send(target(asset), [command]);
      return {
        alarmId,
        assetId: asset.id,
        kind: rule.kind,
        commands: [{ ruleId: rule.id, op: 'relearn', ...(mode !== undefined ? { mode } : {}) }],
        at: at.toISOString(),
      };
    });
  }

  /**
   * A repair visit closed as fixed (inside its transaction): each learned rule of the asset's model
   * with a settle time relearns after it. Job ids per visit and rule: a retried close adds none twice.
   */
  async relearnAfterRepair(tx: Queryable, repair: { visitId: string; assetId: string; at: Date }): Promise<void> {
    const asset = await this.findAsset(tx, repair.assetId);
    if (!asset?.device_id) return; // no device: nothing learnt
    const compiled = this.compiled(asset.model_id);
    for (const rule of compiled ? learnedRules(compiled) : []) {
      if (rule.relearnAfterRepairMs === null) continue;
      const command: RuleCommand = { ruleId: rule.id, op: 'relearn', at: repair.at.getTime() + rule.relearnAfterRepairMs, auto: true };
      await this.send(target(asset), [command], { delayMs: rule.relearnAfterRepairMs, jobId: `relearn-${repair.visitId}-${rule.id}` });
    }
  }

  private async send(to: CommandTarget | undefined, commands: RuleCommand[], options?: { delayMs: number; jobId: string }): Promise<void> {
    if (!to) return;
    try {
      await this.deps.commands().send(to, commands, options);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw unavailable('the detection queue');
    }
  }

  private async read(assetId: string): Promise<LoadedState> {
    try {
      return await this.deps.states().read(assetId);
    } catch {
      throw unavailable('the detection state store');
    }
  }

  private compiled(modelId: string) {
    const model = this.deps.models.get(modelId);
    return model ? compileModel(model) : undefined;
  }

  private async asset(q: Queryable, assetId: string): Promise<AssetRow> {
    const asset = await this.findAsset(q, assetId);
    if (!asset) throw notFound('asset', assetId);
    return asset;
  }

  private async findAsset(q: Queryable, assetId: string): Promise<AssetRow | undefined> {
    // The active device, else the latest one: findings carry a device id.
    const { rows } = await q.query<AssetRow>(
      `SELECT a.id, a.model_id,
              (SELECT d.id FROM devices d WHERE d.asset_id = a.id ORDER BY (d.status = 'active') DESC, d.created_at DESC LIMIT 1) AS device_id
         FROM assets a WHERE a.id = $1`,
      [assetId],
    );
    return rows[0];
  }
}

/** The asset as a command target; undefined without a device (it has no detection state). */
function target(asset: AssetRow): CommandTarget | undefined {
  return asset.device_id ? { assetId: asset.id, deviceId: asset.device_id, modelId: asset.model_id } : undefined;
}

function learnedRule(rule: CompiledRule | undefined, ruleId: string, modelId: string): CompiledLearned {
  if (!rule) throw new AppError('NOT_FOUND', `Rule ${ruleId} is not a rule of model ${modelId}`, { resource: 'rule', id: ruleId });
  if (rule.kind !== 'learned') throw conflict(`Rule ${ruleId} is a ${rule.kind} rule, not a learned one: it has no baseline`, { ruleId, kind: rule.kind });
  return rule;
}

/** The operating mode of the alarm's latest evidence (learned findings carry it when the rule has modes). */
function latestMode(evidence: unknown): string | undefined {
  const latest = (evidence as { latest?: { mode?: unknown } } | null)?.latest;
  return typeof latest?.mode === 'string' ? latest.mode : undefined;
}
