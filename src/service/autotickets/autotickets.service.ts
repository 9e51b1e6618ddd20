/**
 * Auto-tickets: a finding with a fault code opens AT MOST ONE open IoT ticket per asset and fault
 * code, prefilled, or appends its evidence to the one that is open. One transaction per finding:
 * the alarm upsert, the ticket (ON CONFLICT on tickets_open_iot_fault_idx), its status history,
 * prefill, evidence and audit rows commit together or not at all.
 *
 * Why it holds under retries, concurrent workers and crashes: the guarantee is the unique
 * partial index, not the caller. Concurrent transactions serialise on the alarm row first (same
 * asset and rule) and on the index entry; the loser of the insert gets no row back and appends to
 * the winner's ticket. A replayed finding (same key) appends nothing: ticket_evidence is unique
 * per (ticket, finding key). A transaction that dies midway leaves nothing behind.
 */
import { AlarmsRepository, type AlarmRow } from '../alarms/alarms.repository.js';
import { AlarmsService, toAlarm } from '../alarms/alarms.service.js';
import { storedEvidence } from '../alarms/alarm-evidence.js';
import type { AssetFinding } from '../../telemetry/detection/detection.types.js';
import { findingKey, parseFinding } from '../../telemetry/detection/finding.schema.js';
import { recordAudit, SYSTEM_ACTOR } from '../../access/audit/audit.service.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { TicketsRepository, type TicketRow } from '../tickets/tickets.repository.js';
import { TicketsService, toTicket } from '../tickets/tickets.service.js';
import { AutoTicketsRepository } from './autotickets.repository.js';
import { conditionReturned, readDiagnosis } from './diagnosis.js';
import type { Diagnosis } from './autotickets.schemas.js';
import { buildTicketDraft, composeDraft, findAssetPlace, loadDraftFacts, type DraftFacts, type TicketDraft } from './prefill.builder.js';
import { publishSafely, type TicketEventsPort } from '../delivery/ticket-events.js';
import type { AutoTicketOptions, ApplyOptions, ClearOptions, ClearOutcome, ClearResult, OpenOutcome, OpenResult } from './autotickets.types.js';

type PrefillPart = Diagnosis['prefill']['parts'][number];

export type { AutoTicketOptions, ApplyOptions, ClearOptions, ClearOutcome, ClearResult, OpenOutcome, OpenResult } from './autotickets.types.js';

/** Statuses in which nobody has been sent yet. */
const NOT_DISPATCHED = ['new', 'assigned'];

