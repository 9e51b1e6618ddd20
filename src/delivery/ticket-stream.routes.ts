/**
 * GET /api/v1/stream/tickets — server-sent events of new and changed tickets (admin, dispatcher).
 * One SSE message per ticket event: `id: <event id>`, `event: <type>`, `data: <TicketEvent JSON>`.
 * A `: heartbeat` comment every 15 s keeps proxies from closing the connection. There is no
 * replay: `Last-Event-ID` is ignored, a client that reconnects re-reads the ticket list for what it
 * missed. The first bytes (`retry:` and `: connected`) are sent once the stream is subscribed.
 */
import type { AppContext } from '../platform/context.js';
import { unavailable } from '../platform/errors.js';
import type { ZodApp } from '../platform/http/http.types.js';
import type { TicketEvent } from './ticket-events.js';
import { TicketStreamHub } from './ticket-stream.js';

/** Interval of the keep-alive comment, in ms. */
export const HEARTBEAT_MS = 15_000;

/** Formats one SSE message (data is one JSON line, so no multi-line splitting is needed). */
export function sseMessage(raw: string): string {
  let event: Pick<TicketEvent, 'id' | 'type'>;
  try {
    event = JSON.parse(raw) as TicketEvent;
  } catch {
    return '';
  }
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${raw.replace(/\r?\n/g, '')}\n\n`;
}

export async function ticketStreamRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  let hub: TicketStreamHub | undefined;
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
    await hub?.close();
  });

  app.get(
    '/stream/tickets',
    {
      config: { roles: ['admin', 'dispatcher'] },
      schema: { tags: ['tickets'], summary: 'Server-sent events: ticket.created, ticket.updated, ticket.status_changed, ticket.evidence_appended (no replay)' },
    },
    async (request, reply) => {
      if (!ctx.redis) throw unavailable('the ticket stream');
      hub ??= new TicketStreamHub(ctx.redis, ctx.config.REDIS_PREFIX, ctx.logger);
      const raw = reply.raw;
      const write = (chunk: string) => {
        if (chunk && !raw.writableEnded) raw.write(chunk);
      };
      const unsubscribe = await hub.add((message) => write(sseMessage(message))).catch(() => {
        throw unavailable('the ticket stream');
      });
      reply.hijack();
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      write('retry: 3000\n: connected\n\n');
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), HEARTBEAT_MS);
      heartbeat.unref();
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(end);
        if (!raw.writableEnded) raw.end();
      };
      streams.add(end);
      request.raw.on('close', end);
    },
  );
}
