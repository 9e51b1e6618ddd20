/**
 * Closing a visit, in one transaction: outcome, actual window, customer acceptance (signature or
 * typed confirmation), resolution notes and the first-time-fix flag (computed: fixed on the
 * ticket's first non-cancelled visit; an override needs a reason). The visit becomes completed;
 * a fixed outcome moves the ticket to resolved through the ticket workflow (via in_progress when
 * the ticket has not got there yet). A visit is closed once (CONFLICT after).
 *
 * A resolution may be proposed to the knowledge base — at closing (`proposeKnowledge`) or later —
 * as a draft article (knowledge articles have a draft status; editors publish it).
 */
import type { Caller } from '../../kernel/caller.js';
import { recordAudit } from '../../access/audit/audit.service.js';
import { KnowledgeRepository } from '../knowledge/knowledge.repository.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { AppError, conflict, notFound } from '../../kernel/errors.js';
import type { NotifierPort } from '../notifications/notification.port.js';
import { invalidField } from '../../kernel/errors.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { canTransition, type TicketStatus } from '../tickets/ticket-workflow.js';
import { TicketsRepository, type TicketRow } from '../tickets/tickets.repository.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import type { CloseVisit, CloseVisitResult, Closure, KnowledgeProposal, KnowledgeProposalInput } from './visit-closing.schemas.js';
import { VisitsRepository, type VisitRow } from './visits.repository.js';
import type { VisitsService } from './visits.service.js';
import { ChecklistService } from '../field-app/checklist.service.js';

interface ClosureRow {
  visit_id: string;
  ticket_id: string;
  outcome: Closure['outcome'];
  first_time_fix: boolean;
  first_time_fix_computed: boolean;
  first_time_fix_reason: string | null;
  resolution_notes: string;
  acceptance_kind: Closure['acceptanceKind'];
  knowledge_article_id: string | null;
  closed_at: Date;
  closed_by_type: string;
  closed_by_id: string;
}

/** Tag of every article proposed from a field resolution. */
export const FIELD_RESOLUTION_TAG = 'field-resolution';

export interface VisitClosingOptions {
  /** Customer notifications: 'visit.completed' is queued in the closing transaction. None = nothing queued. */
  readonly notifier?: NotifierPort | undefined;
  /** The process's one TicketsService: ticket moves made here reach the live feed and webhooks. */
  readonly tickets: TicketsService;
  readonly visits: VisitsService;
  /**
   * Called in the closing transaction when a visit on an asset closes as fixed (the learned
   * baselines relearn once the machine has settled); a failure rolls the closing back. None = nothing.
   */
  readonly repaired?: ((tx: Queryable, repair: { visitId: string; assetId: string; at: Date }) => Promise<void>) | undefined;
}

