/** The desk's translator (en, de): the user's stored choice, else the browser's language. */
import { createTranslator, preferredLanguage, storeLanguage, type Language } from '../shared/i18n';
import { de } from './messages-de';
import { en, type MessageKey } from './messages-en';

export type { MessageKey };
export const tr = createTranslator<MessageKey>({ en, de }, preferredLanguage('desk'));
export const t = tr.t;

export function switchLanguage(language: Language): void {
  storeLanguage('desk', language);
  location.reload();
}

type Instant = string | null | undefined;
/** "7 Dec 2026, 14:05" / "07.12.2026, 14:05". */
export const when = (iso: Instant): string => (iso ? tr.date(iso) : '—');
export const day = (iso: Instant): string => (iso ? tr.date(iso, { dateStyle: 'medium' }) : '—');
/** An amount in its currency, for the roles that see money (callers check seesMoney()). */
export const money = (value: number | null | undefined, currency = 'EUR'): string =>
  value === null || value === undefined ? '—' : tr.number(value, { style: 'currency', currency });
/** Minutes as hours: 90 → "1.5 h". */
export const hours = (minutes: number | null | undefined): string =>
  minutes === null || minutes === undefined ? '—' : `${tr.number(minutes / 60, { maximumFractionDigits: 1 })} h`;
/** A percentage from 0–100 (or a 0–1 ratio when `ratio`). */
export const pct = (value: number | null | undefined, ratio = false): string =>
  value === null || value === undefined ? '—' : `${tr.number(ratio ? value * 100 : value, { maximumFractionDigits: 1 })} %`;
/** Enum values through the dictionary (`status.in_progress`), else title case. */
export function label(prefix: string, value: string | null | undefined): string {
  if (!value) return '—';
  const key = `${prefix}.${value}` as MessageKey;
  const text = t(key);
  return text === key ? value.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) : text;
}
