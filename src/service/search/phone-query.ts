/**
 * What a typed phone number should find, whatever way it was written: "+49 30 1234",
 * "0049 30 1234" and "030-1234" all mean the same line in Germany. Stored numbers are compared
 * on their digits only; the query becomes the digits a stored number may equal or start with
 * (written with the country code, with a trunk 0, or as typed) and the core (the national
 * number without the country code or trunk 0) that any stored writing of it contains.
 */

/**
 * ITU-T E.164 country calling codes of one and two digits; every other code has three. The codes
 * are prefix-free, so the first one that matches is the country code.
 */
const ONE_DIGIT = new Set(['1', '7']);
const TWO_DIGITS = new Set(
  '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98'.split(' '),
);

/** Fewer digits than this are not searched as a phone number (they would match almost anything). */
export const MIN_PHONE_DIGITS = 3;

export interface PhoneQuery {
  /** Digit strings a stored number's digits may equal (exact) or start with (prefix). */
  readonly whole: readonly string[];
  /** The national number: a stored number containing it matches. */
  readonly core: string;
}

/** The phone reading of a search text, or undefined when it is not written like a phone number. */
export function phoneQuery(text: string): PhoneQuery | undefined {
  const trimmed = text.trim();
  if (!/^\+?[0-9 ()./-]+$/.test(trimmed)) return undefined;
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < MIN_PHONE_DIGITS) return undefined;
  const international = trimmed.startsWith('+') ? digits : digits.startsWith('00') ? digits.slice(2) : undefined;
  if (international !== undefined) {
    const code = countryCodeOf(international);
    const national = international.slice(code.length).replace(/^0+/, '');
    if (national.length >= MIN_PHONE_DIGITS) {
      return { whole: unique([international, `00${international}`, `0${national}`, national]), core: national };
    }
    return { whole: unique([international]), core: international };
  }
  const national = digits.replace(/^0+/, '');
  const core = national.length >= MIN_PHONE_DIGITS ? national : digits;
  return { whole: unique([digits, core]), core };
}

function countryCodeOf(international: string): string {
  if (ONE_DIGIT.has(international.slice(0, 1))) return international.slice(0, 1);
  if (TWO_DIGITS.has(international.slice(0, 2))) return international.slice(0, 2);
  return international.slice(0, 3);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
