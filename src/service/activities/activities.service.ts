/**
 * Activity rules: linked to at least one of customer, contact, asset, ticket; every link must
 * exist and belong to the same customer (the customer is derived when not given); the author is
 * the caller. Content may be corrected later (optimistic concurrency); links and author are fixed.
 * Customer users read their own customer's activities except internal notes.
 */
import type { Actor } from '../../access/audit/audit.service.js';
import { UNSCOPED, type Scope } from '../../access/auth/principal.js';
import type { Database, Queryable } from '../../kernel/db/database.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { checkVersion } from '../../kernel/db/row-version.js';
import type { Page } from '../../kernel/db/keyset.js';
import type { Clock } from '../../kernel/clock.js';
import { ActivitiesRepository, toActivity, type LinkOwners } from './activities.repository.js';
import type { Activity, CreateActivity, ListActivities, UpdateActivity } from './activities.schemas.js';

const LINKS = [
  ['customer', 'customerId'],
  ['contact', 'contactId'],
  ['asset', 'assetId'],
  ['ticket', 'ticketId'],
] as const;

/** Told of every activity in the transaction that records it (an inbound one on a ticket reaches its technician's phone). */
export type ActivityRecorded = (tx: Queryable, activity: { id: string; ticketId: string | null; direction: string; subject: string }) => Promise<unknown>;

export class ActivitiesService {
  private readonly repo = new ActivitiesRepository();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly recorded?: ActivityRecorded,
  ) {}

  async create(input: CreateActivity, author: Actor): Promise<Activity> {
    const row = await this.db.transaction(async (tx) => {
      const customerId = resolveCustomer(input, await this.repo.linkOwners(tx, input));
      const row = await this.repo.insert(tx, {
        kind: input.kind,
        direction: input.direction ?? 'internal',
        subject: input.subject,
        body: input.body ?? null,
        occurredAt: input.occurredAt ? new Date(input.occurredAt) : this.clock.now(),
        durationMinutes: input.durationMinutes ?? null,
        customerId,
        contactId: input.contactId ?? null,
        assetId: input.assetId ?? null,
        ticketId: input.ticketId ?? null,
        author,
      });
      await this.recorded?.(tx, { id: row.id, ticketId: row.ticket_id, direction: row.direction, subject: row.subject });
      return row;
    });
    return toActivity(row);
  }

  async get(id: string, scope: Scope = UNSCOPED): Promise<Activity> {
    const row = await this.repo.find(this.db, id);
    const hidden = scope.customerId !== undefined && (row?.customer_id !== scope.customerId || row.kind === 'note');
    if (!row || hidden) throw notFound('activity', id);
    return toActivity(row);
  }

  async list(query: ListActivities, scope: Scope = UNSCOPED): Promise<Page<Activity>> {
    const page = await this.repo.list(this.db, query, scope.customerId);
    return { items: page.items.map(toActivity), nextCursor: page.nextCursor };
  }

  async update(id: string, patch: UpdateActivity, ifMatch?: '*' | number[]): Promise<Activity> {
    const row = await this.db.transaction(async (tx) => {
      const current = await this.repo.find(tx, id, { lock: true });
      if (!current) throw notFound('activity', id);
      checkVersion(ifMatch, current.version, `activity ${id}`);
      if (Object.values(patch).every((v) => v === undefined)) return current;
      return this.repo.update(tx, id, patch);
    });
    return toActivity(row);
  }
}

/** The one customer all given links belong to; VALIDATION_FAILED naming each missing or foreign link. */
function resolveCustomer(input: CreateActivity, owners: LinkOwners): string {
  const fields: { field: string; message: string }[] = [];
  let customerId: string | undefined;
  for (const [link, field] of LINKS) {
    const id = input[field];
    if (id === undefined) continue;
    const owner = owners[link];
    if (owner === null) fields.push({ field: `body.${field}`, message: `no ${link} ${id}` });
    else if (customerId === undefined) customerId = owner;
    else if (owner !== customerId) fields.push({ field: `body.${field}`, message: `the ${link} belongs to another customer than the other links` });
  }
  if (fields.length > 0 || customerId === undefined) {
    throw new AppError('VALIDATION_FAILED', `Invalid request: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
  }
  return customerId;
}
