/**
 * The outbox writer behind NotifierPort. Called inside the caller's transaction: it resolves the
 * recipients, renders the message in the recipient's language and inserts one outbox row per
 * recipient and channel. Nothing is sent here — the sender (notification-sender.ts) delivers
 * committed rows, so a rolled-back change notifies nobody and a down sender loses nothing.
 *
 * Recipients of customer events: the ticket's customer's contacts that have a preferences row
 * (enabled, subscribed to the event; channels e-mail and/or webhook), plus the primary contact by
 * default (e-mail to its first address) when it has no row. A contact that opted out of `email`
 * gets no e-mail. Technicians: a webhook POST to technician_profiles.push_url when set, else an
 * e-mail to users.email; inactive users get nothing.
 */
import { z } from 'zod';
import type { Queryable } from '../../kernel/db/database.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { systemClock, type Clock } from '../../kernel/clock.js';
import {
  NOTIFICATION_EVENTS,
  TECHNICIAN_EVENTS,
  type NotificationRequest,
  type NotifierPort,
  type TechnicianNotificationRequest,
} from './notification.port.js';
import {
  NOT_GIVEN,
  OUTCOME_LABELS,
  TEMPLATES,
  renderTemplate,
  resolveLanguage,
  type NotificationLanguage,
  type TemplateEvent,
} from './notification.templates.js';
import {
  columnsOf,
  contactChannels,
  loadContactRecipients,
  loadTechnician,
  loadTicket,
  loadVisit,
  type TicketFacts,
  type VisitFacts,
} from './notification-context.js';
import { NotificationsRepository, type OutboxChannel } from './notifications.repository.js';

export interface NotifierOptions {
  /** Time source for created_at / next_attempt_at. Default: the system clock. */
  readonly clock?: Clock;
  /** IANA time zone for dates when the contact (or technician profile) has none. Default 'UTC'. */
  readonly defaultTimeZone?: string;
  /** Language of technician messages when the profile has none. Default 'en'. */
  readonly technicianLanguage?: string;
}

const dataSchema = z.record(z.string().max(64), z.union([z.string().max(2000), z.number(), z.null()])).optional();
const requestSchema = z.object({
  event: z.enum(NOTIFICATION_EVENTS),
  ticketId: z.uuid(),
  visitId: z.uuid().optional(),
  dedupeKey: z.string().min(1).max(300).optional(),
  data: dataSchema,
  attachmentIds: z.array(z.uuid()).max(10).optional(),
});
const technicianRequestSchema = z.object({
  event: z.enum(TECHNICIAN_EVENTS),
  technicianId: z.uuid(),
  ticketId: z.uuid(),
  visitId: z.uuid(),
  dedupeKey: z.string().min(1).max(300).optional(),
  data: dataSchema,
});

type Data = Readonly<Record<string, string | number | null>>;

const FALLBACK_TECHNICIAN: Readonly<Record<NotificationLanguage, string>> = { en: 'Our technician', de: 'Unser Techniker' };

export class Notifier implements NotifierPort {
  private readonly repo = new NotificationsRepository();
  private readonly clock: Clock;
  private readonly defaultTimeZone: string;
  private readonly technicianLanguage: string;
  /** Optional columns of other features' tables, read once. */
  private schema?: Promise<{ visitEta: boolean; profile: Set<string> }>;

  constructor(options: NotifierOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.defaultTimeZone = validZone(options.defaultTimeZone ?? 'UTC') ?? 'UTC';
    this.technicianLanguage = options.technicianLanguage ?? 'en';
  }

