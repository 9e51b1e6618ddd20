/**
 * SQL of the phone intake search. Each record type is searched in two passes: exact and prefix
 * matches first (conditions the prefix indexes of 0016 serve), then, only while fewer than the
 * limit were found, substring matches over what the first pass did not return. Every field's
 * match is ranked in SQL (3 exact, 2 prefix, 1 contains) so the best come first within the limit.
 */
import type { Queryable } from '../../kernel/db/database.js';
import type { PhoneQuery } from './phone-query.js';
import type { SearchField, SearchType } from './search.schemas.js';

/** A field searched as lower-cased text, or as the digits of a phone number. */
interface Field {
  readonly name: SearchField;
  readonly kind: 'text' | 'phone';
  /** The value's SQL (for an array field, of one element `e`). */
  readonly expr: string;
  /** A jsonb array column whose elements are searched (contacts' e-mails and phones). */
  readonly array?: string;
}

interface TypeSpec {
  readonly from: string;
  readonly id: string;
  readonly customerId: string;
  readonly customerName: string;
  readonly label: string;
  readonly detail: string;
  readonly fields: readonly Field[];
}

const digits = (sql: string) => `regexp_replace(${sql}, '[^0-9]', '', 'g')`;

const SPECS: Record<SearchType, TypeSpec> = {
  customer: {
    from: 'customers c',
    id: 'c.id',
    customerId: 'c.id',
    customerName: 'c.name',
    label: 'c.name',
    detail: `concat_ws(' · ', c.code, c.phone, c.email)`,
    fields: [
      { name: 'name', kind: 'text', expr: 'lower(c.name)' },
      { name: 'code', kind: 'text', expr: 'lower(c.code)' },
      { name: 'email', kind: 'text', expr: 'lower(c.email)' },
      { name: 'phone', kind: 'phone', expr: digits('c.phone') },
    ],
  },
  contact: {
    from: 'contacts ct JOIN customers c ON c.id = ct.customer_id',
    id: 'ct.id',
    customerId: 'c.id',
    customerName: 'c.name',
    label: 'ct.name',
    detail: `concat_ws(' · ', c.name, ct.job_title, ct.phones->0->>'number', ct.emails->0->>'address')`,
    fields: [
      { name: 'name', kind: 'text', expr: 'lower(ct.name)' },
      { name: 'email', kind: 'text', expr: `lower(e->>'address')`, array: 'ct.emails' },
      { name: 'phone', kind: 'phone', expr: digits(`e->>'number'`), array: 'ct.phones' },
    ],
  },
  site: {
    from: 'sites s JOIN customers c ON c.id = s.customer_id',
    id: 's.id',
    customerId: 'c.id',
    customerName: 'c.name',
    label: 's.name',
    detail: `concat_ws(' · ', NULLIF(concat_ws(', ', s.address, s.city), ''), c.name)`,
    fields: [
      { name: 'name', kind: 'text', expr: 'lower(s.name)' },
      { name: 'address', kind: 'text', expr: 'lower(s.address)' },
      { name: 'address', kind: 'text', expr: 'lower(s.city)' },
    ],
  },
  asset: {
    from: `assets a JOIN sites s ON s.id = a.site_id JOIN customers c ON c.id = s.customer_id
      LEFT JOIN equipment_models m ON m.id = a.model_id`,
    id: 'a.id',
    customerId: 'c.id',
    customerName: 'c.name',
    label: 'COALESCE(a.name, a.serial_number)',
    detail: `concat_ws(' · ', 'SN ' || a.serial_number, m.name, s.name, c.name)`,
    fields: [
      { name: 'serialNumber', kind: 'text', expr: 'lower(a.serial_number)' },
      { name: 'name', kind: 'text', expr: 'lower(a.name)' },
    ],
  },
};

export interface SearchTerms {
  /** The text, lower-cased. */
  readonly text: string;
  /** Its phone reading, when it is written like a number. */
  readonly phone: PhoneQuery | undefined;
}

