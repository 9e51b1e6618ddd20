/**
 * Contract rules: the customer exists, covered assets are the customer's own, validity is
 * ordered, the number is unique, optimistic concurrency on updates, prepaid balance never
 * negative. Every change writes an audit row in the same transaction.
 */
import { diff, recordAudit, type Actor } from '../../access/audit/audit.service.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { AppError, conflict, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import { invalidField } from '../../kernel/errors.js';
import { isUniqueViolation } from '../../kernel/db/database-errors.js';
import type { Page } from '../../kernel/db/keyset.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { ContractsRepository, NUMBER_CONSTRAINT, type ContractRow, type LedgerRow } from './contracts.repository.js';
import type { Contract, CreateContract, LedgerEntry, ListContracts, PrepaidChange, UpdateContract } from './contracts.schemas.js';

/** What the caller may see: customer users only their own contracts. (Financial fields are redacted by the HTTP edge.) */
export interface ContractView {
  readonly customerId?: string | undefined;
}

const FULL_VIEW: ContractView = {};

export class ContractsService {
  private readonly repo = new ContractsRepository();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  async create(input: CreateContract, actor: Actor): Promise<Contract> {
    try {
      const row = await this.db.transaction(async (tx) => {
        const customer = await tx.query('SELECT 1 FROM customers WHERE id = $1', [input.customerId]);
        if (customer.rows.length === 0) throw invalidField('body.customerId', `no customer ${input.customerId}`);
        await this.checkAssets(tx, input.customerId, input.assetIds);
        const id = await this.repo.insert(tx, input);
        await this.repo.setAssets(tx, id, input.assetIds);
        if (input.prepaidMinutes > 0) {
          await this.repo.moveBalance(tx, id, { delta: input.prepaidMinutes, kind: 'purchase', at: this.clock.now(), actor, reason: 'purchased at signature' });
        }
        const created = (await this.repo.find(tx, id))!;
        await recordAudit(tx, actor, { entity: 'contract', entityId: id, action: 'create', changes: toContract(created) });
        return created;
      });
      return toContract(row);
    } catch (error) {
      throw numberConflict(error, input.number);
    }
  }

  async get(id: string, view: ContractView = FULL_VIEW): Promise<Contract> {
    return toContract(await this.visibleRow(this.db, id, view));
  }

  async list(query: ListContracts, view: ContractView = FULL_VIEW): Promise<Page<Contract>> {
    if (view.customerId && query.customerId && query.customerId !== view.customerId) return { items: [], nextCursor: null };
    const page = await this.repo.list(this.db, view.customerId ? { ...query, customerId: view.customerId } : query);
    return { items: page.items.map((r) => toContract(r)), nextCursor: page.nextCursor };
  }

  /** `ifMatch` from parseIfMatch(); a stale version fails with PRECONDITION_FAILED. */
  async update(id: string, patch: UpdateContract, actor: Actor, ifMatch?: '*' | number[]): Promise<Contract> {
    const row = await this.db.transaction(async (tx) => {
      const current = await this.repo.find(tx, id, { lock: true });
      if (!current) throw notFound('contract', id);
      checkVersion(ifMatch, current.version, `contract ${id}`);
      const startsOn = patch.startsOn ?? current.starts_on;
      const endsOn = patch.endsOn === undefined ? current.ends_on : patch.endsOn;
      if (endsOn && endsOn < startsOn) throw invalidField('body.endsOn', `endsOn ${endsOn} must not be before startsOn ${startsOn}`);
      if (patch.assetIds) await this.checkAssets(tx, current.customer_id, patch.assetIds);
      if (Object.values(patch).every((v) => v === undefined)) return current;
      await this.repo.update(tx, id, patch);
      if (patch.assetIds) await this.repo.setAssets(tx, id, patch.assetIds);
      const updated = (await this.repo.find(tx, id))!;
      const { version: _a, updatedAt: _b, ...after } = toContract(updated);
      await recordAudit(tx, actor, { entity: 'contract', entityId: id, action: 'update', changes: diff(toContract(current), after) });
      return updated;
    });
    return toContract(row);
  }

  async topUp(id: string, change: PrepaidChange, actor: Actor): Promise<LedgerEntry> {
    return this.db.transaction(async (tx) => {
      if (!(await this.repo.find(tx, id))) throw notFound('contract', id);
      const entry = (await this.repo.moveBalance(tx, id, { delta: change.minutes, kind: 'top_up', at: this.clock.now(), actor, reason: change.reason }))!;
      await recordAudit(tx, actor, {
        entity: 'contract',
        entityId: id,
        action: 'prepaid.top_up',
        changes: { minutes: change.minutes, balanceAfter: entry.balance_after },
      });
      return toLedgerEntry(entry);
    });
  }

