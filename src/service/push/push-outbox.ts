/**
 * Queues Web Push messages in the notification outbox (channel 'webpush', one row per message and
 * subscription, address = the subscription id), in the caller's transaction like every other
 * notification: the outbox sender delivers, retries and logs them. `WebPushNotifier` puts this
 * beside the technician's existing message (e-mail or signed push_url webhook), so every
 * assignment, reschedule and cancellation reaches the technician's phones too.
 */
import type { Queryable } from '../../kernel/db/database.js';
import type { Clock } from '../../kernel/clock.js';
import { NotificationsRepository } from '../notifications/notifications.repository.js';
import { resolveLanguage } from '../notifications/notification.templates.js';
import type { NotificationRequest, NotifierPort, TechnicianNotificationRequest } from '../notifications/notification.port.js';
import { formatWhen, pushMessage, type PushEvent } from './push-messages.js';

export interface PushRequest {
  readonly event: PushEvent;
  readonly technicianId: string;
  readonly ticketId: string;
  readonly visitId?: string | null | undefined;
  /** Same key, same subscription → queued once. */
  readonly dedupeKey: string;
  /** Planned start to show (ISO); default: the visit's. */
  readonly start?: string | null | undefined;
  readonly note?: string | null | undefined;
}

interface Facts {
  number: string;
  title: string;
  site_name: string | null;
  planned_start: Date | null;
  language: string | null;
  timezone: string | null;
  active: boolean;
}

export class PushOutbox {
  private readonly outbox = new NotificationsRepository();

  constructor(private readonly clock: Clock) {}

  /** Queues the message for each of the technician's subscriptions; returns how many. */
  async enqueue(q: Queryable, request: PushRequest): Promise<number> {
    const { rows: subscriptions } = await q.query<{ id: string }>('SELECT id FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at, id', [
      request.technicianId,
    ]);
    if (subscriptions.length === 0) return 0;
    const { rows } = await q.query<Facts>(
      `SELECT t.number, t.title, s.name AS site_name, v.planned_start, u.active,
              coalesce(to_jsonb(p)->>'language', to_jsonb(u)->>'language') AS language, to_jsonb(p)->>'timezone' AS timezone
         FROM tickets t JOIN users u ON u.id = $2
         LEFT JOIN technician_profiles p ON p.user_id = u.id
         LEFT JOIN assets a ON a.id = t.asset_id
         LEFT JOIN sites s ON s.id = coalesce(t.site_id, a.site_id)
         LEFT JOIN visits v ON v.id = $3
        WHERE t.id = $1`,
      [request.ticketId, request.technicianId, request.visitId ?? null],
    );
    const facts = rows[0];
    if (!facts || !facts.active) return 0;
    const start = request.start ? new Date(request.start) : facts.planned_start;
    const { language: lang, payload } = pushMessage(
      request.event,
      facts.language,
      {
        ticketNumber: facts.number,
        ticketTitle: facts.title,
        siteName: facts.site_name,
        when: start && !Number.isNaN(start.getTime()) ? formatWhen(start, resolveLanguage(facts.language), facts.timezone ?? 'UTC') : null,
        note: request.note ?? null,
      },
      { visitId: request.visitId ?? null, ticketId: request.ticketId },
    );
    let queued = 0;
    for (const subscription of subscriptions) {
      const inserted = await this.outbox.insert(q, {
        dedupeKey: request.dedupeKey,
        event: request.event,
        ticketId: request.ticketId,
        visitId: request.visitId ?? null,
        recipient: `push-subscription:${subscription.id}`,
        contactId: null,
        technicianId: request.technicianId,
        channel: 'webpush',
        address: subscription.id,
        language: lang,
        subject: payload.title,
        body: payload.body,
        html: null,
        data: { ...payload },
        at: this.clock.now(),
      });
      if (inserted) queued++;
    }
    return queued;
  }

  /**
   * A customer's words on a ticket (an inbound activity: call, e-mail or note) reach the ticket's
   * technician, pointing at their open visit on it when there is one.
   */
  async customerNote(q: Queryable, activity: { id: string; ticketId: string | null; direction: string; subject: string }): Promise<number> {
    if (!activity.ticketId || activity.direction !== 'inbound') return 0;
    const { rows } = await q.query<{ technician_id: string | null; visit_id: string | null }>(
      `SELECT t.technician_id, (SELECT v.id FROM visits v WHERE v.ticket_id = t.id AND v.technician_id = t.technician_id
                                   AND v.status IN ('planned', 'in_progress') ORDER BY v.planned_start LIMIT 1) AS visit_id
         FROM tickets t WHERE t.id = $1`,
      [activity.ticketId],
    );
    const ticket = rows[0];
    if (!ticket?.technician_id) return 0;
    return this.enqueue(q, {
      event: 'ticket.customer_note',
      technicianId: ticket.technician_id,
      ticketId: activity.ticketId,
      visitId: ticket.visit_id,
      dedupeKey: `ticket.customer_note:${activity.id}`,
      note: activity.subject,
    });
  }
}

/** The process's notifier with Web Push beside every technician message. */
export class WebPushNotifier implements NotifierPort {
  constructor(
    private readonly inner: NotifierPort,
    private readonly push: PushOutbox,
  ) {}

  enqueue(q: Queryable, request: NotificationRequest): Promise<number> {
    return this.inner.enqueue(q, request);
  }

  async enqueueForTechnician(q: Queryable, request: TechnicianNotificationRequest): Promise<number> {
    const queued = await this.inner.enqueueForTechnician(q, request);
    const start = request.data?.start;
    const pushed = await this.push.enqueue(q, {
      event: request.event,
      technicianId: request.technicianId,
      ticketId: request.ticketId,
      visitId: request.visitId,
      dedupeKey: request.dedupeKey ?? `${request.event}:${request.visitId}:${request.technicianId}:${start ?? ''}`,
      start: typeof start === 'string' ? start : null,
    });
    return queued + pushed;
  }
}
