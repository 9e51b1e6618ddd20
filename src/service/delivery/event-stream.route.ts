/**
 * One server-sent-events route over a Redis pub/sub channel (TicketStreamHub): the stream of
 * tickets and the stream of device commands are the same mechanism on different channels.
 * One SSE message per event (`sseMessage`), a `: heartbeat` comment every HEARTBEAT_MS, no replay;
 * the first bytes (`retry:` and `: connected`) are sent once the stream is subscribed. Open
 * streams end when the app closes.
 */
import type { FastifyContextConfig, FastifyRequest, FastifySchema } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../../kernel/config.js';
import type { Logger } from '../../kernel/logger.js';
import { unavailable } from '../../kernel/errors.js';
import type { ZodApp } from '../../kernel/http/http.types.js';
import { TicketStreamHub } from './ticket-stream.js';
import type { TicketEvent } from './ticket-events.js';

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

export interface EventStreamRoute {
  url: string;
  config: FastifyContextConfig;
  schema: FastifySchema;
  /** Named in the 503 when Redis is not there ("the ticket stream"). */
  name: string;
  /** Pub/sub channel; default the ticket events' channel. */
  channel?: (prefix: string) => string;
  /** Which messages of the channel this request's stream gets (e.g. only the caller's own); default all. */
  filter?: (request: FastifyRequest) => (raw: string) => boolean;
}

/** What a stream needs: the shared Redis client (absent: 503), REDIS_PREFIX and the logger. */
export interface EventStreamDeps {
  readonly redis: Redis | undefined;
  readonly config: Pick<Config, 'REDIS_PREFIX'>;
  readonly logger: Logger;
}

export function registerEventStream(app: ZodApp, deps: EventStreamDeps, route: EventStreamRoute): void {
  let hub: TicketStreamHub | undefined;
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
    await hub?.close();
  });
  app.get(route.url, { config: route.config, schema: route.schema }, async (request, reply) => {
    if (!deps.redis) throw unavailable(route.name);
    hub ??= new TicketStreamHub(deps.redis, deps.config.REDIS_PREFIX, deps.logger, route.channel?.(deps.config.REDIS_PREFIX));
    const raw = reply.raw;
    const write = (chunk: string) => {
      if (chunk && !raw.writableEnded) raw.write(chunk);
    };
    const accept = route.filter?.(request) ?? (() => true);
    const unsubscribe = await hub
      .add((message) => {
        if (accept(message)) write(sseMessage(message));
      })
      .catch(() => {
        throw unavailable(route.name);
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
  });
}