export class AutoTicketService {
  private readonly repo = new AutoTicketsRepository();
  private readonly tickets = new TicketsRepository();
  private readonly alarms: AlarmsService;
  private readonly alarmRows = new AlarmsRepository();
  private readonly ticketService: TicketsService;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
    private readonly options: AutoTicketOptions,
    /** Ticket events (SSE stream, webhooks), published after commit; none = nothing published. */
    private readonly events?: TicketEventsPort,
  ) {
    this.alarms = options.alarms ?? new AlarmsService(db, clock, { historyLimit: options.alarmHistoryLimit ?? 20 });
    this.ticketService = options.tickets;
  }

  /**
   * Records the finding's alarm and opens (or appends to) the asset's ticket for its fault.
   *
   * Round trips: when no ticket is open for the fault, the draft's read-only lookups run first,
   * outside the transaction and concurrently (`prepareDraft`); the transaction then writes the
   * alarm, the ticket and its rows without re-reading them. The early look is only a hint: the
   * unique index still decides (a ticket opened meanwhile is appended to), and a ticket closed
   * meanwhile gets its draft built inside the transaction, as before.
   */
  async openOrAppend(finding: AssetFinding): Promise<OpenResult> {
    const now = this.clock.now();
    const faultCode = finding.faultCode;
    const facts = faultCode && finding.state === 'firing' ? await this.prepareDraft(finding, faultCode, now) : undefined;
    const result: OpenResult = await this.db.transaction(async (tx) => {
      const reported = await this.alarms.reportIn(tx, finding);
      const alarm = reported.row;
      const alarmCreated = reported.created;
      if (!faultCode) return { outcome: 'alarm_only' as const, alarm: toAlarm(alarm), alarmCreated, ticket: null };
      return this.ticketIn(tx, { ...finding, faultCode }, alarm, alarmCreated, facts, now);
    });
    await this.afterCommit(result);
    return result;
  }

  /**
   * A rule whose ticket policy is `persist` or `never`: the finding raises (or feeds) its alarm
   * only — no ticket, no reserved part, no dispatch. A persisting alarm becomes a ticket later,
   * through `openForAlarm` (the ticket-policy sweep).
   */
  async raiseAlarm(finding: AssetFinding): Promise<OpenResult> {
    const reported = await this.db.transaction(async (tx) => this.alarms.reportIn(tx, finding));
    return { outcome: 'alarm_only', alarm: toAlarm(reported.row), alarmCreated: reported.created, ticket: null };
  }

  /**
   * Opens (or appends to) the ticket of an alarm that has persisted: its first finding goes to
   * the ticket as if it had just fired. Locks the alarm: nothing happens when it has cleared or
   * has its ticket already (another sweep, a retry), so the ticket is opened once. Undefined then.
   * The finding is rebuilt from the stored alarm (a jsonb column): validated there, as read back.
   */
  async openForAlarm(alarmId: string): Promise<OpenResult | undefined> {
    const now = this.clock.now();
    const result = await this.db.transaction(async (tx) => {
      const alarm = await this.alarmRows.find(tx, alarmId, { lock: true });
      if (!alarm || alarm.state === 'cleared' || alarm.ticket_id || !alarm.fault_code) return undefined;
      const { key, at: _at, kind: _kind, ...evidence } = (alarm.evidence.history[0] ?? {}) as Record<string, unknown>;
      const finding = parseFinding({
        ...(typeof key === 'string' ? { id: key } : {}),
        assetId: alarm.asset_id,
        ...(alarm.device_id ? { deviceId: alarm.device_id } : {}),
        modelId: alarm.model_id,
        ruleId: alarm.rule_id,
        faultCode: alarm.fault_code,
        kind: alarm.kind,
        ...(alarm.severity ? { severity: alarm.severity } : {}),
        at: alarm.first_seen_at,
        evidence,
      });
      return this.ticketIn(tx, { ...finding, faultCode: alarm.fault_code }, alarm, false, undefined, now);
    });
    if (result) await this.afterCommit(result);
    return result;
  }

  /** The ticket part of a firing finding, inside the alarm's transaction: open or append, link the alarm. */
  private async ticketIn(
    tx: Queryable,
    finding: AssetFinding & { faultCode: string },
    alarm: AlarmRow,
    alarmCreated: boolean,
    facts: DraftFacts | undefined,
    now: Date,
  ): Promise<OpenResult> {
    const target = await this.openOrFind(tx, finding, alarm, facts, now);
    const ticketId = 'created' in target ? target.created.id : target.openId;
    const at = new Date(finding.at);
    const evidence = {
      ticketId,
      alarmId: alarm.id,
      key: findingKey(finding),
      ruleId: finding.ruleId,
      kind: finding.kind,
      at,
      evidence: storedEvidence(finding.evidence),
      now,
    };
    let outcome: OpenOutcome;
    if ('created' in target) {
      // The new ticket's prefill already counts this finding as its first evidence.
      await this.repo.insertEvidence(tx, evidence);
      outcome = 'created';
    } else {
      const appended = await this.repo.addEvidence(tx, evidence);
      if (appended) await conditionReturned(tx, this.repo, ticketId, appended.conditionClearedAt, at, now);
      outcome = appended ? 'appended' : 'duplicate';
    }
    if (alarm.ticket_id !== ticketId) await this.alarms.linkTicket(tx, alarm.id, ticketId);
    // A new ticket is as inserted: the rows written since (history, prefill, evidence, audit) do not touch it.
    const ticket = 'created' in target ? target.created : (await this.tickets.find(tx, ticketId))!;
    const linked = { ...alarm, ticket_id: ticketId };
    return { outcome, alarm: toAlarm(linked), alarmCreated, ticket: toTicket(ticket, now) };
  }

  /**
   * After the commit, so neither slows the ticket down nor can undo it: events are published,
   * the parts are reserved (also on later evidence while a reservation is incomplete: a crash in
   * between, or stock received since) and the auto-assign policy runs once, for a new ticket.
   */
  private async afterCommit(result: OpenResult): Promise<void> {
    if (result.ticket && result.outcome === 'created') await publishSafely(this.events, { type: 'ticket.created', ticket: result.ticket });
    if (result.ticket && result.outcome === 'appended') await publishSafely(this.events, { type: 'ticket.evidence_appended', ticket: result.ticket });
    if (result.ticket && (result.outcome === 'created' || result.outcome === 'appended'))
      await this.reserveParts(result.ticket.id, result.outcome === 'created');
    if (result.ticket && result.outcome === 'created' && this.options.dispatch) {
      await this.options.dispatch
        .autoAssign(result.ticket.id, SYSTEM_ACTOR)
        .catch((error: unknown) =>
          this.options.logger?.warn({ err: error, ticketId: result.ticket!.id }, 'auto-assign failed; the ticket waits for a dispatcher'),
        );
    }
  }

  /**
   * The draft's facts, read on the pool before the transaction (lookups concurrent, each on its
   * own connection); undefined when a ticket is already open for the fault, or the finding does
   * not fit its asset (the transaction reports that).
   */
  private async prepareDraft(finding: AssetFinding, faultCode: string, now: Date): Promise<DraftFacts | undefined> {
    const place = await findAssetPlace(this.db, finding.assetId, faultCode);
    if (!place || place.hasOpenTicket || (finding.modelId && finding.modelId !== place.modelId)) return undefined;
    return loadDraftFacts(this.db, place, faultCode, now, this.options);
  }

  /**
   * The ticket the finding goes to: a new one (inserted with its history, prefill and audit row),
   * or the open one, locked. Without prepared facts it looks for the open ticket first and builds
   * the draft here only when there is none; with them it inserts straight away. Either way the
   * insert stands down when another transaction's ticket holds the unique index entry.
   */
  private async openOrFind(
    tx: Queryable,
    finding: AssetFinding & { faultCode: string },
    alarm: AlarmRow,
    facts: DraftFacts | undefined,
    now: Date,
  ): Promise<{ created: TicketRow } | { openId: string }> {
    if (!facts) {
      const open = await this.repo.findOpen(tx, finding.assetId, finding.faultCode);
      if (open) return { openId: open.id };
    }
    const draft = facts ? composeDraft(facts, finding, alarm.id, now, this.options) : await buildTicketDraft(tx, finding, alarm.id, now, this.options);
    const created = await this.insertTicket(tx, finding, alarm, draft, now);
    if (created) return { created };
    // Another transaction committed the ticket between our look-up and our insert.
    return { openId: (await this.repo.findOpen(tx, finding.assetId, finding.faultCode))!.id };
  }

  /** Inserts the ticket unless one is open, with its status history, prefill and audit row; undefined when one was open. */
  private async insertTicket(
    tx: Queryable,
    finding: AssetFinding & { faultCode: string },
    alarm: AlarmRow,
    draft: TicketDraft,
    now: Date,
  ): Promise<TicketRow | undefined> {
    const row = await this.repo.insertIfNoneOpen(tx, {
      channel: 'iot',
      type: draft.type,
      priority: draft.prefill.priority.value,
      title: draft.title,
      description: draft.description,
      customer_id: draft.customerId,
      site_id: draft.siteId,
      asset_id: finding.assetId,
      contract_id: draft.contractId,
      fault_code: finding.faultCode,
      status: 'new',
      sla_source: draft.slaSource,
      response_due_at: new Date(draft.prefill.sla.responseDueAt),
      resolution_due_at: new Date(draft.prefill.sla.resolutionDueAt),
      status_changed_at: now,
      created_by_type: SYSTEM_ACTOR.type,
      created_by_id: SYSTEM_ACTOR.id,
      created_at: now,
      updated_at: now,
    });
    if (!row) return undefined;
    await this.tickets.addHistory(tx, row.id, {
      from: null,
      to: 'new',
      at: now,
      actor: SYSTEM_ACTOR,
      reason: `Opened from alarm ${alarm.id} (rule ${finding.ruleId})`,
      technicianId: null,
    });
    await this.repo.insertAutofill(tx, {
      ticketId: row.id,
      alarmId: alarm.id,
      ruleId: finding.ruleId,
      kind: finding.kind,
      predictive: draft.prefill.predictive !== null,
      prefill: draft.prefill,
      firstEvidenceAt: new Date(finding.at),
      now,
    });
    await recordAudit(tx, SYSTEM_ACTOR, {
      entity: 'ticket',
      entityId: row.id,
      action: 'create',
      changes: { ...toTicket(row, now), alarmId: alarm.id, findingKey: findingKey(finding) },
    });
    return row;
  }

  /** Reserves the prefill's parts for the ticket (idempotent top-up) and records the outcome in the prefill. */
  private async reserveParts(ticketId: string, created: boolean): Promise<void> {
    const stock = this.options.stock;
    if (!stock) return;
    try {
      const autofill = await this.repo.findAutofill(this.db, ticketId);
      const prefill = autofill?.prefill as { parts?: PrefillPart[] } | undefined;
      const parts = prefill?.parts ?? [];
      if (!parts.length || (!created && parts.every((p) => p.reserved || p.availability === 'unknown_part'))) return;
      const results = await stock.reserveForTicket(
        ticketId,
        parts.map((p) => ({ sku: p.sku, quantity: p.quantity })),
        null,
        SYSTEM_ACTOR,
      );
      const bySku = new Map(results.map((r) => [r.sku, r]));
      const updated = parts.map((p) => {
        const r = bySku.get(p.sku);
        if (!r) return p;
        return {
          ...p,
          availability: r.status,
          reserved: r.status === 'reserved',
          reservedQuantity: r.held,
          locations: r.lines.filter((l) => l.outstanding > 0).map((l) => ({ code: l.locationCode, quantity: l.outstanding })),
        };
      });
      await this.repo.setPrefillParts(this.db, ticketId, updated, this.clock.now());
    } catch (error) {
      this.options.logger?.warn(
        { err: error, ticketId },
        'parts reservation for an auto-ticket failed; retried on the next evidence, or reserve from the console',
      );
    }
  }

  /**
   * The fault's condition cleared at `at` (reading time): its alarms are cleared; an open ticket
   * not yet dispatched (new/assigned) gets a note and the conditionCleared flag, or is cancelled
   * with a reason when the rule is configured `autoCancelTransient`.
   */
  async conditionCleared(assetId: string, faultCode: string, at: Date, options: ClearOptions = {}): Promise<ClearResult> {
    const now = this.clock.now();
    const result: ClearResult = await this.db.transaction(async (tx) => {
      const cleared = await this.alarms.clearIn(tx, { assetId, faultCode, ...(options.ruleId ? { ruleId: options.ruleId } : {}) }, at);
      const open = await this.repo.findOpen(tx, assetId, faultCode);
      if (!open) return { outcome: 'no_ticket' as const, clearedAlarms: cleared.length, ticket: null };
      if (options.ruleId && (await this.repo.firingAlarms(tx, assetId, faultCode)) > 0) {
        return { outcome: 'still_active' as const, clearedAlarms: cleared.length, ticket: toTicket((await this.tickets.find(tx, open.id))!, now) };
      }
      const when = at.toISOString();
      let outcome: ClearOutcome;
      if (!NOT_DISPATCHED.includes(open.status)) {
        await this.repo.addNote(tx, {
          ticketId: open.id,
          subject: 'Condition cleared (technician already dispatched)',
          body: `The ${faultCode} condition cleared at ${when}; the ticket stays open.`,
          at: now,
        });
        outcome = 'already_dispatched';
      } else if (options.autoCancelTransient) {
        await this.repo.addNote(tx, {
          ticketId: open.id,
          subject: 'Condition cleared before dispatch: cancelled',
          body: `The ${faultCode} condition cleared at ${when} before anyone was dispatched; the rule is transient (autoCancelTransient), so the ticket was cancelled.`,
          at: now,
        });
        await this.repo.setConditionCleared(tx, open.id, at, now);
        await this.ticketService.transitionIn(tx, open.id, 'cancelled', `Transient condition cleared at ${when} before dispatch`, SYSTEM_ACTOR);
        outcome = 'cancelled';
      } else {
        const autofill = await this.repo.findAutofill(tx, open.id, { lock: true });
        if (autofill?.condition_cleared_at) {
          outcome = 'already_flagged';
        } else {
          await this.repo.addNote(tx, {
            ticketId: open.id,
            subject: 'Condition cleared before dispatch',
            body: `The ${faultCode} condition cleared at ${when} before anyone was dispatched. Check whether a visit is still needed.`,
            at: now,
          });
          await this.repo.setConditionCleared(tx, open.id, at, now);
          await recordAudit(tx, SYSTEM_ACTOR, { entity: 'ticket', entityId: open.id, action: 'condition_cleared', changes: { faultCode, at: when } });
          outcome = 'flagged';
        }
      }
      const ticket = (await this.tickets.find(tx, open.id))!;
      return { outcome, clearedAlarms: cleared.length, ticket: toTicket(ticket, now) };
    });
    if (result.ticket && (result.outcome === 'flagged' || result.outcome === 'already_dispatched'))
      await publishSafely(this.events, { type: 'ticket.updated', ticket: result.ticket });
    return result;
  }

  /**
   * Routes a detector finding: `firing` → openOrAppend (raiseAlarm under a persist or never
   * ticket policy); `cleared` → conditionCleared for its rule (the ticket is touched once no rule
   * of that fault fires any more on the asset), or only the alarm when it never had a ticket.
   */
  async apply(finding: AssetFinding, options: ApplyOptions = {}): Promise<OpenResult | ClearResult> {
    const deferred = options.ticket === 'persist' || options.ticket === 'never';
    if (finding.state === 'firing') return deferred ? this.raiseAlarm(finding) : this.openOrAppend(finding);
    const at = new Date(finding.at);
    if (deferred && finding.faultCode) {
      // An alarm that never became a ticket clears alone: another rule's ticket for the fault is not told.
      const cleared = await this.db.transaction(async (tx) => {
        const open = await this.alarmRows.findOpen(tx, finding.assetId, finding.ruleId, { lock: true });
        if (open?.ticket_id) return undefined;
        return this.alarms.clearIn(tx, { assetId: finding.assetId, ruleId: finding.ruleId }, at);
      });
      if (cleared) return { outcome: 'no_ticket', clearedAlarms: cleared.length, ticket: null };
    }
    if (!finding.faultCode) {
      const cleared = await this.alarms.clear(finding.assetId, finding.ruleId, at);
      return { outcome: 'no_ticket', clearedAlarms: cleared ? 1 : 0, ticket: null };
    }
    return this.conditionCleared(finding.assetId, finding.faultCode, at, { ...options, ruleId: finding.ruleId });
  }

  /** A rule's open alarm became (or stopped being) the asset's likely new normal (the worker's FindingSink). */
  async newNormal(change: { assetId: string; ruleId: string; since: number | null }): Promise<void> {
    await this.alarms.markNewNormal(change.assetId, change.ruleId, change.since === null ? null : new Date(change.since));
  }

  /** The prefill and appended evidence of an auto-ticket (404 for tickets without one). */
  diagnosis(ticketId: string, evidenceLimit = 50): Promise<Diagnosis> {
    return readDiagnosis(this.db, this.repo, ticketId, evidenceLimit);
  }
}
