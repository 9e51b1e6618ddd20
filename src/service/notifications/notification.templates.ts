/**
 * Message templates per language and event: a subject and a plain-text body with `{{name}}`
 * placeholders. The HTML variant is derived from the text body: the template's own text and every
 * value are HTML-escaped, blank lines make paragraphs. A placeholder without a value is an error
 * (never an e-mail saying "{{eta}}"). To add a language, add it to NOTIFICATION_LANGUAGES and give
 * it every event (a test checks that every event has a template in every language).
 */
import { AppError } from '../../kernel/errors.js';
import type { NotificationEvent, TechnicianEvent } from './notification.port.js';

export const NOTIFICATION_LANGUAGES = ['en', 'de'] as const;
export type NotificationLanguage = (typeof NOTIFICATION_LANGUAGES)[number];
/** Used when the contact has no language or one without templates. */
export const FALLBACK_LANGUAGE: NotificationLanguage = 'en';

export type TemplateEvent = NotificationEvent | TechnicianEvent;

export interface MessageTemplate {
  readonly subject: string;
  readonly text: string;
}

export type TemplateValues = Readonly<Record<string, string>>;

const en: Record<TemplateEvent, MessageTemplate> = {
  'ticket.received': {
    subject: 'We received your service request {{ticketNumber}}',
    text: 'Hello {{contactName}},\n\nwe received your service request {{ticketNumber}} "{{ticketTitle}}" for {{siteName}} and are working on it.\n\nYour Telemend service team',
  },
  'visit.scheduled': {
    subject: 'Service visit scheduled for {{ticketNumber}}',
    text: 'Hello {{contactName}},\n\n{{technicianName}} will visit {{siteName}} between {{windowStart}} and {{windowEnd}} for your request {{ticketNumber}} "{{ticketTitle}}".\n\nYour Telemend service team',
  },
  'technician.en_route': {
    subject: 'Our technician is on the way ({{ticketNumber}})',
    text: 'Hello {{contactName}},\n\n{{technicianName}} is on the way to {{siteName}} for your request {{ticketNumber}} and expects to arrive at {{eta}}.\n\nYour Telemend service team',
  },
  'visit.delayed': {
    subject: 'Your service visit is delayed ({{ticketNumber}})',
    text: 'Hello {{contactName}},\n\nwe are sorry: the visit for {{ticketNumber}} "{{ticketTitle}}" is delayed by about {{delayMinutes}} minutes. {{technicianName}} now expects to arrive at {{eta}}.\n\nYour Telemend service team',
  },
  'visit.completed': {
    subject: 'Service visit completed ({{ticketNumber}})',
    text: 'Hello {{contactName}},\n\n{{technicianName}} completed the visit at {{siteName}} for {{ticketNumber}} "{{ticketTitle}}". Result: {{outcome}}.\n\nYour Telemend service team',
  },
  'quote.sent': {
    subject: 'Your quote {{quoteNumber}} for {{ticketNumber}}',
    text: 'Hello {{contactName}},\n\nplease find our quote {{quoteNumber}} for your request {{ticketNumber}} "{{ticketTitle}}". It is valid until {{validUntil}}. You can accept or decline it in the customer portal or by phone.\n\nYour Telemend service team',
  },
  'assignment.created': {
    subject: 'New assignment: {{ticketNumber}} {{ticketTitle}}',
    text: 'Hello {{technicianName}},\n\nyou are assigned to {{ticketNumber}} "{{ticketTitle}}" at {{siteName}} ({{siteAddress}}), {{windowStart}} to {{windowEnd}}.',
  },
  'assignment.changed': {
    subject: 'Assignment changed: {{ticketNumber}} {{ticketTitle}}',
    text: 'Hello {{technicianName}},\n\nyour assignment {{ticketNumber}} "{{ticketTitle}}" at {{siteName}} ({{siteAddress}}) changed: now {{windowStart}} to {{windowEnd}}.',
  },
  'assignment.cancelled': {
    subject: 'Assignment cancelled: {{ticketNumber}}',
    text: 'Hello {{technicianName}},\n\nyour assignment {{ticketNumber}} "{{ticketTitle}}" at {{siteName}} planned for {{windowStart}} is cancelled.',
  },
};

