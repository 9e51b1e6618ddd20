/**
 * Translations of the web interfaces (en and de to start, like notifications). Each interface
 * declares its own dictionary per language with `defineMessages`; the English one is the source
 * of the keys, so a German entry for a key that does not exist, or a missing one, is a compile
 * error. The language is the user's choice (stored per interface) or else the browser's.
 */
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

/** A message is a string with `{name}` placeholders. */
export type Messages<K extends string> = Record<K, string>;

export interface Translator<K extends string> {
  readonly language: Language;
  /** The message for `key` in the current language, `{name}` replaced from `vars`. */
  t(key: K, vars?: Record<string, string | number>): string;
  /** Dates and numbers formatted for the current language. */
  date(value: string | number | Date, options?: Intl.DateTimeFormatOptions): string;
  number(value: number, options?: Intl.NumberFormatOptions): string;
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The stored choice for `ui`, else the first browser language we have, else English. */
export function preferredLanguage(ui: string): Language {
  const stored = globalThis.localStorage?.getItem(`telemend.${ui}.lang`);
  if (isLanguage(stored)) return stored;
  for (const tag of globalThis.navigator?.languages ?? []) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

export function storeLanguage(ui: string, language: Language): void {
  globalThis.localStorage?.setItem(`telemend.${ui}.lang`, language);
}

export function createTranslator<K extends string>(dictionaries: { en: Messages<K> } & Record<Language, Messages<K>>, language: Language): Translator<K> {
  const messages = dictionaries[language];
  const locale = language === 'de' ? 'de-DE' : 'en-GB';
  return {
    language,
    t(key, vars) {
      const text = messages[key] ?? dictionaries.en[key] ?? key;
      return vars ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole)) : text;
    },
    date: (value, options) => new Intl.DateTimeFormat(locale, options ?? { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value)),
    number: (value, options) => new Intl.NumberFormat(locale, options).format(value),
  };
}
