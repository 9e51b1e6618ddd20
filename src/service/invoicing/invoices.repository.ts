/** SQL for invoices, their lines, the yearly number counter and labour rates. Methods take the Queryable to run on. */
import type { Actor } from '../../access/audit/audit.service.js';
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { ComputedInvoice, ComputedLine } from './invoice-calculator.js';
import type { InvoiceStatus, ListInvoices } from './invoicing.schemas.js';
import { sqlFilter } from '../../kernel/db/sql-filter.js';

export interface InvoiceRow {
  id: string;
  number: string | null;
  ticket_id: string;
  ticket_number: string;
  customer_id: string;
  customer_name: string;
  contract_id: string | null;
  contract_number: string | null;
  status: InvoiceStatus;
  currency: string;
  subtotal: string;
  covered_amount: string;
  total: string;
  cost_total: string;
  prepaid_minutes: number;
  warnings: string[];
  notes: string | null;
  issued_at: Date | null;
  paid_at: Date | null;
  payment_reference: string | null;
  voided_at: Date | null;
  void_reason: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface LineRow {
  id: string;
  invoice_id: string;
  position: number;
  kind: ComputedLine['kind'];
  description: string;
  quantity: string;
  unit_price: string;
  amount: string;
  cost: string;
  minutes: number | null;
  sku: string | null;
  skill: string | null;
  visit_id: string | null;
  labour_entry_id: string | null;
  part_entry_id: string | null;
}

export interface RateRow {
  skill: string;
  hourly_rate: string;
  overtime_multiplier: string;
  version: number;
  updated_at: Date;
}

/** The unique partial index: one non-void invoice per ticket. */
export const OPEN_TICKET_INDEX = 'invoices_open_ticket_idx';

const COLUMNS = `i.id, i.number, i.ticket_id, t.number AS ticket_number, i.customer_id, c.name AS customer_name, i.contract_id,
  sc.number AS contract_number, i.status, i.currency, i.subtotal::text AS subtotal, i.covered_amount::text AS covered_amount,
  i.total::text AS total, i.cost_total::text AS cost_total, i.prepaid_minutes, i.warnings, i.notes, i.issued_at, i.paid_at,
  i.payment_reference, i.voided_at, i.void_reason, i.version, i.created_at, i.updated_at`;
const FROM = `invoices i JOIN tickets t ON t.id = i.ticket_id JOIN customers c ON c.id = i.customer_id
  LEFT JOIN service_contracts sc ON sc.id = i.contract_id`;

const SORT_COLUMNS: Record<string, SortColumn> = {
  createdAt: { expr: 'i.created_at', type: 'timestamptz' },
  /** Drafts sort by their creation time. */
  issuedAt: { expr: 'COALESCE(i.issued_at, i.created_at)', type: 'timestamptz' },
  number: { expr: "COALESCE(i.number, '')", type: 'text' },
};

export type InvoiceTotals = Pick<ComputedInvoice, 'subtotal' | 'coveredAmount' | 'total' | 'costTotal' | 'prepaidMinutes' | 'warnings'>;

export class InvoicesRepository {
  async insert(
    q: Queryable,
    values: { ticketId: string; customerId: string; contractId: string | null; currency: string; notes: string | null; actor: Actor; now: Date },
  ): Promise<string> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO invoices (ticket_id, customer_id, contract_id, status, currency, notes, created_by_type, created_by_id, created_at, updated_at)
       VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $8) RETURNING id`,
      [values.ticketId, values.customerId, values.contractId, values.currency, values.notes, values.actor.type, values.actor.id, values.now],
    );
    return rows[0]!.id;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<InvoiceRow | undefined> {
    if (options.lock) await q.query('SELECT 1 FROM invoices WHERE id = $1 FOR UPDATE', [id]);
    const { rows } = await q.query<InvoiceRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE i.id = $1`, [id]);
    return rows[0];
  }

  /** The ticket's non-void invoice, if any. */
  async openForTicket(q: Queryable, ticketId: string): Promise<{ id: string; status: InvoiceStatus; number: string | null } | undefined> {
    const { rows } = await q.query<{ id: string; status: InvoiceStatus; number: string | null }>(
      "SELECT id, status, number FROM invoices WHERE ticket_id = $1 AND status <> 'void'",
      [ticketId],
    );
    return rows[0];
  }

  /** Replaces the lines and the totals of an invoice. */
  async writeComputation(
    q: Queryable,
    id: string,
    computed: InvoiceTotals & { lines: readonly ComputedLine[]; contractId: string | null; currency: string },
    now: Date,
  ): Promise<void> {
    await q.query('DELETE FROM invoice_lines WHERE invoice_id = $1', [id]);
    const columns = [
      'invoice_id',
      'position',
      'kind',
      'description',
      'quantity',
      'unit_price',
      'amount',
      'cost',
      'minutes',
      'sku',
      'skill',
      'visit_id',
      'labour_entry_id',
      'part_entry_id',
    ];
    const chunk = 200;
    for (let start = 0; start < computed.lines.length; start += chunk) {
      const params: unknown[] = [];
      const tuples = computed.lines.slice(start, start + chunk).map((l, i) => {
        const values = [
          id,
          start + i + 1,
          l.kind,
          l.description,
          l.quantity,
          l.unitPrice,
          l.amount,
          l.cost,
          l.minutes,
          l.sku,
          l.skill,
          l.visitId,
          l.labourEntryId,
          l.partEntryId,
        ];
        const base = params.length;
        params.push(...values);
        return `(${values.map((_, k) => `$${base + k + 1}`).join(', ')})`;
      });
      await q.query(`INSERT INTO invoice_lines (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params);
    }
    await q.query(
      `UPDATE invoices SET subtotal = $2, covered_amount = $3, total = $4, cost_total = $5, prepaid_minutes = $6, warnings = $7,
         contract_id = $9, currency = $10, updated_at = $8, version = version + 1 WHERE id = $1`,
      [
        id,
        computed.subtotal,
        computed.coveredAmount,
        computed.total,
        computed.costTotal,
        computed.prepaidMinutes,
        JSON.stringify(computed.warnings),
        now,
        computed.contractId,
        computed.currency,
      ],
    );
  }

  async setStatus(
    q: Queryable,
    id: string,
    values: { status: InvoiceStatus; now: Date; number?: string; issuedAt?: Date; paidAt?: Date; paymentReference?: string | null; voidReason?: string },
  ): Promise<void> {
    await q.query(
      `UPDATE invoices SET status = $2, updated_at = $3, version = version + 1,
         number = COALESCE($4, number), issued_at = COALESCE($5, issued_at), paid_at = COALESCE($6, paid_at),
         payment_reference = COALESCE($7, payment_reference),
         voided_at = CASE WHEN $2 = 'void' THEN $3 ELSE voided_at END, void_reason = COALESCE($8, void_reason)
       WHERE id = $1`,
      [
        id,
        values.status,
        values.now,
        values.number ?? null,
        values.issuedAt ?? null,
        values.paidAt ?? null,
        values.paymentReference ?? null,
        values.voidReason ?? null,
      ],
    );
  }

  /** Next number of `year`, taken under the counter row's lock: gap-free, rolled back with the transaction. */
  async nextNumber(q: Queryable, year: number): Promise<number> {
    const { rows } = await q.query<{ last_number: number }>(
      `INSERT INTO invoice_number_counters (year, last_number) VALUES ($1, 1)
       ON CONFLICT (year) DO UPDATE SET last_number = invoice_number_counters.last_number + 1 RETURNING last_number`,
      [year],
    );
    return rows[0]!.last_number;
  }

  async lines(q: Queryable, invoiceIds: readonly string[]): Promise<LineRow[]> {
    if (invoiceIds.length === 0) return [];
    const { rows } = await q.query<LineRow>(
      `SELECT id, invoice_id, position, kind, description, quantity::text AS quantity, unit_price::text AS unit_price, amount::text AS amount,
              cost::text AS cost, minutes, sku, skill, visit_id, labour_entry_id, part_entry_id
       FROM invoice_lines WHERE invoice_id = ANY($1::uuid[]) ORDER BY invoice_id, position`,
      [[...invoiceIds]],
    );
    return rows;
  }

  /** A page of invoices; `visibleStatuses` narrows what the caller may see (customers: issued and paid). */
  async list(
    q: Queryable,
    query: ListInvoices,
    scope: { customerId?: string | undefined; visibleStatuses?: readonly InvoiceStatus[] },
  ): Promise<Page<InvoiceRow>> {
    const { params, where, add } = sqlFilter();
    add(scope.customerId ?? query.customerId, (n) => `i.customer_id = $${n}`);
    add(scope.visibleStatuses ? [...scope.visibleStatuses] : undefined, (n) => `i.status = ANY($${n}::text[])`);
    add(query.status, (n) => `i.status = $${n}`);
    add(query.ticketId, (n) => `i.ticket_id = $${n}`);
    add(query.contractId, (n) => `i.contract_id = $${n}`);
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 'i.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<InvoiceRow & { sort_key: string }>(
      `SELECT ${COLUMNS}, ${page.sortKeySelect} FROM ${FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }

  /**
   * Invoices for the ERP, oldest first: by issue time (drafts: creation time) in [from, to).
   * Fetches limit + 1 rows so the caller knows whether the export was truncated.
   */
  async exportRows(
    q: Queryable,
    filter: { statuses: readonly InvoiceStatus[]; from?: Date | undefined; to?: Date | undefined; limit: number },
  ): Promise<InvoiceRow[]> {
    const at = 'COALESCE(i.issued_at, i.created_at)';
    const params: unknown[] = [[...filter.statuses]];
    const where = ['i.status = ANY($1::text[])'];
    if (filter.from) {
      params.push(filter.from);
      where.push(`${at} >= $${params.length}`);
    }
    if (filter.to) {
      params.push(filter.to);
      where.push(`${at} < $${params.length}`);
    }
    const { rows } = await q.query<InvoiceRow>(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE ${where.join(' AND ')} ORDER BY ${at}, i.number, i.id LIMIT ${filter.limit + 1}`,
      params,
    );
    return rows;
  }

  async rates(q: Queryable): Promise<RateRow[]> {
    const { rows } = await q.query<RateRow>(
      'SELECT skill, hourly_rate::text AS hourly_rate, overtime_multiplier::text AS overtime_multiplier, version, updated_at FROM labour_rates ORDER BY skill',
    );
    return rows;
  }

  async putRate(q: Queryable, skill: string, hourlyRate: number, overtimeMultiplier: number, now: Date): Promise<RateRow> {
    const { rows } = await q.query<RateRow>(
      `INSERT INTO labour_rates (skill, hourly_rate, overtime_multiplier, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (skill) DO UPDATE SET hourly_rate = EXCLUDED.hourly_rate, overtime_multiplier = EXCLUDED.overtime_multiplier,
         updated_at = EXCLUDED.updated_at, version = labour_rates.version + 1
       RETURNING skill, hourly_rate::text AS hourly_rate, overtime_multiplier::text AS overtime_multiplier, version, updated_at`,
      [skill, hourlyRate, overtimeMultiplier, now],
    );
    return rows[0]!;
  }
}