  async enqueue(q: Queryable, request: NotificationRequest): Promise<number> {
    const input = parse(requestSchema, request);
    const { ticket, visit } = await this.facts(q, input.ticketId, input.visitId);
    const data = input.data ?? {};
    const contacts = await loadContactRecipients(q, ticket.customerId);
    const dedupeKey = input.dedupeKey ?? defaultDedupeKey(input.event, ticket, visit, data);
    const at = this.clock.now();
    let queued = 0;
    for (const contact of contacts) {
      const channels = contactChannels(contact, input.event);
      if (channels.length === 0) continue;
      const language = resolveLanguage(contact.language);
      const zone = validZone(contact.preferences?.timeZone) ?? this.defaultTimeZone;
      const values = this.values(language, locale(contact.language, language), zone, ticket, visit, data);
      const message = renderTemplate(TEMPLATES[language][input.event], { ...values.text, contactName: contact.name });
      for (const { channel, address } of channels) {
        const inserted = await this.repo.insert(q, {
          dedupeKey,
          event: input.event,
          ticketId: ticket.id,
          visitId: visit?.id ?? null,
          recipient: `contact:${contact.id}`,
          contactId: contact.id,
          technicianId: null,
          channel,
          address,
          language,
          ...message,
          body: message.text,
          html: channel === 'email' ? message.html : null,
          data: { ...values.raw, contactName: contact.name },
          at,
          ...(channel === 'email' && input.attachmentIds ? { attachmentIds: input.attachmentIds } : {}),
        });
        if (inserted) queued++;
      }
    }
    return queued;
  }

  async enqueueForTechnician(q: Queryable, request: TechnicianNotificationRequest): Promise<number> {
    const input = parse(technicianRequestSchema, request);
    const { ticket, visit } = await this.facts(q, input.ticketId, input.visitId);
    const { profile } = await this.optionalColumns(q);
    const technician = await loadTechnician(q, input.technicianId, profile);
    if (!technician) throw notFound('technician', input.technicianId);
    if (!technician.active) return 0;
    const target: { channel: OutboxChannel; address: string } | null = technician.pushUrl
      ? { channel: 'webhook', address: technician.pushUrl }
      : technician.email
        ? { channel: 'email', address: technician.email }
        : null;
    if (!target) return 0;
    const data = input.data ?? {};
    const language = resolveLanguage(technician.language ?? this.technicianLanguage);
    const zone = validZone(technician.timeZone) ?? this.defaultTimeZone;
    const values = this.values(language, locale(technician.language ?? this.technicianLanguage, language), zone, ticket, visit, data);
    const message = renderTemplate(TEMPLATES[language][input.event], { ...values.text, technicianName: technician.name });
    const dedupeKey = input.dedupeKey ?? `${input.event}:${input.visitId}:${input.technicianId}:${stringOf(data.start) ?? ''}`;
    const inserted = await this.repo.insert(q, {
      dedupeKey,
      event: input.event,
      ticketId: ticket.id,
      visitId: input.visitId,
      recipient: `technician:${technician.id}`,
      contactId: null,
      technicianId: technician.id,
      ...target,
      language,
      ...message,
      body: message.text,
      html: target.channel === 'email' ? message.html : null,
      data: { ...values.raw, technicianName: technician.name },
      at: this.clock.now(),
    });
    return inserted ? 1 : 0;
  }

  private optionalColumns(q: Queryable): Promise<{ visitEta: boolean; profile: Set<string> }> {
    this.schema ??= (async () => ({
      visitEta: (await columnsOf(q, 'visits')).has('eta_at'),
      profile: await columnsOf(q, 'technician_profiles'),
    }))().catch((error: unknown) => {
      this.schema = undefined;
      throw error;
    });
    return this.schema;
  }

  private async facts(q: Queryable, ticketId: string, visitId: string | undefined): Promise<{ ticket: TicketFacts; visit: VisitFacts | undefined }> {
    const ticket = await loadTicket(q, ticketId);
    if (!ticket) throw notFound('ticket', ticketId);
    if (visitId === undefined) return { ticket, visit: undefined };
    const visit = await loadVisit(q, visitId, (await this.optionalColumns(q)).visitEta);
    if (!visit) throw notFound('visit', visitId);
    if (visit.ticketId !== ticket.id) throw new AppError('VALIDATION_FAILED', `visit ${visitId} does not belong to ticket ${ticketId}`);
    return { ticket, visit };
  }

