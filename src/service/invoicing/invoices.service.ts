/**
 * Invoice rules. A draft is made from a resolved (or closed) ticket and recomputed on demand
 * while it is a draft; issuing recomputes it once more under the contract's lock, draws the
 * prepaid minutes not drawn yet (ledger + labour entry, same transaction) and takes the next
 * gap-free number of the year. draft → issued → paid; void from draft or issued. One non-void
 * invoice per ticket (unique partial index → ALREADY_INVOICED); voiding frees the ticket.
 *
 * Prepaid model: a prepaid minute belongs to a labour entry (`visit_labour.prepaid_minutes`),
 * whether it was drawn when the labour was recorded or at issue. It is drawn once: a voided
 * invoice leaves the ledger as it is, and the next invoice shows those minutes as prepaid again.
 * With an agreed basis (an accepted quote, `options.basis`) its lines are charged instead.
 */
import { recordAudit, type Actor } from '../../access/audit/audit.service.js';
import { ContractsRepository, type ContractRow } from '../contracts/contracts.repository.js';
import { drawDownPrepaid } from '../contracts/contracts.service.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { AppError, conflict, notFound } from '../../kernel/errors.js';
import type { Role } from '../../kernel/caller.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { invalidField } from '../../kernel/errors.js';
import { isUniqueViolation } from '../../kernel/db/database-errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { computeInvoice, DEFAULT_TRAVEL_POLICY, type ComputedInvoice, type TravelPolicy } from './invoice-calculator.js';
import { InvoiceWorkRepository, type InvoiceTicket } from './invoice-work.repository.js';
import type { InvoiceBasisPort } from './invoice-basis.js';
import { contractTerms } from './invoice-estimate.js';
import { InvoicesRepository, OPEN_TICKET_INDEX, type InvoiceRow, type LineRow, type RateRow } from './invoices.repository.js';
import {
  rangeEnd,
  rangeStart,
  type CreateInvoice,
  type ExportInvoices,
  type Invoice,
  type InvoiceStatus,
  type LabourRate,
  type ListInvoices,
  type PayInvoice,
  type PutLabourRate,
  type VoidInvoice,
} from './invoicing.schemas.js';

export interface InvoicingOptions {
  /** How travel is charged per visit. Default: a flat 45.00 per visit (DEFAULT_TRAVEL_POLICY). */
  readonly travel?: Partial<TravelPolicy>;
  /** Hourly cost of a technician without `technician_profiles.hourly_cost`. Default 45.00. */
  readonly defaultHourlyCost?: number;
  /** Currency of invoices for tickets without a contract. Default 'EUR'. */
  readonly defaultCurrency?: string;
  /** Invoice numbers read `<prefix>-<year>-<6 digits>`. Default 'INV'. */
  readonly numberPrefix?: string;
  /** What the customer agreed before the work (an accepted quote): charged instead of the recorded work. Default none. */
  readonly basis?: InvoiceBasisPort | undefined;
}

/** Who reads: customers see only their own issued and paid invoices, without our costs. */
export interface InvoiceView {
  readonly role: Role;
  readonly customerId?: string | undefined;
}

/** Ticket statuses an invoice can be made (and issued) for. */
export const INVOICEABLE_TICKET_STATUSES: readonly string[] = ['resolved', 'closed'];
const CUSTOMER_STATUSES: readonly InvoiceStatus[] = ['issued', 'paid'];
const EXPORT_DEFAULT_STATUSES: readonly InvoiceStatus[] = ['issued', 'paid'];