export class VisitClosingService {
  private readonly visits = new VisitsRepository();
  private readonly tickets = new TicketsRepository();
  private readonly knowledge = new KnowledgeRepository();
  private readonly ticketsService: TicketsService;
  private readonly visitsService: VisitsService;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
    private readonly options: VisitClosingOptions,
  ) {
    this.ticketsService = options.tickets;
    this.visitsService = options.visits;
  }

  async close(id: string, input: CloseVisit, caller: Caller): Promise<CloseVisitResult> {
    const now = this.clock.now();
    const { closure, ticket } = await this.db.transaction(async (tx) => {
      const visit = await this.ownVisit(tx, id, caller);
      if (visit.status === 'cancelled') throw conflict('A cancelled visit cannot be closed', { visitStatus: 'cancelled' });
      const existing = await this.findClosure(tx, id);
      if (existing) throw conflict(`Visit ${id} was already closed at ${existing.closed_at.toISOString()}`, { closedAt: existing.closed_at.toISOString() });

      // A visit fixed with its plan's checklist unmet is refused, naming the items (409).
      if (input.outcome === 'fixed') await new ChecklistService().assertComplete(tx, visit);
      const start = input.actualStart ? new Date(input.actualStart) : visit.actual_start;
      if (!start) throw invalidField('body.actualStart', 'the visit has no actual start yet; give actualStart');
      const end = input.actualEnd ? new Date(input.actualEnd) : (visit.actual_end ?? now);
      if (end < start) throw invalidField('body.actualEnd', 'actualEnd must not be before actualStart');
      const acceptance = input.acceptance;
      if (!acceptance && !visit.accepted_at) throw invalidField('body.acceptance', 'customer acceptance (a signature or a typed confirmation) is required');
      const acceptanceKind = acceptance ? (acceptance.signature ? 'signature' : 'confirmation') : visit.acceptance_signature ? 'signature' : 'confirmation';

      const computed = input.outcome === 'fixed' && !(await this.hasEarlierVisit(tx, visit));
      const firstTimeFix = input.firstTimeFix?.value ?? computed;
      if (firstTimeFix && input.outcome !== 'fixed') throw invalidField('body.firstTimeFix.value', 'only a fixed visit can be a first-time fix');

      await this.visits.update(tx, id, {
        actual_start: start,
        actual_end: end,
        outcome: input.outcome,
        status: 'completed',
        ...(acceptance
          ? {
              acceptance_name: acceptance.name,
              acceptance_confirmation: acceptance.confirmation ?? null,
              acceptance_signature: acceptance.signature ?? null,
              accepted_at: now,
            }
          : {}),
        updated_at: now,
      });
      if (!visit.actual_start) await this.ticketsService.markResponded(tx, visit.ticket_id, start);
      const { rows } = await tx.query<ClosureRow>(
        `INSERT INTO visit_closures (visit_id, ticket_id, outcome, first_time_fix, first_time_fix_computed, first_time_fix_reason,
           resolution_notes, acceptance_kind, closed_at, closed_by_type, closed_by_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
        [
          id,
          visit.ticket_id,
          input.outcome,
          firstTimeFix,
          computed,
          input.firstTimeFix?.reason ?? null,
          input.resolutionNotes,
          acceptanceKind,
          now,
          caller.actor.type,
          caller.actor.id,
        ],
      );
      let closureRow = rows[0]!;
      const before = (await this.tickets.find(tx, visit.ticket_id))!;
      const ticketRow = input.outcome === 'fixed' ? await this.resolveTicket(tx, visit.ticket_id, caller) : before;
      await this.options.notifier?.enqueue(tx, { event: 'visit.completed', ticketId: visit.ticket_id, visitId: id, data: { outcome: input.outcome } });
      if (input.proposeKnowledge) closureRow = await this.propose(tx, closureRow, visit, undefined, caller);
      if (input.outcome === 'fixed' && before.asset_id) await this.options.repaired?.(tx, { visitId: id, assetId: before.asset_id, at: now });
      await recordAudit(tx, caller.actor, {
        entity: 'visit',
        entityId: id,
        action: 'close',
        changes: {
          outcome: input.outcome,
          firstTimeFix,
          firstTimeFixComputed: computed,
          firstTimeFixReason: input.firstTimeFix?.reason ?? null,
          acceptance: acceptance ? { name: acceptance.name, kind: acceptanceKind } : 'recorded before',
          ticketStatus: ticketRow.status,
          knowledgeArticleId: closureRow.knowledge_article_id,
        },
      });
      return { closure: closureRow, ticket: ticketRow };
    });
    return {
      closure: toClosure(closure),
      visit: await this.visitsService.get(id, caller),
      ticket: { id: ticket.id, number: ticket.number, status: ticket.status },
    };
  }

  /** Proposes a closed visit's resolution as a draft knowledge-base article; once per visit. */
  async proposeKnowledge(id: string, input: KnowledgeProposalInput, caller: Caller): Promise<KnowledgeProposal> {
    const row = await this.db.transaction(async (tx) => {
      const visit = await this.ownVisit(tx, id, caller);
      const closure = await this.findClosure(tx, id);
      if (!closure) throw conflict(`Visit ${id} is not closed; close it first (POST /visits/${id}/close)`);
      if (closure.knowledge_article_id)
        throw conflict(`Visit ${id} already proposed article ${closure.knowledge_article_id}`, { articleId: closure.knowledge_article_id });
      return this.propose(tx, closure, visit, input, caller);
    });
    const { rows } = await this.db.query<{ title: string }>('SELECT title FROM knowledge_articles WHERE id = $1', [row.knowledge_article_id]);
    return { articleId: row.knowledge_article_id!, visitId: id, title: rows[0]!.title, status: 'draft' };
  }

  async closure(id: string, caller: Caller): Promise<Closure> {
    const visit = await this.visits.find(this.db, id);
    const ticket = visit ? await this.tickets.find(this.db, visit.ticket_id) : undefined;
    if (!visit || !ticket || (caller.customerId && ticket.customer_id !== caller.customerId)) throw notFound('visit', id);
    const closure = await this.findClosure(this.db, id);
    if (!closure) throw notFound('visit closure', id);
    return toClosure(closure);
  }

  /** Moves the ticket to resolved along allowed steps (via in_progress when needed); resolved stays. */
  private async resolveTicket(tx: Queryable, ticketId: string, caller: Caller): Promise<TicketRow> {
    const ticket = (await this.tickets.find(tx, ticketId, { lock: true }))!;
    if (ticket.status === 'resolved') return ticket;
    const reason = 'visit closed: fixed';
    const path: TicketStatus[] =
      !canTransition(ticket.status, 'resolved') && canTransition(ticket.status, 'in_progress') ? ['in_progress', 'resolved'] : ['resolved'];
    let row = ticket;
    for (const to of path) row = await this.ticketsService.transitionIn(tx, ticketId, to, reason, caller.actor);
    return row;
  }

  private async propose(tx: Queryable, closure: ClosureRow, visit: VisitRow, input: KnowledgeProposalInput, caller: Caller): Promise<ClosureRow> {
    const ticket = (await this.tickets.find(tx, visit.ticket_id))!;
    const model = ticket.asset_id
      ? (await tx.query<{ model_id: string }>('SELECT model_id FROM assets WHERE id = $1', [ticket.asset_id])).rows[0]?.model_id
      : undefined;
    const parts = await this.visits.parts(tx, [visit.id]);
    const title = (input?.title ?? `${ticket.fault_code ? `${ticket.fault_code}: ` : ''}${ticket.title}`).slice(0, 300);
    const body =
      input?.body ??
      [
        `## Symptom\n\n${ticket.description ?? ticket.title}`,
        `## Resolution\n\n${closure.resolution_notes}`,
        parts.length > 0
          ? `## Parts used\n\n${parts.map((p) => `- ${p.sku} × ${Number(p.quantity)}${p.description ? ` (${p.description})` : ''}`).join('\n')}`
          : null,
        `_Proposed from visit ${visit.id} on ticket ${ticket.number} (outcome: ${closure.outcome})._`,
      ]
        .filter((s) => s !== null)
        .join('\n\n');
    const tags = [...new Set([FIELD_RESOLUTION_TAG, ...(input?.tags ?? [])])];
    const article = await this.knowledge.insert(
      tx,
      { title, body, tags, modelIds: model ? [model] : [], faultCodes: ticket.fault_code ? [ticket.fault_code] : [], status: 'draft' },
      caller.actor,
    );
    await recordAudit(tx, caller.actor, {
      entity: 'knowledge_article',
      entityId: article.id,
      action: 'propose',
      changes: { title, visitId: visit.id, ticketId: ticket.id },
    });
    const { rows } = await tx.query<ClosureRow>('UPDATE visit_closures SET knowledge_article_id = $2 WHERE visit_id = $1 RETURNING *', [
      closure.visit_id,
      article.id,
    ]);
    return rows[0]!;
  }

  private async ownVisit(tx: Queryable, id: string, caller: Caller): Promise<VisitRow> {
    const visit = await this.visits.find(tx, id, { lock: true });
    if (!visit) throw notFound('visit', id);
    if (caller.role === 'technician' && visit.technician_id !== caller.userId) throw new AppError('FORBIDDEN', 'Technicians may only close their own visits');
    return visit;
  }

  /** The same rule as the visits' derived flag: an earlier (by creation) non-cancelled visit of the ticket. */
  private async hasEarlierVisit(q: Queryable, visit: VisitRow): Promise<boolean> {
    const { rows } = await q.query(
      `SELECT 1 FROM visits o, visits v WHERE v.id = $1 AND o.ticket_id = v.ticket_id AND o.status <> 'cancelled'
         AND (o.created_at, o.id) < (v.created_at, v.id) LIMIT 1`,
      [visit.id],
    );
    return rows.length > 0;
  }

  private async findClosure(q: Queryable, visitId: string): Promise<ClosureRow | undefined> {
    const { rows } = await q.query<ClosureRow>('SELECT * FROM visit_closures WHERE visit_id = $1', [visitId]);
    return rows[0];
  }
}

function toClosure(row: ClosureRow): Closure {
  return {
    visitId: row.visit_id,
    ticketId: row.ticket_id,
    outcome: row.outcome,
    firstTimeFix: row.first_time_fix,
    firstTimeFixComputed: row.first_time_fix_computed,
    firstTimeFixReason: row.first_time_fix_reason,
    resolutionNotes: row.resolution_notes,
    acceptanceKind: row.acceptance_kind,
    knowledgeArticleId: row.knowledge_article_id,
    closedAt: row.closed_at.toISOString(),
    closedBy: { type: row.closed_by_type, id: row.closed_by_id },
  };
}