  /**
   * Template values: formatted for reading (`text`) and raw for the webhook JSON (`raw`). Request
   * data wins over what is read from the visit; values a template needs but nobody knows stay
   * undefined, so rendering fails with the names of the missing values.
   */
  private values(language: NotificationLanguage, loc: string, zone: string, ticket: TicketFacts, visit: VisitFacts | undefined, data: Data) {
    const iso = (key: string, fallback: Date | null | undefined) => stringOf(data[key]) ?? fallback?.toISOString();
    const windowStart = iso('windowStart', undefined) ?? iso('start', visit?.plannedStart);
    const windowEnd = iso('windowEnd', undefined) ?? iso('end', visit?.plannedEnd);
    const eta = iso('eta', visit?.etaAt);
    const delay = data.delayMinutes ?? (eta && visit ? Math.max(0, Math.round((Date.parse(eta) - visit.plannedStart.getTime()) / 60_000)) : undefined);
    const outcome = stringOf(data.outcome) ?? visit?.outcome ?? undefined;
    const technicianName = stringOf(data.technicianName) ?? visit?.technicianName ?? ticket.technicianName ?? undefined;
    const raw: Record<string, string | number | null> = {
      ...data,
      ticketId: ticket.id,
      ticketNumber: ticket.number,
      ticketTitle: ticket.title,
      customerName: ticket.customerName,
      siteName: ticket.siteName,
      siteAddress: ticket.siteAddress,
      technicianName: technicianName ?? null,
      windowStart: windowStart ?? null,
      windowEnd: windowEnd ?? null,
      eta: eta ?? null,
      delayMinutes: delay ?? null,
      outcome: outcome ?? null,
    };
    const when = (value: string | undefined) => (value === undefined ? undefined : formatInstant(value, loc, zone));
    const text: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(data)) if (value !== null) text[key] = String(value);
    Object.assign(text, {
      ticketNumber: ticket.number,
      ticketTitle: ticket.title,
      customerName: ticket.customerName,
      siteName: ticket.siteName ?? ticket.customerName,
      siteAddress: ticket.siteAddress ?? NOT_GIVEN[language],
      technicianName: technicianName ?? FALLBACK_TECHNICIAN[language],
      windowStart: when(windowStart),
      windowEnd: when(windowEnd),
      eta: when(eta),
      delayMinutes: delay === undefined || delay === null ? undefined : String(delay),
      outcome: outcome === undefined ? undefined : (OUTCOME_LABELS[language][outcome] ?? outcome),
    });
    const defined = Object.fromEntries(Object.entries(text).filter((e): e is [string, string] => e[1] !== undefined));
    return { text: defined, raw };
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new AppError('VALIDATION_FAILED', `Invalid notification request: ${z.prettifyError(result.error)}`);
  return result.data;
}

function stringOf(value: string | number | null | undefined): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

/**
 * Same event, same key → queued once. Defaults: `<event>:<visitId ?? ticketId>`, plus the window
 * start for visit.scheduled and the new ETA for visit.delayed (a rescheduled visit or a second
 * delay is news the customer should get).
 */
function defaultDedupeKey(event: TemplateEvent, ticket: TicketFacts, visit: VisitFacts | undefined, data: Data): string {
  const base = `${event}:${visit?.id ?? ticket.id}`;
  if (event === 'visit.scheduled') return `${base}:${stringOf(data.windowStart) ?? stringOf(data.start) ?? visit?.plannedStart.toISOString() ?? ''}`;
  if (event === 'visit.delayed') return `${base}:${stringOf(data.eta) ?? visit?.etaAt?.toISOString() ?? ''}`;
  return base;
}

function validZone(zone: string | null | undefined): string | undefined {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

/** The contact's own tag for date formats when Intl knows it (en-US vs en-GB), else the template language. */
function locale(tag: string | null, language: NotificationLanguage): string {
  try {
    if (tag && Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0 && resolveLanguage(tag) === language) return tag;
  } catch {
    // an invalid tag falls through
  }
  return language;
}

function formatInstant(value: string, loc: string, zone: string): string {
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new AppError('VALIDATION_FAILED', `Invalid notification request: ${value} is not a date-time`);
  return new Intl.DateTimeFormat(loc, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: zone,
    timeZoneName: 'short',
  }).format(at);
}
