/**
 * GET /api/v1/stream/tickets — server-sent events of new and changed tickets (admin, dispatcher).
 * One SSE message per ticket event: `id: <event id>`, `event: <type>`, `data: <TicketEvent JSON>`.
 * A `: heartbeat` comment every 15 s keeps proxies from closing the connection. There is no
 * replay: `Last-Event-ID` is ignored, a client that reconnects re-reads the ticket list for what it
 * missed. The first bytes (`retry:` and `: connected`) are sent once the stream is subscribed.
 */
import type { ZodApp } from '../../kernel/http/http.types.js';
import { registerEventStream, type EventStreamDeps } from './event-stream.route.js';

export { HEARTBEAT_MS, sseMessage } from './event-stream.route.js';

export async function ticketStreamRoutes(app: ZodApp, deps: EventStreamDeps): Promise<void> {
  registerEventStream(app, deps, {
    url: '/stream/tickets',
    name: 'the ticket stream',
    config: { roles: ['admin', 'dispatcher'] },
    schema: {
      tags: ['tickets'],
      summary:
        'Server-sent events: ticket.created, ticket.updated, ticket.status_changed, ticket.evidence_appended, ticket.sla_at_risk, ticket.sla_breached, quote.sent, quote.accepted, quote.declined (no replay)',
    },
  });
}
