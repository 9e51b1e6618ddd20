/**
 * Quote rules. A draft is made for an open ticket, priced with the invoice arithmetic (labour rate
 * of the skill, catalogue parts, travel, warranty and contract coverage; invoice-estimate.ts) from
 * the lines given or the ticket's diagnosis, and repriced when its lines change. draft → sent
 * (the customer's contacts are e-mailed through the outbox; the ticket is held, awaiting_quote)
 * → accepted (the ticket proceeds; the quote's lines become its invoice's lines) or declined (the
 * ticket stays on hold; an activity records it). withdrawn from draft or sent. A sent quote past
 * its validUntil day reads `expired` and cannot be accepted. Customers act on their own quotes
 * (channel portal); staff record a decision taken on the phone, naming the customer's contact.
 * Every change has a history row and an audit row in its transaction.
 */
import { recordAudit } from '../../access/audit/audit.service.js';
import type { Caller } from '../../kernel/caller.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { isUniqueViolation } from '../../kernel/db/database-errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { conflict, invalidField, notFound } from '../../kernel/errors.js';
import { ActivitiesRepository } from '../activities/activities.repository.js';
import { ContractsRepository } from '../contracts/contracts.repository.js';
import { publishSafely, type TicketEventsPort, type TicketEventType } from '../delivery/ticket-events.js';
import type { InvoiceBasisPort } from '../invoicing/invoice-basis.js';
import { DEFAULT_TRAVEL_POLICY, type ComputedInvoice } from '../invoicing/invoice-calculator.js';
import { priceEstimate } from '../invoicing/invoice-estimate.js';
import { InvoiceWorkRepository, type InvoiceTicket } from '../invoicing/invoice-work.repository.js';
import { notifySafely, type NotifierPort } from '../notifications/notification.port.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import { OPEN_STATUSES, type TicketStatus } from '../tickets/ticket-workflow.js';
import { itemsFromDiagnosis } from './quote-defaults.js';
import { addDays, dayOf, readStatus, toComputedLines, toHistory, toQuote } from './quote-view.js';
import { ACCEPTED_TICKET_INDEX, QuotesRepository, type QuoteRow } from './quotes.repository.js';
import type { CreateQuote, Decision, ListQuotes, Quote, QuoteHistory, QuoteItem, UpdateQuote, Withdraw } from './quotes.schemas.js';

export interface QuotesOptions {
  /** Days a new quote is valid (QUOTE_VALIDITY_DAYS). Default 30. */
  readonly validityDays?: number;
  /** Currency of quotes for tickets without a contract. Default 'EUR' (as invoices). */
  readonly defaultCurrency?: string;
}

export interface QuotesDeps {
  readonly tickets: TicketsService;
  /** Ticket events (quote.sent/accepted/declined); none = nothing published. */
  readonly events?: TicketEventsPort | undefined;
  /** The customer's e-mail (outbox); none = nobody notified. */
  readonly notifier?: NotifierPort | undefined;
}

type Change = { entity: QuoteRow; now: Date; tx: Queryable };

