/** An auto-ticket's diagnosis as the API shows it, and the note when a cleared condition returns. */
import type { Queryable } from '../../kernel/db/database.js';
import { notFound } from '../../kernel/errors.js';
import type { AutoTicketsRepository } from './autotickets.repository.js';
import type { Diagnosis } from './autotickets.schemas.js';

/** The prefill and appended evidence of an auto-ticket (404 for tickets without one). */
export async function readDiagnosis(db: Queryable, repo: AutoTicketsRepository, ticketId: string, evidenceLimit: number): Promise<Diagnosis> {
  const autofill = await repo.findAutofill(db, ticketId);
  if (!autofill) throw notFound('ticket diagnosis', ticketId);
  const evidence = await repo.evidence(db, ticketId, evidenceLimit);
  return {
    ticketId,
    alarmId: autofill.alarm_id,
    ruleId: autofill.rule_id,
    kind: autofill.kind,
    predictive: autofill.predictive,
    prefill: autofill.prefill,
    evidenceCount: autofill.evidence_count,
    lastEvidenceAt: autofill.last_evidence_at?.toISOString() ?? null,
    conditionClearedAt: autofill.condition_cleared_at?.toISOString() ?? null,
    evidence: evidence.map((e) => ({ at: e.at.toISOString(), ruleId: e.rule_id, kind: e.kind, alarmId: e.alarm_id, evidence: e.evidence })),
  };
}

/** New evidence after the condition had cleared (`clearedAt`, read by the evidence update): the flag is lifted and a note says so. */
export async function conditionReturned(
  tx: Queryable,
  repo: AutoTicketsRepository,
  ticketId: string,
  clearedAt: Date | null,
  at: Date,
  now: Date,
): Promise<void> {
  if (!clearedAt || clearedAt.getTime() > at.getTime()) return;
  await repo.setConditionCleared(tx, ticketId, null, now);
  await repo.addNote(tx, {
    ticketId,
    subject: 'Condition returned',
    body: `The condition was seen again at ${at.toISOString()} after it had cleared.`,
    at: now,
  });
}
