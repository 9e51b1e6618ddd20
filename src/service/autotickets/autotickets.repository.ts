/**
 * SQL of auto-tickets. The insert is `ON CONFLICT ... DO NOTHING` on the unique partial index
 * tickets_open_iot_fault_idx: of any number of concurrent inserts for one asset and fault code,
 * exactly one row is written; the others wait for it to commit and get no row back.
 */
import { SYSTEM_ACTOR } from '../../access/audit/audit.service.js';
import type { Queryable } from '../../kernel/db/database.js';
import type { TicketColumns, TicketRow } from '../tickets/tickets.repository.js';
import type { Prefill } from './autotickets.schemas.js';

export interface AutofillRow {
  ticket_id: string;
  alarm_id: string | null;
  rule_id: string;
  kind: string;
  predictive: boolean;
  prefill: Prefill;
  evidence_count: number;
  last_evidence_at: Date | null;
  condition_cleared_at: Date | null;
}

export interface EvidenceInput {
  ticketId: string;
  alarmId: string;
  key: string;
  ruleId: string;
  kind: string;
  at: Date;
  evidence: Record<string, unknown>;
  now: Date;
}

export interface EvidenceRow {
  at: Date;
  rule_id: string;
  kind: string;
  alarm_id: string | null;
  evidence: Record<string, unknown>;
}

/** The predicate of tickets_open_iot_fault_idx (unqualified columns of tickets), repeated so ON CONFLICT can infer the index. */
export const OPEN_IOT = `channel = 'iot' AND status NOT IN ('resolved', 'closed', 'cancelled')`;

export class AutoTicketsRepository {
  /** The open IoT ticket of this asset and fault code, locked; undefined when there is none. */
  async findOpen(q: Queryable, assetId: string, faultCode: string): Promise<Pick<TicketRow, 'id' | 'status' | 'customer_id'> | undefined> {
    const { rows } = await q.query<Pick<TicketRow, 'id' | 'status' | 'customer_id'>>(
      `SELECT id, status, customer_id FROM tickets WHERE asset_id = $1 AND fault_code = $2 AND ${OPEN_IOT} FOR UPDATE`,
      [assetId, faultCode],
    );
    return rows[0];
  }

  /**
   * Inserts the ticket unless an open one exists for the asset and fault; returns the new row
   * (as TicketsRepository.find would read it: a new ticket has no visits, so first_time_fix is
   * null) or undefined.
   */
  async insertIfNoneOpen(q: Queryable, values: TicketColumns & { created_by_type: string; created_by_id: string }): Promise<TicketRow | undefined> {
    const entries = Object.entries(values).filter(([, v]) => v !== undefined);
    const { rows } = await q.query<TicketRow>(
      `INSERT INTO tickets (${entries.map(([k]) => k).join(', ')}) VALUES (${entries.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (asset_id, fault_code) WHERE ${OPEN_IOT} DO NOTHING RETURNING *, NULL::boolean AS first_time_fix`,
      entries.map(([, v]) => v),
    );
    return rows[0];
  }

  /** The prefill of a new ticket, with the finding that opened it counted as its first evidence (see `insertEvidence`). */
  async insertAutofill(
    q: Queryable,
    row: { ticketId: string; alarmId: string; ruleId: string; kind: string; predictive: boolean; prefill: Prefill; firstEvidenceAt: Date; now: Date },
  ): Promise<void> {
    await q.query(
      `INSERT INTO ticket_autofill (ticket_id, alarm_id, rule_id, kind, predictive, prefill, evidence_count, last_evidence_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8)`,
      [row.ticketId, row.alarmId, row.ruleId, row.kind, row.predictive, JSON.stringify(row.prefill), row.firstEvidenceAt, row.now],
    );
  }