export class QuotesService implements InvoiceBasisPort {
  private readonly repo = new QuotesRepository();
  private readonly work = new InvoiceWorkRepository();
  private readonly contracts = new ContractsRepository();
  private readonly activities = new ActivitiesRepository();
  private readonly validityDays: number;
  private readonly defaultCurrency: string;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
    private readonly deps: QuotesDeps,
    options: QuotesOptions = {},
  ) {
    this.validityDays = options.validityDays ?? 30;
    this.defaultCurrency = options.defaultCurrency ?? 'EUR';
  }

  /** A draft for an open ticket, priced from `input.lines` or the ticket's diagnosis. */
  async create(ticketId: string, input: CreateQuote, caller: Caller): Promise<Quote> {
    const now = this.clock.now();
    const today = dayOf(now);
    const validUntil = input?.validUntil ?? addDays(today, this.validityDays);
    if (validUntil < today) throw invalidField('body.validUntil', `validUntil must not be before today (${today})`);
    const id = await this.db.transaction(async (tx) => {
      const ticket = await this.work.ticket(tx, ticketId, { lock: true });
      if (!ticket) throw notFound('ticket', ticketId);
      if (!OPEN_STATUSES.includes(ticket.status as TicketStatus)) {
        throw conflict(`Ticket ${ticket.number} is ${ticket.status}; quotes are made for open tickets`, { ticketStatus: ticket.status });
      }
      const contract = ticket.contract_id ? await this.contracts.find(tx, ticket.contract_id) : undefined;
      const defaults = input?.lines ? { items: input.lines, warnings: [] } : itemsFromDiagnosis(await this.repo.diagnosis(tx, ticketId));
      const quoteId = await this.repo.insert(tx, {
        ticketId,
        customerId: ticket.customer_id,
        contractId: contract?.id ?? null,
        currency: input?.currency ?? contract?.currency ?? this.defaultCurrency,
        validUntil,
        note: input?.note ?? null,
        actor: caller.actor,
        now,
      });
      const priced = await this.price(tx, ticket, defaults.items, today);
      await this.repo.writePricing(tx, quoteId, defaults.items, { ...priced, warnings: [...defaults.warnings, ...priced.warnings] }, now);
      await this.repo.addHistory(tx, quoteId, { from: null, to: 'draft', at: now, actor: caller.actor });
      await recordAudit(tx, caller.actor, { entity: 'quote', entityId: quoteId, action: 'create', changes: { ticketId, total: priced.total, validUntil } });
      return quoteId;
    });
    return this.load(id, caller);
  }

  /** Changes a draft: new lines are priced again (at today's rates and terms). */
  async update(id: string, patch: UpdateQuote, caller: Caller, ifMatch?: '*' | number[]): Promise<Quote> {
    await this.change(id, caller, ifMatch, async ({ entity, now, tx }) => {
      if (entity.status !== 'draft') throw conflict(`Quote ${entity.number} is ${entity.status}; only drafts are changed`, { quoteStatus: entity.status });
      if (patch.validUntil !== undefined && patch.validUntil < dayOf(now)) {
        throw invalidField('body.validUntil', `validUntil must not be before today (${dayOf(now)})`);
      }
      const changes: Record<string, unknown> = {};
      if (patch.validUntil !== undefined) changes.valid_until = patch.validUntil;
      if (patch.note !== undefined) changes.note = patch.note;
      if (Object.keys(changes).length) await this.repo.update(tx, id, changes, now);
      let total: number | undefined;
      if (patch.lines) {
        const ticket = (await this.work.ticket(tx, entity.ticket_id))!;
        const priced = await this.price(tx, ticket, patch.lines, dayOf(now));
        await this.repo.writePricing(tx, id, patch.lines, priced, now);
        total = priced.total;
      }
      await recordAudit(tx, caller.actor, {
        entity: 'quote',
        entityId: id,
        action: 'update',
        changes: { ...patch, ...(total === undefined ? {} : { total: { from: Number(entity.total), to: total } }) },
      });
    });
    return this.load(id, caller);
  }

  /** draft → sent: the customer's contacts are e-mailed (outbox) and the ticket is held awaiting the decision. */
  async send(id: string, caller: Caller, ifMatch?: '*' | number[]): Promise<Quote> {
    const held = await this.change(id, caller, ifMatch, async ({ entity, now, tx }) => {
      if (entity.status !== 'draft') throw conflict(`Quote ${entity.number} is ${entity.status}; only a draft is sent`, { quoteStatus: entity.status });
      if (entity.valid_until < dayOf(now)) throw conflict(`Quote ${entity.number} was valid until ${entity.valid_until}; change validUntil first`);
      const ticketHeld = await this.deps.tickets.holdForQuote(tx, entity.ticket_id, `Awaiting approval of quote ${entity.number}`, caller.actor);
      await this.repo.update(tx, id, { status: 'sent', sent_at: now, ticket_held: ticketHeld }, now);
      await this.repo.addHistory(tx, id, { from: 'draft', to: 'sent', at: now, actor: caller.actor });
      const notified = await notifySafely(this.deps.notifier, tx, {
        event: 'quote.sent',
        ticketId: entity.ticket_id,
        dedupeKey: `quote.sent:${id}`,
        data: { quoteNumber: entity.number, validUntil: entity.valid_until, quoteId: id },
      });
      await recordAudit(tx, caller.actor, { entity: 'quote', entityId: id, action: 'send', changes: { ticketHeld, messagesQueued: notified } });
    });
    await this.announce('quote.sent', held);
    return this.load(id, caller);
  }

  /** sent → accepted, by the customer (portal) or recorded by staff (phone); the ticket proceeds. */
  async accept(id: string, input: Decision, caller: Caller, ifMatch?: '*' | number[]): Promise<Quote> {
    const row = await this.change(id, caller, ifMatch, async ({ entity, now, tx }) => {
      const status = readStatus(entity.status, entity.valid_until, dayOf(now));
      if (status === 'expired') {
        throw conflict(`Quote ${entity.number} has expired: it was valid until ${entity.valid_until} and can no longer be accepted; ask for a new quote`, {
          quoteStatus: status,
          validUntil: entity.valid_until,
        });
      }
      if (status !== 'sent') throw conflict(`Quote ${entity.number} is ${status}; only a sent quote can be accepted`, { quoteStatus: status });
      const decision = decisionOf(input, caller);
      await this.repo.update(tx, id, { status: 'accepted', ...decision.columns(now) }, now).catch((error: unknown) => {
        if (isUniqueViolation(error, ACCEPTED_TICKET_INDEX)) throw conflict(`Ticket ${entity.ticket_number} already has an accepted quote`);
        throw error;
      });
      await this.repo.addHistory(tx, id, { from: 'sent', to: 'accepted', at: now, actor: caller.actor, ...decision.history });
      const resumed = await this.deps.tickets.resumeAfterQuote(tx, entity.ticket_id, `Quote ${entity.number} accepted`, caller.actor);
      await recordAudit(tx, caller.actor, { entity: 'quote', entityId: id, action: 'accept', changes: { ...decision.history, ticketResumed: resumed } });
    });
    await this.announce('quote.accepted', row);
    return this.load(id, caller);
  }

  /** sent (or expired) → declined; the ticket stays on hold and an activity records the decision. */
  async decline(id: string, input: Decision, caller: Caller, ifMatch?: '*' | number[]): Promise<Quote> {
    const row = await this.change(id, caller, ifMatch, async ({ entity, now, tx }) => {
      if (entity.status !== 'sent')
        throw conflict(`Quote ${entity.number} is ${entity.status}; only a sent quote can be declined`, { quoteStatus: entity.status });
      const decision = decisionOf(input, caller);
      await this.repo.update(tx, id, { status: 'declined', ...decision.columns(now) }, now);
      await this.repo.addHistory(tx, id, { from: 'sent', to: 'declined', at: now, actor: caller.actor, ...decision.history });
      const who = decision.history.onBehalfOf ? ` by ${decision.history.onBehalfOf}` : '';
      await this.activities.insert(tx, {
        kind: decision.history.channel === 'phone' ? 'call' : 'note',
        direction: 'inbound',
        subject: `Quote ${entity.number} declined${who}`,
        body: decision.history.reason ?? null,
        occurredAt: now,
        durationMinutes: null,
        customerId: entity.customer_id,
        contactId: null,
        assetId: null,
        ticketId: entity.ticket_id,
        author: caller.actor,
      });
      await recordAudit(tx, caller.actor, { entity: 'quote', entityId: id, action: 'decline', changes: decision.history });
    });
    await this.announce('quote.declined', row);
    return this.load(id, caller);
  }

  /** draft or sent → withdrawn (a ticket held for it stays on hold for the dispatcher to move). */
  async withdraw(id: string, input: Withdraw, caller: Caller, ifMatch?: '*' | number[]): Promise<Quote> {
    await this.change(id, caller, ifMatch, async ({ entity, now, tx }) => {
      if (entity.status !== 'draft' && entity.status !== 'sent') {
        throw conflict(`Quote ${entity.number} is ${entity.status}; only a draft or sent quote can be withdrawn`, { quoteStatus: entity.status });
      }
      await this.repo.update(tx, id, { status: 'withdrawn', withdrawn_at: now }, now);
      await this.repo.addHistory(tx, id, { from: entity.status, to: 'withdrawn', at: now, actor: caller.actor, reason: input?.reason ?? null });
      await recordAudit(tx, caller.actor, {
        entity: 'quote',
        entityId: id,
        action: 'withdraw',
        changes: { from: entity.status, reason: input?.reason ?? null },
      });
    });
    return this.load(id, caller);
  }

  async get(id: string, caller: Caller): Promise<Quote> {
    return this.load(id, caller);
  }

  async list(query: ListQuotes, caller: Caller): Promise<Page<Quote>> {
    if (caller.customerId && query.customerId && query.customerId !== caller.customerId) return { items: [], nextCursor: null };
    const today = dayOf(this.clock.now());
    const page = await this.repo.list(this.db, query, { customerId: caller.customerId, today });
    const lines = await this.repo.lines(
      this.db,
      page.items.map((r) => r.id),
    );
    return {
      items: page.items.map((r) =>
        toQuote(
          r,
          lines.filter((l) => l.quote_id === r.id),
          today,
          caller.role,
        ),
      ),
      nextCursor: page.nextCursor,
    };
  }

  async history(id: string, caller: Caller): Promise<QuoteHistory> {
    const row = await this.visible(this.db, id, caller);
    return toHistory(id, await this.repo.history(this.db, id), row.valid_until, dayOf(this.clock.now()));
  }

  /** InvoiceBasisPort: the accepted quote's lines replace the pricing of the recorded work. */
  async agreedFor(q: Queryable, ticketId: string): Promise<ComputedInvoice | null> {
    const quote = await this.repo.acceptedFor(q, ticketId);
    if (!quote) return null;
    return {
      lines: toComputedLines(await this.repo.lines(q, [quote.id])),
      subtotal: Number(quote.subtotal),
      coveredAmount: Number(quote.covered_amount),
      total: Number(quote.total),
      costTotal: Number(quote.cost_total),
      prepaidMinutes: 0,
      draws: [],
      warnings: [`Charged as accepted quote ${quote.number} (accepted ${quote.decided_at!.toISOString()}): the recorded work is not priced`],
    };
  }

  private async price(tx: Queryable, ticket: InvoiceTicket, items: readonly QuoteItem[], today: string): Promise<ComputedInvoice> {
    const contract = ticket.contract_id ? await this.contracts.find(tx, ticket.contract_id) : undefined;
    return priceEstimate(tx, this.work, items, { ticket, contract, workDate: today, travel: DEFAULT_TRAVEL_POLICY, defaultHourlyCost: 45 });
  }

  /** One change in a transaction: the quote locked and visible to the caller, the version checked; returns the row after. */
  private async change(id: string, caller: Caller, ifMatch: '*' | number[] | undefined, fn: (change: Change) => Promise<void>): Promise<QuoteRow> {
    return this.db.transaction(async (tx) => {
      const entity = await this.visible(tx, id, caller, { lock: true });
      checkVersion(ifMatch, entity.version, `quote ${id}`);
      await fn({ entity, now: this.clock.now(), tx });
      return (await this.repo.find(tx, id))!;
    });
  }

  /** Customers see their own quotes once sent; anyone else gets a plain 404. */
  private async visible(q: Queryable, id: string, caller: Caller, options: { lock?: boolean } = {}): Promise<QuoteRow> {
    const row = await this.repo.find(q, id, options);
    if (!row || (caller.role === 'customer' && (row.customer_id !== caller.customerId || row.status === 'draft'))) throw notFound('quote', id);
    return row;
  }

  private async load(id: string, caller: Caller): Promise<Quote> {
    const row = await this.visible(this.db, id, caller);
    return toQuote(row, await this.repo.lines(this.db, [id]), dayOf(this.clock.now()), caller.role);
  }

  /** quote.* on the ticket's live feed and webhooks, after commit; no amounts. */
  private async announce(type: TicketEventType, row: QuoteRow): Promise<void> {
    const ticket = await this.deps.tickets.get(row.ticket_id);
    await publishSafely(this.deps.events, { type, ticket, quote: { id: row.id, number: row.number, status: row.status } });
  }
}

/** Who decided: a customer in the portal, or staff on the phone for a named contact. */
function decisionOf(input: Decision, caller: Caller) {
  const customer = caller.role === 'customer';
  const onBehalfOf = input?.onBehalfOf ?? null;
  if (!customer && !onBehalfOf) throw invalidField('body.onBehalfOf', 'staff recording a decision name the customer’s contact who gave it');
  const channel = customer ? ('portal' as const) : ('phone' as const);
  const reason = input?.reason ?? null;
  return {
    history: { channel, onBehalfOf, reason },
    columns: (now: Date) => ({
      decided_at: now,
      decided_by_type: caller.actor.type,
      decided_by_id: caller.actor.id,
      decision_channel: channel,
      on_behalf_of: onBehalfOf,
      decision_reason: reason,
    }),
  };
}
