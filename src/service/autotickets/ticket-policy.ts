/**
 * Ticket policy per rule (`ticket: { policy, after }` in the model's detection rules): which
 * alarms become tickets, and when.
 *
 * - immediate (default): the firing finding opens the ticket at once (AutoTicketService.openOrAppend).
 * - never: the alarm only (raiseAlarm): no ticket, no reserved part, no dispatch.
 * - persist: the alarm only, at first; the ticket-policy sweep (every
 *   TICKET_POLICY_SWEEP_INTERVAL_MS, a BullMQ job scheduler: one run per interval across worker
 *   processes) opens it for each alarm still uncleared `after` past its first reading
 *   (openForAlarm). An alarm cleared before then never becomes a ticket.
 *
 * Why a sweep over the alarms table rather than a delayed job per alarm: the pending ticket IS the
 * uncleared alarm without a ticket, a row that commits with the alarm. Nothing is scheduled that a
 * crash could lose or a retried detection job could schedule twice; a restarted or second worker
 * sees the same rows; openForAlarm locks the alarm and stands down once it has a ticket or has
 * cleared; the unique open-ticket index still guards the ticket. A changed `after` applies to
 * alarms already pending. The cost: the ticket opens up to one interval late.
 */
import { compileModel } from '../../telemetry/detection/detection.engine.js';
import { durationMs } from '../../telemetry/detection/detection-rules.schema.js';
import type { ModelRegistry } from '../../telemetry/models/models.registry.js';
import type { EquipmentModel } from '../../telemetry/models/models.schema.js';
import type { Queryable } from '../../kernel/db/database.js';

export type TicketPolicyName = 'immediate' | 'persist' | 'never';

/** The policy of a model's rule (silence and implicit event rules: immediate). */
export function ticketPolicyOf(model: EquipmentModel, ruleId: string): TicketPolicyName {
  return compileModel(model).rules.find((r) => r.id === ruleId)?.ticket.policy ?? 'immediate';
}

interface PersistRule {
  modelId: string;
  ruleId: string;
  afterMs: number;
}

export function persistRules(models: ModelRegistry): PersistRule[] {
  return models
    .list()
    .flatMap((model) =>
      compileModel(model).rules.flatMap((r) =>
        r.ticket.policy === 'persist' && r.ticket.after !== undefined ? [{ modelId: model.id, ruleId: r.id, afterMs: durationMs(r.ticket.after) }] : [],
      ),
    );
}

/** Alarms of persist rules still uncleared, without a ticket, `after` past their first reading at `now` (oldest first, at most `limit`). */
export async function dueAlarms(q: Queryable, rules: readonly PersistRule[], now: Date, limit = 500): Promise<string[]> {
  if (rules.length === 0) return [];
  const { rows } = await q.query<{ id: string }>(
    `SELECT al.id FROM alarms al
       JOIN unnest($1::text[], $2::text[], $3::bigint[]) AS p(model_id, rule_id, after_ms) ON al.model_id = p.model_id AND al.rule_id = p.rule_id
      WHERE al.state <> 'cleared' AND al.ticket_id IS NULL AND al.fault_code IS NOT NULL
        AND al.first_seen_at + p.after_ms * interval '1 millisecond' <= $4
      ORDER BY al.first_seen_at, al.id LIMIT ${Math.max(1, Math.floor(limit))}`,
    [rules.map((r) => r.modelId), rules.map((r) => r.ruleId), rules.map((r) => r.afterMs), now],
  );
  return rows.map((r) => r.id);
}
