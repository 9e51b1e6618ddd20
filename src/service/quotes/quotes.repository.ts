/** SQL for quotes, their lines and status history, and the ticket diagnosis a quote starts from. Methods take the Queryable to run on. */
import type { Actor } from '../../access/audit/audit.service.js';
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import { sqlFilter } from '../../kernel/db/sql-filter.js';
import type { ComputedInvoice, ComputedLine } from '../invoicing/invoice-calculator.js';
import type { ListQuotes, QuoteItem, StoredQuoteStatus } from './quotes.schemas.js';

export interface QuoteRow {
  id: string;
  number: string;
  ticket_id: string;
  ticket_number: string;
  customer_id: string;
  customer_name: string;
  contract_id: string | null;
  contract_number: string | null;
  status: StoredQuoteStatus;
  currency: string;
  estimate: QuoteItem[];
  subtotal: string;
  covered_amount: string;
  total: string;
  cost_total: string;
  warnings: string[];
  valid_until: string;
  note: string | null;
  sent_at: Date | null;
  ticket_held: boolean;
  decided_at: Date | null;
  decided_by_type: string | null;
  decided_by_id: string | null;
  decided_by_name: string | null;
  decision_channel: 'portal' | 'phone' | null;
  on_behalf_of: string | null;
  decision_reason: string | null;
  withdrawn_at: Date | null;
  created_by_type: string;
  created_by_id: string;
  created_by_name: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface QuoteLineRow {
  quote_id: string;
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
}

export interface QuoteHistoryRow {
  id: string;
  from_status: StoredQuoteStatus | null;
  to_status: StoredQuoteStatus;
  at: Date;
  actor_type: string;
  actor_id: string;
  reason: string | null;
  channel: 'portal' | 'phone' | null;
  on_behalf_of: string | null;
}

/** The ticket's diagnosis: the auto-ticket prefill (labour, skill, proposed parts) and the parts reserved for it. */
export interface TicketDiagnosis {
  labourHours: number | null;
  skill: string | null;
  title: string | null;
  proposed: { sku: string; description: string | null; quantity: number }[];
  reserved: { sku: string; quantity: number }[];
}

export const ACCEPTED_TICKET_INDEX = 'quotes_accepted_ticket_idx';

const COLUMNS = `q.id, q.number, q.ticket_id, t.number AS ticket_number, q.customer_id, c.name AS customer_name, q.contract_id,
  sc.number AS contract_number, q.status, q.currency, q.estimate, q.subtotal::text AS subtotal, q.covered_amount::text AS covered_amount,
  q.total::text AS total, q.cost_total::text AS cost_total, q.warnings, q.valid_until::text AS valid_until, q.note, q.sent_at, q.ticket_held,
  q.decided_at, q.decided_by_type, q.decided_by_id, du.name AS decided_by_name, q.decision_channel, q.on_behalf_of, q.decision_reason,
  q.withdrawn_at, q.created_by_type, q.created_by_id, cu.name AS created_by_name, q.version, q.created_at, q.updated_at`;
const FROM = `quotes q JOIN tickets t ON t.id = q.ticket_id JOIN customers c ON c.id = q.customer_id
  LEFT JOIN service_contracts sc ON sc.id = q.contract_id
  LEFT JOIN users du ON q.decided_by_type = 'user' AND du.id::text = q.decided_by_id
  LEFT JOIN users cu ON q.created_by_type = 'user' AND cu.id::text = q.created_by_id`;

const SORT_COLUMNS: Record<string, SortColumn> = {
  createdAt: { expr: 'q.created_at', type: 'timestamptz' },
  validUntil: { expr: 'q.valid_until::text', type: 'text' },
  number: { expr: 'q.number', type: 'text' },
};

export type QuotePricing = Pick<ComputedInvoice, 'lines' | 'subtotal' | 'coveredAmount' | 'total' | 'costTotal' | 'warnings'>;

export class QuotesRepository {
  async insert(
    q: Queryable,
    v: { ticketId: string; customerId: string; contractId: string | null; currency: string; validUntil: string; note: string | null; actor: Actor; now: Date },
  ): Promise<string> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO quotes (number, ticket_id, customer_id, contract_id, status, currency, valid_until, note, created_by_type, created_by_id, created_at, updated_at)
       VALUES ('QUO-' || $9 || '-' || lpad(nextval('quote_number_seq')::text, 6, '0'), $1, $2, $3, 'draft', $4, $5, $6, $7, $8, $10, $10) RETURNING id`,
      [v.ticketId, v.customerId, v.contractId, v.currency, v.validUntil, v.note, v.actor.type, v.actor.id, String(v.now.getUTCFullYear()), v.now],
    );
    return rows[0]!.id;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<QuoteRow | undefined> {
    if (options.lock) await q.query('SELECT 1 FROM quotes WHERE id = $1 FOR UPDATE', [id]);
    const { rows } = await q.query<QuoteRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE q.id = $1`, [id]);
    return rows[0];
  }

  /** The ticket's accepted quote, if any. */
  async acceptedFor(q: Queryable, ticketId: string): Promise<QuoteRow | undefined> {
    const { rows } = await q.query<QuoteRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE q.ticket_id = $1 AND q.status = 'accepted'`, [ticketId]);
    return rows[0];
  }

  /** Replaces the estimate, the lines and the totals. */
  async writePricing(q: Queryable, id: string, estimate: readonly QuoteItem[], priced: QuotePricing, now: Date): Promise<void> {
    await q.query('DELETE FROM quote_lines WHERE quote_id = $1', [id]);
    if (priced.lines.length > 0) {
      const params: unknown[] = [];
      const tuples = priced.lines.map((l, i) => {
        const values = [id, i + 1, l.kind, l.description, l.quantity, l.unitPrice, l.amount, l.cost, l.minutes, l.sku, l.skill];
        const base = params.length;
        params.push(...values);
        return `(${values.map((_, k) => `$${base + k + 1}`).join(', ')})`;
      });
      await q.query(
        `INSERT INTO quote_lines (quote_id, position, kind, description, quantity, unit_price, amount, cost, minutes, sku, skill) VALUES ${tuples.join(', ')}`,
        params,
      );
    }
    await q.query(
      `UPDATE quotes SET estimate = $2, subtotal = $3, covered_amount = $4, total = $5, cost_total = $6, warnings = $7, updated_at = $8, version = version + 1
       WHERE id = $1`,
      [id, JSON.stringify(estimate), priced.subtotal, priced.coveredAmount, priced.total, priced.costTotal, JSON.stringify(priced.warnings), now],
    );
  }

  /** Sets the given columns (trusted names from the service) and bumps the version. */
  async update(q: Queryable, id: string, changes: Record<string, unknown>, now: Date): Promise<void> {
    const entries = Object.entries(changes);
    const sets = entries.map(([column], i) => `${column} = $${i + 3}`);
    await q.query(`UPDATE quotes SET ${[...sets, 'updated_at = $2', 'version = version + 1'].join(', ')} WHERE id = $1`, [
      id,
      now,
      ...entries.map(([, value]) => value),
    ]);
  }

  async addHistory(
    q: Queryable,
    quoteId: string,
    h: {
      from: StoredQuoteStatus | null;
      to: StoredQuoteStatus;
      at: Date;
      actor: Actor;
      reason?: string | null;
      channel?: string | null;
      onBehalfOf?: string | null;
    },
  ): Promise<void> {
    await q.query(
      `INSERT INTO quote_status_history (quote_id, from_status, to_status, at, actor_type, actor_id, reason, channel, on_behalf_of)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [quoteId, h.from, h.to, h.at, h.actor.type, h.actor.id, h.reason ?? null, h.channel ?? null, h.onBehalfOf ?? null],
    );
  }

  async history(q: Queryable, quoteId: string): Promise<QuoteHistoryRow[]> {
    const { rows } = await q.query<QuoteHistoryRow>(
      `SELECT id::text AS id, from_status, to_status, at, actor_type, actor_id, reason, channel, on_behalf_of
       FROM quote_status_history WHERE quote_id = $1 ORDER BY quote_status_history.id`,
      [quoteId],
    );
    return rows;
  }

  async lines(q: Queryable, quoteIds: readonly string[]): Promise<QuoteLineRow[]> {
    if (quoteIds.length === 0) return [];
    const { rows } = await q.query<QuoteLineRow>(
      `SELECT quote_id, position, kind, description, quantity::text AS quantity, unit_price::text AS unit_price, amount::text AS amount,
              cost::text AS cost, minutes, sku, skill
       FROM quote_lines WHERE quote_id = ANY($1::uuid[]) ORDER BY quote_id, position`,
      [[...quoteIds]],
    );
    return rows;
  }

  /** A page of quotes. `today` (YYYY-MM-DD) splits sent from expired; customers never see drafts. */
  async list(q: Queryable, query: ListQuotes, scope: { customerId?: string | undefined; today: string }): Promise<Page<QuoteRow>> {
    const { params, where, add } = sqlFilter();
    add(scope.customerId ?? query.customerId, (n) => `q.customer_id = $${n}`);
    if (scope.customerId) where.push("q.status <> 'draft'");
    add(query.ticketId, (n) => `q.ticket_id = $${n}`);
    if (query.status === 'expired' || query.status === 'sent') {
      add(scope.today, (n) => `q.status = 'sent' AND q.valid_until ${query.status === 'expired' ? '<' : '>='} $${n}::date`);
    } else {
      add(query.status, (n) => `q.status = $${n}`);
    }
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 'q.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<QuoteRow & { sort_key: string }>(
      `SELECT ${COLUMNS}, ${page.sortKeySelect} FROM ${FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }

  async diagnosis(q: Queryable, ticketId: string): Promise<TicketDiagnosis> {
    const { rows } = await q.query<{
      prefill: { labourHours?: number | null; requiredSkill?: string | null; fault?: { title?: string }; parts?: TicketDiagnosis['proposed'] };
    }>('SELECT prefill FROM ticket_autofill WHERE ticket_id = $1', [ticketId]);
    const prefill = rows[0]?.prefill;
    const reserved = await q.query<{ sku: string; quantity: number }>(
      `SELECT p.sku, sum(r.quantity - r.released)::float8 AS quantity FROM stock_reservations r JOIN parts p ON p.id = r.part_id
       WHERE r.ticket_id = $1 AND r.quantity > r.released GROUP BY p.sku ORDER BY p.sku`,
      [ticketId],
    );
    return {
      labourHours: prefill?.labourHours ?? null,
      skill: prefill?.requiredSkill ?? null,
      title: prefill?.fault?.title ?? null,
      proposed: (prefill?.parts ?? []).map((p) => ({ sku: p.sku, description: p.description ?? null, quantity: Number(p.quantity) })),
      reserved: reserved.rows,
    };
  }
}
