/**
 * Customer notifications are written to an outbox INSIDE the caller's transaction (so none is
 * lost when the sender is down, and a rolled-back change notifies nobody), then sent by the
 * outbox worker. Services that cause a notification depend only on this port.
 */
import type { Queryable } from '../../kernel/db/database.js';
import { AppError } from '../../kernel/errors.js';

/** `quote.sent`: a quote for the ticket awaits the customer's decision (data: quoteNumber, validUntil; dedupe per quote). */
export const NOTIFICATION_EVENTS = ['ticket.received', 'visit.scheduled', 'technician.en_route', 'visit.delayed', 'visit.completed', 'quote.sent'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export interface NotificationRequest {
  readonly event: NotificationEvent;
  readonly ticketId: string;
  readonly visitId?: string;
  /**
   * Makes the request idempotent: the same event with the same key is queued once
   * (e.g. `visit.delayed:<visitId>:<new eta iso>`). Default: `<event>:<visitId ?? ticketId>`, plus
   * `:<window start>` for visit.scheduled and `:<eta>` for visit.delayed (a new window or a new
   * delay is notified again).
   */
  readonly dedupeKey?: string;
  /**
   * Template values: windowStart/windowEnd (ISO), eta (ISO), delayMinutes, technicianName, outcome.
   * With a visitId, missing ones are read from the visit (planned window, eta_at, outcome,
   * technician); a value the event's template needs and nobody knows fails with VALIDATION_FAILED.
   */
  readonly data?: Readonly<Record<string, string | number | null>>;
}

/** Technicians are told of new and changed assignments (e-mail, or their push webhook). */
export const TECHNICIAN_EVENTS = ['assignment.created', 'assignment.changed', 'assignment.cancelled'] as const;
export type TechnicianEvent = (typeof TECHNICIAN_EVENTS)[number];

export interface TechnicianNotificationRequest {
  readonly event: TechnicianEvent;
  readonly technicianId: string;
  readonly ticketId: string;
  readonly visitId: string;
  /** Default: `<event>:<visitId>:<technicianId>:<data.start ?? ''>`. */
  readonly dedupeKey?: string;
  readonly data?: Readonly<Record<string, string | number | null>>;
}

export interface NotifierPort {
  /** Queues one message per contact and channel of the ticket's customer; returns how many. */
  enqueue(q: Queryable, request: NotificationRequest): Promise<number>;
  /** Queues the technician's message (e-mail to users.email, webhook to technician_profiles.push_url). */
  enqueueForTechnician(q: Queryable, request: TechnicianNotificationRequest): Promise<number>;
}

/**
 * Queues a customer notification inside the caller's transaction. A notification-only problem
 * (a template value the change does not provide, a ticket without contacts' data) must not undo
 * the change itself: those errors are thrown by the notifier before any SQL, and are swallowed
 * here; database errors propagate (the transaction is failing anyway).
 */
export async function notifySafely(notifier: NotifierPort | undefined, q: Queryable, request: NotificationRequest): Promise<number> {
  if (!notifier) return 0;
  try {
    return await notifier.enqueue(q, request);
  } catch (error) {
    if (error instanceof AppError && (error.code === 'VALIDATION_FAILED' || error.code === 'NOT_FOUND')) return 0;
    throw error;
  }
}
