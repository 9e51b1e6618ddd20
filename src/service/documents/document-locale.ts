/**
 * Whose conventions a document follows. The language: the customer's primary contact's (or, when
 * the primary has none, the first contact's that has one), else the one the request asks for
 * (`?lang=`), else English. The time zone: the contact's notification preference, else the
 * default (UTC).
 */
import type { Queryable } from '../../kernel/db/database.js';
import { documentLanguageOf, type DocumentLanguage } from './document-labels.js';
import { validTimeZone, type DocumentLocale } from './document-format.js';

export const DEFAULT_LANGUAGE: DocumentLanguage = 'en';
export const DEFAULT_TIME_ZONE = 'UTC';

export async function customerLocale(q: Queryable, customerId: string, requested?: string | undefined): Promise<DocumentLocale> {
  const { rows } = await q.query<{ language: string | null; time_zone: string | null }>(
    `SELECT ct.language, p.time_zone
     FROM contacts ct LEFT JOIN contact_notification_preferences p ON p.contact_id = ct.id
     WHERE ct.customer_id = $1 AND (ct.language IS NOT NULL OR p.time_zone IS NOT NULL)
     ORDER BY ct.is_primary DESC, ct.created_at, ct.id`,
    [customerId],
  );
  const language = rows.map((r) => documentLanguageOf(r.language)).find((l) => l !== undefined);
  const timeZone = rows.map((r) => validTimeZone(r.time_zone)).find((z) => z !== undefined);
  return {
    language: language ?? documentLanguageOf(requested) ?? DEFAULT_LANGUAGE,
    timeZone: timeZone ?? DEFAULT_TIME_ZONE,
  };
}