export interface SearchRow {
  id: string;
  customer_id: string;
  customer_name: string;
  label: string;
  detail: string;
  /** The rank (3 exact, 2 prefix, 1 contains) and field of the best match. */
  rank: number;
  matched: SearchField;
}

type Pass = 'prefix' | 'contains';

/** Collects bind parameters and hands back their placeholders. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** exact / prefix / contains conditions of one field's value, or undefined when the field does not apply to the terms. */
function conditions(field: Field, terms: SearchTerms, p: Params): { exact: string; prefix: string; contains: string } | undefined {
  if (field.kind === 'text') {
    const exact = p.add(terms.text);
    const prefix = p.add(`${escapeLike(terms.text)}%`);
    const contains = p.add(`%${escapeLike(terms.text)}%`);
    return { exact: `${field.expr} = ${exact}`, prefix: `${field.expr} LIKE ${prefix}`, contains: `${field.expr} LIKE ${contains}` };
  }
  if (!terms.phone) return undefined;
  // One LIKE per writing (not LIKE ANY) so that each is an index range scan.
  const prefixes = terms.phone.whole.map((w) => `${field.expr} LIKE ${p.add(`${w}%`)}`);
  return {
    // Also exact: the same national number stored with a trunk 0 or any country code ("040 3344"
    // is "+49 40 3344" is "0049 40 3344").
    exact: `(${field.expr} = ANY(${p.add(terms.phone.whole)}::text[]) OR ${field.expr} ~ ${p.add(`^(0|(00)?[1-9][0-9]{0,2})?${terms.phone.core}$`)})`,
    prefix: `(${prefixes.join(' OR ')})`,
    contains: `${field.expr} LIKE ${p.add(`%${terms.phone.core}%`)}`,
  };
}

function overArray(field: Field, sql: string): string {
  return field.array ? `EXISTS (SELECT 1 FROM jsonb_array_elements(${field.array}) e WHERE ${sql})` : sql;
}

export class SearchRepository {
  /** The best `limit` records of `type`, leaving out `exclude` (ids the prefix pass found). */
  async search(q: Queryable, type: SearchType, terms: SearchTerms, pass: Pass, limit: number, exclude: readonly string[] = []): Promise<SearchRow[]> {
    const spec = SPECS[type];
    const p = new Params();
    const ranks: string[] = [];
    const matches: string[] = [];
    const names: SearchField[] = [];
    for (const field of spec.fields) {
      const c = conditions(field, terms, p);
      if (!c) continue;
      const rank = `CASE WHEN ${c.exact} THEN 3 WHEN ${c.prefix} THEN 2 WHEN ${c.contains} THEN 1 ELSE 0 END`;
      ranks.push(field.array ? `COALESCE((SELECT max(${rank}) FROM jsonb_array_elements(${field.array}) e), 0)` : `COALESCE(${rank}, 0)`);
      matches.push(overArray(field, pass === 'prefix' ? c.prefix : c.contains));
      names.push(field.name);
    }
    const excluded = exclude.length > 0 ? ` AND NOT (${spec.id} = ANY(${p.add(exclude)}::uuid[]))` : '';
    const { rows } = await q.query<Omit<SearchRow, 'rank' | 'matched'> & { ranks: number[] }>(
      `SELECT ${spec.id} AS id, ${spec.customerId} AS customer_id, ${spec.customerName} AS customer_name, ${spec.label} AS label,
         ${spec.detail} AS detail, ARRAY[${ranks.join(', ')}] AS ranks
       FROM ${spec.from}
       WHERE (${matches.join(' OR ')})${excluded}
       ORDER BY GREATEST(${ranks.join(', ')}) DESC, lower(${spec.label}), ${spec.id}
       LIMIT ${limit}`,
      p.values,
    );
    return rows.map(({ ranks: values, ...row }) => {
      const best = values.reduce((at, rank, i) => (rank > values[at]! ? i : at), 0);
      return { ...row, rank: values[best]!, matched: names[best]! };
    });
  }
}