export class InvoicesService {
  private readonly repo = new InvoicesRepository();
  private readonly work = new InvoiceWorkRepository();
  private readonly contracts = new ContractsRepository();
  private readonly travel: TravelPolicy;
  private readonly defaultHourlyCost: number;
  private readonly defaultCurrency: string;
  private readonly numberPrefix: string;
  private readonly basis: InvoiceBasisPort | undefined;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
    options: InvoicingOptions = {},
  ) {
    this.travel = Object.freeze({ ...DEFAULT_TRAVEL_POLICY, ...options.travel });
    this.defaultHourlyCost = options.defaultHourlyCost ?? 45;
    this.defaultCurrency = options.defaultCurrency ?? 'EUR';
    this.numberPrefix = options.numberPrefix ?? 'INV';
    this.basis = options.basis;
  }

  /** A draft for a resolved ticket. A ticket with a non-void invoice → ALREADY_INVOICED. */
  async createDraft(ticketId: string, input: CreateInvoice, actor: Actor): Promise<Invoice> {
    const now = this.clock.now();
    let id: string;
    try {
      id = await this.db.transaction(async (tx) => {
        const ticket = await this.invoiceableTicket(tx, ticketId);
        const open = await this.repo.openForTicket(tx, ticketId);
        if (open) throw alreadyInvoiced(ticket.number, open);
        const contract = ticket.contract_id ? await this.contracts.find(tx, ticket.contract_id) : undefined;
        const invoiceId = await this.repo.insert(tx, {
          ticketId,
          customerId: ticket.customer_id,
          contractId: contract?.id ?? null,
          currency: contract?.currency ?? this.defaultCurrency,
          notes: input?.notes ?? null,
          actor,
          now,
        });
        const computed = await this.compute(tx, ticket, contract, 'draft');
        await this.repo.writeComputation(
          tx,
          invoiceId,
          { ...computed, contractId: contract?.id ?? null, currency: contract?.currency ?? this.defaultCurrency },
          now,
        );
        await recordAudit(tx, actor, { entity: 'invoice', entityId: invoiceId, action: 'create', changes: { ticketId, total: computed.total } });
        return invoiceId;
      });
    } catch (error) {
      if (isUniqueViolation(error, OPEN_TICKET_INDEX)) throw new AppError('ALREADY_INVOICED', `Ticket ${ticketId} already has an invoice`, { ticketId });
      throw error;
    }
    return this.load(this.db, id);
  }

  /** Recomputes a draft from the ticket's current work, rates and terms. */
  async recompute(id: string, actor: Actor, ifMatch?: '*' | number[]): Promise<Invoice> {
    await this.db.transaction(async (tx) => {
      const invoice = await this.lockedInvoice(tx, id, ifMatch);
      if (invoice.status !== 'draft')
        throw conflict(`Invoice ${invoice.number ?? id} is ${invoice.status}; only drafts are recomputed`, { status: invoice.status });
      const ticket = await this.invoiceableTicket(tx, invoice.ticket_id);
      const contract = ticket.contract_id ? await this.contracts.find(tx, ticket.contract_id) : undefined;
      const computed = await this.compute(tx, ticket, contract, 'draft');
      await this.repo.writeComputation(
        tx,
        id,
        { ...computed, contractId: contract?.id ?? null, currency: contract?.currency ?? this.defaultCurrency },
        this.clock.now(),
      );
      await recordAudit(tx, actor, {
        entity: 'invoice',
        entityId: id,
        action: 'recompute',
        changes: { total: { from: Number(invoice.total), to: computed.total } },
      });
    });
    return this.load(this.db, id);
  }

  /** Issues a draft: final computation, prepaid draws, number. A second issue → ALREADY_INVOICED. */
  async issue(id: string, actor: Actor, ifMatch?: '*' | number[]): Promise<Invoice> {
    await this.db.transaction(async (tx) => {
      const invoice = await this.lockedInvoice(tx, id, ifMatch);
      if (invoice.status === 'issued' || invoice.status === 'paid') throw alreadyInvoiced(invoice.ticket_number, invoice);
      if (invoice.status !== 'draft') throw conflict(`Invoice ${id} is ${invoice.status}; only a draft can be issued`, { status: invoice.status });
      const ticket = await this.invoiceableTicket(tx, invoice.ticket_id);
      // The contract row lock serialises issues drawing from the same prepaid balance.
      const contract = ticket.contract_id ? await this.contracts.find(tx, ticket.contract_id, { lock: true }) : undefined;
      const computed = await this.compute(tx, ticket, contract, 'issue');
      const now = this.clock.now();
      const year = now.getUTCFullYear();
      const number = `${this.numberPrefix}-${year}-${String(await this.repo.nextNumber(tx, year)).padStart(6, '0')}`;
      for (const draw of computed.draws) {
        await drawDownPrepaid(tx, this.contracts, contract!.id, draw.minutes, {
          actor,
          at: now,
          reason: `invoice ${number} for ${ticket.number}`,
          ticketId: ticket.id,
          visitId: draw.visitId,
          labourEntryId: draw.labourEntryId,
        });
        const moved = await tx.query('UPDATE visit_labour SET prepaid_minutes = prepaid_minutes + $2 WHERE id = $1 AND prepaid_minutes + $2 <= minutes', [
          draw.labourEntryId,
          draw.minutes,
        ]);
        if (moved.rowCount !== 1) throw conflict(`Labour entry ${draw.labourEntryId} changed while the invoice was issued; retry`);
      }
      await this.repo.writeComputation(tx, id, { ...computed, contractId: contract?.id ?? null, currency: contract?.currency ?? this.defaultCurrency }, now);
      await this.repo.setStatus(tx, id, { status: 'issued', now, number, issuedAt: now });
      const drawn = computed.draws.reduce((s, d) => s + d.minutes, 0);
      await recordAudit(tx, actor, {
        entity: 'invoice',
        entityId: id,
        action: 'issue',
        changes: { number, total: computed.total, currency: invoice.currency, prepaidMinutesDrawn: drawn },
      });
    });
    return this.load(this.db, id);
  }

  async markPaid(id: string, input: PayInvoice, actor: Actor, ifMatch?: '*' | number[]): Promise<Invoice> {
    await this.db.transaction(async (tx) => {
      const invoice = await this.lockedInvoice(tx, id, ifMatch);
      if (invoice.status !== 'issued')
        throw conflict(`Invoice ${invoice.number ?? id} is ${invoice.status}; only an issued invoice can be paid`, { status: invoice.status });
      const now = this.clock.now();
      const paidAt = input.paidAt ? new Date(input.paidAt) : now;
      if (paidAt < invoice.issued_at!) throw invalidField('body.paidAt', `paidAt must not be before the issue time ${invoice.issued_at!.toISOString()}`);
      await this.repo.setStatus(tx, id, { status: 'paid', now, paidAt, paymentReference: input.reference ?? null });
      await recordAudit(tx, actor, {
        entity: 'invoice',
        entityId: id,
        action: 'paid',
        changes: { number: invoice.number, paidAt: paidAt.toISOString(), reference: input.reference ?? null },
      });
    });
    return this.load(this.db, id);
  }

  /** Voids a draft or an issued invoice; the ticket may then be invoiced again. Prepaid draws stay. */
  async void(id: string, input: VoidInvoice, actor: Actor, ifMatch?: '*' | number[]): Promise<Invoice> {
    await this.db.transaction(async (tx) => {
      const invoice = await this.lockedInvoice(tx, id, ifMatch);
      if (invoice.status !== 'draft' && invoice.status !== 'issued') {
        throw conflict(`Invoice ${invoice.number ?? id} is ${invoice.status}; only drafts and issued invoices can be voided`, { status: invoice.status });
      }
      await this.repo.setStatus(tx, id, { status: 'void', now: this.clock.now(), voidReason: input.reason });
      await recordAudit(tx, actor, {
        entity: 'invoice',
        entityId: id,
        action: 'void',
        changes: { number: invoice.number, from: invoice.status, reason: input.reason },
      });
    });
    return this.load(this.db, id);
  }

  async get(id: string, view: InvoiceView): Promise<Invoice> {
    const row = await this.repo.find(this.db, id);
    if (!row || !visibleTo(row, view)) throw notFound('invoice', id);
    return forView((await this.hydrate(this.db, [row]))[0]!, view);
  }

  async list(query: ListInvoices, view: InvoiceView): Promise<Page<Invoice>> {
    const customer = view.role === 'customer';
    if (customer && query.customerId && query.customerId !== view.customerId) return { items: [], nextCursor: null };
    const page = await this.repo.list(this.db, query, customer ? { customerId: view.customerId, visibleStatuses: CUSTOMER_STATUSES } : {});
    return { items: (await this.hydrate(this.db, page.items)).map((i) => forView(i, view)), nextCursor: page.nextCursor };
  }

  /** Invoices with their lines for the ERP, oldest first; `truncated` when more matched than the limit. */
  async exportInvoices(query: ExportInvoices): Promise<{ items: Invoice[]; truncated: boolean }> {
    const rows = await this.repo.exportRows(this.db, {
      statuses: query.status ? [query.status] : EXPORT_DEFAULT_STATUSES,
      from: query.from ? rangeStart(query.from) : undefined,
      to: query.to ? rangeEnd(query.to) : undefined,
      limit: query.limit,
    });
    return { items: await this.hydrate(this.db, rows.slice(0, query.limit)), truncated: rows.length > query.limit };
  }

  async labourRates(): Promise<LabourRate[]> {
    return (await this.repo.rates(this.db)).map(toRate);
  }

  async putLabourRate(skill: string, input: PutLabourRate, actor: Actor): Promise<LabourRate> {
    return this.db.transaction(async (tx) => {
      const row = await this.repo.putRate(tx, skill, input.hourlyRate, input.overtimeMultiplier, this.clock.now());
      await recordAudit(tx, actor, { entity: 'labour_rate', entityId: skill, action: 'put', changes: { ...input } });
      return toRate(row);
    });
  }

  private async compute(tx: Queryable, ticket: InvoiceTicket, contract: ContractRow | undefined, mode: 'draft' | 'issue'): Promise<ComputedInvoice> {
    const agreed = await this.basis?.agreedFor(tx, ticket.id);
    if (agreed) return agreed;
    const rates = await this.work.rates(tx);
    const work = await this.work.work(tx, ticket, this.defaultHourlyCost);
    const computed = computeInvoice({
      ...work,
      rates,
      travel: this.travel,
      warrantyEnd: ticket.warranty_end,
      contract: contract ? contractTerms(contract) : null,
    });
    const projected = computed.draws.reduce((s, d) => s + d.minutes, 0);
    if (mode === 'draft' && projected > 0) {
      computed.warnings.push(
        `${projected} prepaid minutes will be drawn from contract ${contract!.number} at issue (balance now ${contract!.prepaid_minutes_balance}); issuing recomputes with the balance then`,
      );
    }
    if (computed.lines.length === 0) computed.warnings.push('No work recorded on the ticket: nothing to charge');
    return computed;
  }

  private async invoiceableTicket(tx: Queryable, ticketId: string): Promise<InvoiceTicket> {
    const ticket = await this.work.ticket(tx, ticketId, { lock: true });
    if (!ticket) throw notFound('ticket', ticketId);
    if (!INVOICEABLE_TICKET_STATUSES.includes(ticket.status)) {
      throw conflict(`Ticket ${ticket.number} is ${ticket.status}; only resolved or closed tickets are invoiced`, { ticketStatus: ticket.status });
    }
    return ticket;
  }

  private async lockedInvoice(tx: Queryable, id: string, ifMatch: '*' | number[] | undefined): Promise<InvoiceRow> {
    const invoice = await this.repo.find(tx, id, { lock: true });
    if (!invoice) throw notFound('invoice', id);
    checkVersion(ifMatch, invoice.version, `invoice ${id}`);
    return invoice;
  }

  private async load(q: Queryable, id: string): Promise<Invoice> {
    return (await this.hydrate(q, [(await this.repo.find(q, id))!]))[0]!;
  }

  private async hydrate(q: Queryable, rows: InvoiceRow[]): Promise<Invoice[]> {
    const lines = await this.repo.lines(
      q,
      rows.map((r) => r.id),
    );
    const byInvoice = new Map<string, LineRow[]>();
    for (const line of lines) {
      const list = byInvoice.get(line.invoice_id);
      if (list) list.push(line);
      else byInvoice.set(line.invoice_id, [line]);
    }
    return rows.map((row) => toInvoice(row, byInvoice.get(row.id) ?? []));
  }
}

