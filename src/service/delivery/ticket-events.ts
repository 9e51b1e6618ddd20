/**
 * Ticket events: what dispatchers (server-sent events) and other systems (webhooks) are told.
 * Services publish AFTER their transaction committed, through the small `TicketEventsPort`; when
 * no port is given nothing is published. Publishing never fails the caller: a Redis or queue
 * error is logged and the change stands (delivery is best effort at publish time, then retried
 * by BullMQ for webhooks).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../kernel/logger.js';
import type { Ticket } from '../tickets/tickets.schemas.js';

/** `quote.*`: a quote of the ticket was sent, accepted or declined (`quote` names it; no amounts). `ticket.sla_at_risk` / `ticket.sla_breached`: sent once per ticket and due time by the SLA watch (SLA_AT_RISK_LEAD_MINUTES ahead / once passed). */
export const TICKET_EVENT_TYPES = [
  'ticket.created',
  'ticket.updated',
  'ticket.status_changed',
  'ticket.evidence_appended',
  'ticket.sla_at_risk',
  'ticket.sla_breached',
  'quote.sent',
  'quote.accepted',
  'quote.declined',
] as const;
export type TicketEventType = (typeof TICKET_EVENT_TYPES)[number];

/** What a service hands over. */
export interface TicketEventInput {
  readonly type: TicketEventType;
  readonly ticket: Ticket;
  /** For ticket.status_changed: the status before. */
  readonly from?: string;
  /** For the SLA events: which due time, and minutes left (negative: overdue). */
  readonly sla?: SlaAlert;
  /** For the quote events. */
  readonly quote?: QuoteRef;
}

export interface QuoteRef {
  readonly id: string;
  readonly number: string;
  readonly status: string;
}

export interface SlaAlert {
  readonly target: 'response' | 'resolution';
  readonly dueAt: string;
  readonly minutesLeft: number;
}

/** What subscribers receive (SSE `data:` and the webhook body). */
export interface TicketEvent {
  /** Unique per event; the SSE `id:` and the webhook `X-Telemend-Event-Id`. */
  readonly id: string;
  readonly type: TicketEventType;
  readonly at: string;
  readonly ticketId: string;
  readonly from?: string;
  readonly to?: string;
  readonly sla?: SlaAlert;
  readonly quote?: QuoteRef;
  readonly ticket: Ticket;
}

/** The port services depend on. */
export interface TicketEventsPort {
  publish(input: TicketEventInput): Promise<void>;
}

/** Where events go besides the pub/sub channel (the webhook queue). */
export interface TicketEventSink {
  accept(event: TicketEvent): Promise<void>;
}

/** The Redis pub/sub channel carrying events to every API process's SSE clients. */
export const ticketEventsChannel = (prefix: string): string => `${prefix}:ticket-events`;

export interface TicketEventsOptions {
  /** A shared connection used to PUBLISH (not closed here). */
  readonly redis: Redis;
  /** REDIS_PREFIX. */
  readonly prefix: string;
  /** Webhook fan-out; none = stream only. */
  readonly sinks?: readonly TicketEventSink[];
  readonly logger: Logger;
}

export class TicketEvents implements TicketEventsPort {
  private readonly channel: string;

  constructor(private readonly options: TicketEventsOptions) {
    this.channel = ticketEventsChannel(options.prefix);
  }

  async publish(input: TicketEventInput): Promise<void> {
    const event = toEvent(input);
    try {
      await this.options.redis.publish(this.channel, JSON.stringify(event));
    } catch (error) {
      this.options.logger.warn({ err: error, event: event.type, ticketId: event.ticketId }, 'ticket event not published on the stream');
    }
    for (const sink of this.options.sinks ?? []) {
      try {
        await sink.accept(event);
      } catch (error) {
        this.options.logger.warn({ err: error, event: event.type, ticketId: event.ticketId }, 'ticket event not queued for webhooks');
      }
    }
  }
}

export function toEvent(input: TicketEventInput): TicketEvent {
  return {
    id: randomUUID(),
    type: input.type,
    at: new Date().toISOString(),
    ticketId: input.ticket.id,
    ...(input.type === 'ticket.status_changed' ? { from: input.from, to: input.ticket.status } : {}),
    ...(input.sla ? { sla: input.sla } : {}),
    ...(input.quote ? { quote: input.quote } : {}),
    ticket: input.ticket,
  };
}

/** Publishes and swallows anything (for callers holding an optional port). */
export async function publishSafely(port: TicketEventsPort | undefined, input: TicketEventInput): Promise<void> {
  if (!port) return;
  try {
    await port.publish(input);
  } catch {
    // The port logs its own failures; a change that committed is never undone by its event.
  }
}
