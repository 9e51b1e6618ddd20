/**
 * What a technician's phone shows: a short title naming the ticket and one line of body, in the
 * technician's language (en, de like the notification templates), with the app page to open.
 */
import { resolveLanguage, type NotificationLanguage } from '../notifications/notification.templates.js';

export const PUSH_EVENTS = ['assignment.created', 'assignment.changed', 'assignment.cancelled', 'ticket.customer_note'] as const;
export type PushEvent = (typeof PUSH_EVENTS)[number];

export interface PushFacts {
  readonly ticketNumber: string;
  readonly ticketTitle: string;
  readonly siteName: string | null;
  /** The visit's planned start, formatted in the technician's zone. */
  readonly when: string | null;
  /** A customer note's subject. */
  readonly note: string | null;
}

/** The JSON the service worker receives (Notification title and options). */
export interface PushPayload {
  readonly title: string;
  readonly body: string;
  readonly url: string;
  readonly tag: string;
}

type Render = (f: PushFacts) => { title: string; body: string };
const join = (...parts: (string | null)[]) => parts.filter((p) => p).join(' · ');

const MESSAGES: Record<NotificationLanguage, Record<PushEvent, Render>> = {
  en: {
    'assignment.created': (f) => ({ title: `New job ${f.ticketNumber}: ${f.ticketTitle}`, body: join(f.siteName, f.when) }),
    'assignment.changed': (f) => ({ title: `Job moved: ${f.ticketNumber} ${f.ticketTitle}`, body: join(f.siteName, f.when ? `now ${f.when}` : null) }),
    'assignment.cancelled': (f) => ({ title: `Job cancelled: ${f.ticketNumber} ${f.ticketTitle}`, body: join(f.siteName, f.when) }),
    'ticket.customer_note': (f) => ({ title: `Customer note on ${f.ticketNumber} ${f.ticketTitle}`, body: f.note ?? '' }),
  },
  de: {
    'assignment.created': (f) => ({ title: `Neuer Auftrag ${f.ticketNumber}: ${f.ticketTitle}`, body: join(f.siteName, f.when) }),
    'assignment.changed': (f) => ({
      title: `Auftrag verschoben: ${f.ticketNumber} ${f.ticketTitle}`,
      body: join(f.siteName, f.when ? `jetzt ${f.when}` : null),
    }),
    'assignment.cancelled': (f) => ({ title: `Auftrag storniert: ${f.ticketNumber} ${f.ticketTitle}`, body: join(f.siteName, f.when) }),
    'ticket.customer_note': (f) => ({ title: `Kundennotiz zu ${f.ticketNumber} ${f.ticketTitle}`, body: f.note ?? '' }),
  },
};

export function pushMessage(
  event: PushEvent,
  language: string | null,
  facts: PushFacts,
  target: { visitId: string | null; ticketId: string },
): { language: NotificationLanguage; payload: PushPayload } {
  const lang = resolveLanguage(language);
  const { title, body } = MESSAGES[lang][event](facts);
  const url = target.visitId ? `/app#/visits/${target.visitId}` : '/app';
  // A later message about the same visit replaces the earlier one on the device.
  const tag = target.visitId ? `visit-${target.visitId}` : `ticket-${target.ticketId}`;
  return { language: lang, payload: { title: title.slice(0, 200), body: body.slice(0, 500), url, tag } };
}

/** A date and time as the technician reads it. */
export function formatWhen(at: Date, language: NotificationLanguage, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(at);
  } catch {
    return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(at);
  }
}
