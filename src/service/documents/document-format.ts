/**
 * How a document prints money, quantities and dates: per language (Intl with the language's
 * usual region) and, for dates, in the customer's time zone.
 */
import type { DocumentLanguage } from './document-labels.js';

const LOCALES: Record<DocumentLanguage, string> = { en: 'en-GB', de: 'de-DE' };

/** The reader's conventions, fixed for one document. */
export interface DocumentLocale {
  readonly language: DocumentLanguage;
  /** IANA time zone of the dates printed. */
  readonly timeZone: string;
}

/** `zone` when Intl knows it, else undefined. */
export function validTimeZone(zone: string | null | undefined): string | undefined {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

export class DocumentFormat {
  private readonly locale: string;

  constructor(readonly target: DocumentLocale) {
    this.locale = LOCALES[target.language];
  }

  money(amount: number, currency: string): string {
    try {
      return new Intl.NumberFormat(this.locale, { style: 'currency', currency }).format(amount);
    } catch {
      // An unknown ISO code: the number with the code, rather than no document.
      return `${this.number(amount, 2)} ${currency}`;
    }
  }

  number(value: number, maxFraction = 3): string {
    return new Intl.NumberFormat(this.locale, { maximumFractionDigits: maxFraction }).format(value);
  }

  /** Minutes as hours with two decimals (`1.50`). */
  hours(minutes: number): string {
    return new Intl.NumberFormat(this.locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(minutes / 60);
  }

  date(at: Date | string): string {
    return new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeZone: this.target.timeZone }).format(new Date(at));
  }

  dateTime(at: Date | string): string {
    return new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: this.target.timeZone }).format(new Date(at));
  }

  /** `from – to`, the second without its date when both fall on the same day. */
  window(from: Date | string, to: Date | string): string {
    const start = this.dateTime(from);
    const sameDay = this.date(from) === this.date(to);
    const end = sameDay ? new Intl.DateTimeFormat(this.locale, { timeStyle: 'short', timeZone: this.target.timeZone }).format(new Date(to)) : this.dateTime(to);
    return `${start} – ${end}`;
  }
}
