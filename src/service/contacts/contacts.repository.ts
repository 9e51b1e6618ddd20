/** SQL for contacts. Methods take the Queryable to run on, so a service can compose a transaction. */
import { patchSet } from '../../kernel/db/patch-set.js';
import type { Queryable } from '../../kernel/db/database.js';
import { keyset, likePattern, toPage, type Page, type SortColumn } from '../../kernel/db/keyset.js';
import type { CustomValues } from '../custom-fields/custom-fields.schemas.js';
import type { Contact, CreateContact, ListContacts, UpdateContact } from './contacts.schemas.js';

export interface ContactRow {
  id: string;
  customer_id: string;
  name: string;
  job_title: string | null;
  emails: Contact['emails'];
  phones: Contact['phones'];
  preferred_channel: Contact['preferredChannel'];
  language: string | null;
  opt_outs: Contact['optOuts'];
  is_primary: boolean;
  notes: string | null;
  custom: CustomValues;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export const CONTACT_COLUMNS = `ct.id, ct.customer_id, ct.name, ct.job_title, ct.emails, ct.phones, ct.preferred_channel, ct.language,
  ct.opt_outs, ct.is_primary, ct.notes, ct.custom, ct.version, ct.created_at, ct.updated_at`;

const SORT_COLUMNS: Record<string, SortColumn> = {
  name: { expr: 'lower(ct.name)', type: 'text' },
  createdAt: { expr: 'ct.created_at', type: 'timestamptz' },
  updatedAt: { expr: 'ct.updated_at', type: 'timestamptz' },
};

/** API field → column, for PATCH (custom is stored whole, after validation and merge). */
const UPDATABLE: Record<Exclude<keyof UpdateContact, 'custom'>, string> = {
  name: 'name',
  jobTitle: 'job_title',
  emails: 'emails',
  phones: 'phones',
  preferredChannel: 'preferred_channel',
  language: 'language',
  optOuts: 'opt_outs',
  isPrimary: 'is_primary',
  notes: 'notes',
};
const JSON_COLUMNS = new Set(['emails', 'phones']);

export class ContactsRepository {
  async insert(q: Queryable, input: CreateContact, custom: CustomValues): Promise<ContactRow> {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO contacts (customer_id, name, job_title, emails, phones, preferred_channel, language, opt_outs, is_primary, notes, custom)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [
        input.customerId,
        input.name,
        input.jobTitle ?? null,
        JSON.stringify(input.emails),
        JSON.stringify(input.phones),
        input.preferredChannel ?? null,
        input.language ?? null,
        input.optOuts,
        input.isPrimary,
        input.notes ?? null,
        JSON.stringify(custom),
      ],
    );
    return (await this.find(q, rows[0]!.id))!;
  }

  async find(q: Queryable, id: string, options: { lock?: boolean } = {}): Promise<ContactRow | undefined> {
    const { rows } = await q.query<ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts ct WHERE ct.id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0];
  }

  /** Clears the primary flag of the customer's other contacts (before setting a new primary). */
  async demotePrimary(q: Queryable, customerId: string, exceptId?: string): Promise<void> {
    await q.query(
      `UPDATE contacts SET is_primary = false, version = version + 1, updated_at = now()
       WHERE customer_id = $1 AND is_primary AND ($2::uuid IS NULL OR id <> $2::uuid)`,
      [customerId, exceptId ?? null],
    );
  }

  async update(q: Queryable, id: string, patch: UpdateContact, custom: CustomValues | undefined): Promise<ContactRow> {
    const { set, params } = patchSet({ ...patch, custom }, { ...UPDATABLE, custom: 'custom' }, { json: new Set([...JSON_COLUMNS, 'custom']) });
    await q.query(`UPDATE contacts SET ${set} WHERE id = $1`, [id, ...params]);
    return (await this.find(q, id))!;
  }

  /** `scopeCustomerId` restricts the list to one customer (customer principals); `customMatch` from customFilterJson. */
  async list(q: Queryable, query: ListContacts, scopeCustomerId: string | undefined, customMatch: string | null): Promise<Page<ContactRow>> {
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (value: unknown, sql: (n: number) => string) => {
      if (value === undefined || value === null) return;
      params.push(value);
      where.push(sql(params.length));
    };
    add(scopeCustomerId, (n) => `ct.customer_id = $${n}`);
    add(query.customerId, (n) => `ct.customer_id = $${n}`);
    add(query.isPrimary, (n) => `ct.is_primary = $${n}`);
    add(query.q === undefined ? undefined : likePattern(query.q), (n) => `(ct.name ILIKE $${n} OR ct.emails::text ILIKE $${n})`);
    add(customMatch, (n) => `ct.custom @> $${n}::jsonb`);
    const spec = { sort: query.sort, cursor: query.cursor, limit: query.limit, columns: SORT_COLUMNS, idExpr: 'ct.id', idType: 'uuid' } as const;
    const page = keyset(spec, params);
    if (page.where) where.push(page.where);
    const { rows } = await q.query<ContactRow & { sort_key: string }>(
      `SELECT ${CONTACT_COLUMNS}, ${page.sortKeySelect} FROM contacts ct ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${page.orderBy} LIMIT ${page.limit}`,
      params,
    );
    return toPage(rows, spec, ({ sort_key: _, ...row }) => row);
  }
}

export function toContact(row: ContactRow): Contact {
  return {
    id: row.id,
    customerId: row.customer_id,
    name: row.name,
    jobTitle: row.job_title,
    emails: row.emails,
    phones: row.phones,
    preferredChannel: row.preferred_channel,
    language: row.language,
    optOuts: row.opt_outs,
    isPrimary: row.is_primary,
    notes: row.notes,
    custom: row.custom,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