  async findAutofill(q: Queryable, ticketId: string, options: { lock?: boolean } = {}): Promise<AutofillRow | undefined> {
    const { rows } = await q.query<AutofillRow>(`SELECT * FROM ticket_autofill WHERE ticket_id = $1${options.lock ? ' FOR UPDATE' : ''}`, [ticketId]);
    return rows[0];
  }

  /** Replaces the prefill's parts (availability and reservations filled in after the commit). */
  async setPrefillParts(q: Queryable, ticketId: string, parts: readonly unknown[], now: Date): Promise<void> {
    await q.query(`UPDATE ticket_autofill SET prefill = jsonb_set(prefill, '{parts}', $2::jsonb), updated_at = $3 WHERE ticket_id = $1`, [
      ticketId,
      JSON.stringify(parts),
      now,
    ]);
  }

  /** Stores one finding's evidence; false when this finding was already stored for the ticket (a replay). */
  async insertEvidence(q: Queryable, e: EvidenceInput): Promise<boolean> {
    const { rows } = await q.query(
      `INSERT INTO ticket_evidence (ticket_id, alarm_id, finding_key, rule_id, kind, at, evidence, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (ticket_id, finding_key) DO NOTHING RETURNING id`,
      [e.ticketId, e.alarmId, e.key, e.ruleId, e.kind, e.at, JSON.stringify(e.evidence), e.now],
    );
    return rows.length > 0;
  }

  /**
   * Appends one finding's evidence to an existing prefill (stored and counted); false for a
   * replay, else the prefill's condition_cleared_at, read (and locked) by the same update.
   */
  async addEvidence(q: Queryable, e: EvidenceInput): Promise<false | { conditionClearedAt: Date | null }> {
    if (!(await this.insertEvidence(q, e))) return false;
    const { rows } = await q.query<{ condition_cleared_at: Date | null }>(
      `UPDATE ticket_autofill SET evidence_count = evidence_count + 1, last_evidence_at = GREATEST(last_evidence_at, $2::timestamptz), updated_at = $3
       WHERE ticket_id = $1 RETURNING condition_cleared_at`,
      [e.ticketId, e.at, e.now],
    );
    return { conditionClearedAt: rows[0]?.condition_cleared_at ?? null };
  }

  async evidence(q: Queryable, ticketId: string, limit: number): Promise<EvidenceRow[]> {
    const { rows } = await q.query<EvidenceRow>(
      'SELECT at, rule_id, kind, alarm_id, evidence FROM ticket_evidence WHERE ticket_id = $1 ORDER BY at DESC, id DESC LIMIT $2',
      [ticketId, limit],
    );
    return rows;
  }

  async setConditionCleared(q: Queryable, ticketId: string, at: Date | null, now: Date): Promise<void> {
    await q.query('UPDATE ticket_autofill SET condition_cleared_at = $2, updated_at = $3 WHERE ticket_id = $1', [ticketId, at, now]);
  }

  /** Not-cleared alarms of the asset for the fault code that feed a ticket (alarm-only ones do not hold it open). */
  async firingAlarms(q: Queryable, assetId: string, faultCode: string): Promise<number> {
    const { rows } = await q.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM alarms WHERE asset_id = $1 AND fault_code = $2 AND state <> 'cleared' AND ticket_id IS NOT NULL`,
      [assetId, faultCode],
    );
    return rows[0]!.n;
  }

  /** An internal note on the ticket's interaction history, written by the platform. */
  async addNote(q: Queryable, note: { ticketId: string; subject: string; body: string; at: Date }): Promise<void> {
    await q.query(
      `INSERT INTO activities (kind, direction, subject, body, occurred_at, customer_id, asset_id, ticket_id, author_type, author_id, created_at, updated_at)
       SELECT 'note', 'internal', $2, $3, $4, t.customer_id, t.asset_id, t.id, $5, $6, $4, $4 FROM tickets t WHERE t.id = $1`,
      [note.ticketId, note.subject, note.body, note.at, SYSTEM_ACTOR.type, SYSTEM_ACTOR.id],
    );
  }
}