const de: Record<TemplateEvent, MessageTemplate> = {
  'ticket.received': {
    subject: 'Ihre Serviceanfrage {{ticketNumber}} ist eingegangen',
    text: 'Guten Tag {{contactName}},\n\nwir haben Ihre Serviceanfrage {{ticketNumber}} „{{ticketTitle}}“ für {{siteName}} erhalten und kümmern uns darum.\n\nIhr Telemend-Serviceteam',
  },
  'visit.scheduled': {
    subject: 'Servicetermin für {{ticketNumber}} geplant',
    text: 'Guten Tag {{contactName}},\n\n{{technicianName}} kommt zwischen {{windowStart}} und {{windowEnd}} zu {{siteName}} für Ihre Anfrage {{ticketNumber}} „{{ticketTitle}}“.\n\nIhr Telemend-Serviceteam',
  },
  'technician.en_route': {
    subject: 'Unser Techniker ist unterwegs ({{ticketNumber}})',
    text: 'Guten Tag {{contactName}},\n\n{{technicianName}} ist wegen Ihrer Anfrage {{ticketNumber}} auf dem Weg zu {{siteName}} und kommt voraussichtlich um {{eta}} an.\n\nIhr Telemend-Serviceteam',
  },
  'visit.delayed': {
    subject: 'Ihr Servicetermin verzögert sich ({{ticketNumber}})',
    text: 'Guten Tag {{contactName}},\n\nes tut uns leid: Der Termin für {{ticketNumber}} „{{ticketTitle}}“ verzögert sich um etwa {{delayMinutes}} Minuten. {{technicianName}} kommt jetzt voraussichtlich um {{eta}} an.\n\nIhr Telemend-Serviceteam',
  },
  'visit.completed': {
    subject: 'Serviceeinsatz abgeschlossen ({{ticketNumber}})',
    text: 'Guten Tag {{contactName}},\n\n{{technicianName}} hat den Einsatz bei {{siteName}} für {{ticketNumber}} „{{ticketTitle}}“ abgeschlossen. Ergebnis: {{outcome}}.\n\nIhr Telemend-Serviceteam',
  },
  'quote.sent': {
    subject: 'Ihr Kostenvoranschlag {{quoteNumber}} zu {{ticketNumber}}',
    text: 'Guten Tag {{contactName}},\n\nanbei unser Kostenvoranschlag {{quoteNumber}} zu Ihrer Anfrage {{ticketNumber}} „{{ticketTitle}}“. Er gilt bis {{validUntil}}. Sie können ihn im Kundenportal oder telefonisch annehmen oder ablehnen.\n\nIhr Telemend-Serviceteam',
  },
  'assignment.created': {
    subject: 'Neuer Auftrag: {{ticketNumber}} {{ticketTitle}}',
    text: 'Hallo {{technicianName}},\n\ndu bist für {{ticketNumber}} „{{ticketTitle}}“ bei {{siteName}} ({{siteAddress}}) eingeplant, {{windowStart}} bis {{windowEnd}}.',
  },
  'assignment.changed': {
    subject: 'Auftrag geändert: {{ticketNumber}} {{ticketTitle}}',
    text: 'Hallo {{technicianName}},\n\ndein Auftrag {{ticketNumber}} „{{ticketTitle}}“ bei {{siteName}} ({{siteAddress}}) wurde geändert: jetzt {{windowStart}} bis {{windowEnd}}.',
  },
  'assignment.cancelled': {
    subject: 'Auftrag storniert: {{ticketNumber}}',
    text: 'Hallo {{technicianName}},\n\ndein Auftrag {{ticketNumber}} „{{ticketTitle}}“ bei {{siteName}}, geplant für {{windowStart}}, wurde storniert.',
  },
};

export const TEMPLATES: Readonly<Record<NotificationLanguage, Readonly<Record<TemplateEvent, MessageTemplate>>>> = { en, de };

/** Visit outcomes as the customer reads them. */
export const OUTCOME_LABELS: Readonly<Record<NotificationLanguage, Readonly<Record<string, string>>>> = {
  en: { fixed: 'fixed', another_visit_needed: 'another visit is needed', not_fixed: 'not fixed yet' },
  de: { fixed: 'behoben', another_visit_needed: 'ein weiterer Termin ist nötig', not_fixed: 'noch nicht behoben' },
};

/** Text shown for a missing optional value (e.g. a ticket without a site address). */
export const NOT_GIVEN: Readonly<Record<NotificationLanguage, string>> = { en: 'not given', de: 'nicht angegeben' };

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

/** `de-AT` → `de`; unknown or absent → English. */
export function resolveLanguage(tag: string | null | undefined): NotificationLanguage {
  const base = (tag ?? '').toLowerCase().split('-')[0] ?? '';
  return (NOTIFICATION_LANGUAGES as readonly string[]).includes(base) ? (base as NotificationLanguage) : FALLBACK_LANGUAGE;
}

/** Placeholder names used by a template string. */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

function substitute(template: string, values: TemplateValues, escape: (s: string) => string): string {
  const missing = placeholdersOf(template).filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    throw new AppError('VALIDATION_FAILED', `Notification template needs values for: ${missing.join(', ')}`, { missing });
  }
  let out = '';
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    out += escape(template.slice(last, match.index)) + escape(values[match[1]!]!);
    last = match.index + match[0].length;
  }
  return out + escape(template.slice(last));
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface RenderedMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Renders one template; throws VALIDATION_FAILED naming the placeholders without a value. */
export function renderTemplate(template: MessageTemplate, values: TemplateValues): RenderedMessage {
  const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');
  const subject = substitute(template.subject, values, oneLine);
  const text = substitute(template.text, values, (s) => s);
  const paragraphs = substitute(template.text, values, escapeHtml)
    .split(/\n{2,}/)
    .map((p) => `<p>${p.replace(/\n/g, '<br>')}</p>`);
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>${paragraphs.join('')}</body></html>`;
  return { subject, text, html };
}