  /** A manual draw-down (e.g. remote support booked without a visit). */
  async drawDown(id: string, change: PrepaidChange, actor: Actor): Promise<LedgerEntry> {
    return this.db.transaction(async (tx) => {
      if (!(await this.repo.find(tx, id))) throw notFound('contract', id);
      if (change.ticketId) {
        const ticket = await tx.query('SELECT 1 FROM tickets WHERE id = $1 AND contract_id = $2', [change.ticketId, id]);
        if (ticket.rows.length === 0) throw invalidField('body.ticketId', `ticket ${change.ticketId} does not fall under contract ${id}`);
      }
      return toLedgerEntry(
        await drawDownPrepaid(tx, this.repo, id, change.minutes, { actor, at: this.clock.now(), reason: change.reason, ticketId: change.ticketId ?? null }),
      );
    });
  }

  async ledger(id: string): Promise<{ contractId: string; balanceMinutes: number; entries: LedgerEntry[] }> {
    const row = await this.repo.find(this.db, id);
    if (!row) throw notFound('contract', id);
    return { contractId: id, balanceMinutes: row.prepaid_minutes_balance, entries: (await this.repo.ledger(this.db, id)).map(toLedgerEntry) };
  }

  private async visibleRow(q: Queryable, id: string, view: ContractView): Promise<ContractRow> {
    const row = await this.repo.find(q, id);
    if (!row || (view.customerId && row.customer_id !== view.customerId)) throw notFound('contract', id);
    return row;
  }

  private async checkAssets(q: Queryable, customerId: string, assetIds: readonly string[]): Promise<void> {
    const foreign = await this.repo.foreignAssets(q, customerId, assetIds);
    if (foreign.length > 0) throw invalidField('body.assetIds', `not assets of customer ${customerId}: ${foreign.join(', ')}`);
  }
}

/**
 * Draws `minutes` from a contract's prepaid balance inside the caller's transaction, with the
 * ledger and audit rows. Insufficient balance → CONFLICT (409) and nothing is written.
 */
export async function drawDownPrepaid(
  tx: Queryable,
  repo: ContractsRepository,
  contractId: string,
  minutes: number,
  context: { actor: Actor; at: Date; reason?: string | undefined; ticketId?: string | null; visitId?: string | null; labourEntryId?: string | null },
): Promise<LedgerRow> {
  const entry = await repo.moveBalance(tx, contractId, { delta: -minutes, kind: 'draw_down', ...context });
  if (!entry) {
    const balance = (await tx.query<{ b: number }>('SELECT prepaid_minutes_balance AS b FROM service_contracts WHERE id = $1', [contractId])).rows[0]?.b ?? 0;
    throw new AppError('CONFLICT', `Contract ${contractId} has ${balance} prepaid minutes left; ${minutes} requested`, {
      contractId,
      balanceMinutes: balance,
      requestedMinutes: minutes,
    });
  }
  await recordAudit(tx, context.actor, {
    entity: 'contract',
    entityId: contractId,
    action: 'prepaid.draw_down',
    changes: { minutes, balanceAfter: entry.balance_after, ticketId: context.ticketId ?? null, visitId: context.visitId ?? null },
  });
  return entry;
}

function numberConflict(error: unknown, number: string | undefined): unknown {
  if (isUniqueViolation(error, NUMBER_CONSTRAINT)) return conflict(`A contract with number ${number} already exists`, { field: 'number' });
  return error;
}

export function toContract(row: ContractRow): Contract {
  return {
    id: row.id,
    customerId: row.customer_id,
    number: row.number,
    name: row.name,
    status: row.status,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    assetIds: row.asset_ids,
    coverage: { labourPercent: Number(row.labour_coverage_pct), partsPercent: Number(row.parts_coverage_pct), travelIncluded: row.travel_included },
    sla: row.sla,
    calendar: row.calendar,
    prepaid: { purchasedMinutes: row.prepaid_minutes_purchased, balanceMinutes: row.prepaid_minutes_balance },
    notes: row.notes,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    value: row.value === null ? null : Number(row.value),
    currency: row.currency,
  };
}

function toLedgerEntry(row: LedgerRow): LedgerEntry {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    kind: row.kind,
    minutes: row.minutes,
    balanceAfter: row.balance_after,
    ticketId: row.ticket_id,
    visitId: row.visit_id,
    labourEntryId: row.labour_entry_id,
    actor: { type: row.actor_type, id: row.actor_id },
    reason: row.reason,
  };
}