function alreadyInvoiced(ticketNumber: string, open: { id: string; status: InvoiceStatus; number: string | null }): AppError {
  return new AppError(
    'ALREADY_INVOICED',
    `Ticket ${ticketNumber} already has ${open.status} invoice ${open.number ?? open.id}; void it first to invoice again`,
    {
      invoiceId: open.id,
      invoiceStatus: open.status,
      invoiceNumber: open.number,
    },
  );
}

function visibleTo(row: InvoiceRow, view: InvoiceView): boolean {
  return view.role !== 'customer' || (row.customer_id === view.customerId && CUSTOMER_STATUSES.includes(row.status));
}

/** Back-office warnings are not for customers (their money fields follow the money rule, src/access/auth/money.ts). */
function forView(invoice: Invoice, view: InvoiceView): Invoice {
  if (view.role !== 'customer') return invoice;
  const { warnings: _warnings, ...shown } = invoice;
  return shown;
}

function toRate(row: RateRow): LabourRate {
  return {
    skill: row.skill,
    hourlyRate: Number(row.hourly_rate),
    overtimeMultiplier: Number(row.overtime_multiplier),
    version: row.version,
    updatedAt: row.updated_at.toISOString(),
  };
}

function toInvoice(row: InvoiceRow, lines: LineRow[]): Invoice {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    ticketId: row.ticket_id,
    ticketNumber: row.ticket_number,
    customerId: row.customer_id,
    customerName: row.customer_name,
    contractId: row.contract_id,
    contractNumber: row.contract_number,
    currency: row.currency,
    subtotal: Number(row.subtotal),
    coveredAmount: Number(row.covered_amount),
    total: Number(row.total),
    costTotal: Number(row.cost_total),
    prepaidMinutes: row.prepaid_minutes,
    warnings: row.warnings,
    notes: row.notes,
    lines: lines.map((l) => ({
      id: l.id,
      position: l.position,
      kind: l.kind,
      description: l.description,
      quantity: Number(l.quantity),
      unitPrice: Number(l.unit_price),
      amount: Number(l.amount),
      cost: Number(l.cost),
      minutes: l.minutes,
      sku: l.sku,
      skill: l.skill,
      visitId: l.visit_id,
      labourEntryId: l.labour_entry_id,
      partEntryId: l.part_entry_id,
    })),
    issuedAt: iso(row.issued_at),
    paidAt: iso(row.paid_at),
    paymentReference: row.payment_reference,
    voidedAt: iso(row.voided_at),
    voidReason: row.void_reason,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
