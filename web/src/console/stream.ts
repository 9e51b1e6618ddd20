/**
 * Server-sent events over fetch(): EventSource cannot send an Authorization header, so the
 * text/event-stream body is read with a ReadableStream and parsed here (WHATWG SSE rules: lines
 * end in \n, \r\n or \r; `field: value`; a blank line dispatches; `:` starts a comment; `retry:`
 * sets the reconnection delay). On any end or error the stream reconnects with exponential
 * backoff (1 s, 2 s, 4 s ... capped at 30 s, with jitter), reset once a connection is open.
 */
import { api } from './api';

export interface SseEvent {
  id: string;
  event: string;
  data: string;
}
export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'offline';
export interface StreamInfo {
  delayMs?: number;
  attempt?: number;
  status?: number;
}
export interface StreamHandlers {
  onEvent(e: SseEvent): void;
  onState(state: StreamState, info?: StreamInfo): void;
  onOpen?(): void;
  onAuthError?(status: number): void;
}

/** Incremental SSE parser: feed() it text chunks, it calls onEvent({ id, event, data }) and onRetry(ms). */
export function createSseParser(onEvent: (e: SseEvent) => void, onRetry: (ms: number) => void = () => undefined): { feed(chunk: string): void } {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id = '';
  const dispatch = (): void => {
    if (data.length) onEvent({ id, event: event || 'message', data: data.join('\n') });
    data = [];
    event = '';
  };
  const line = (text: string): void => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) onRetry(Number(value));
  };
  return {
    feed(chunk) {
      buffer += chunk;
      let match: RegExpExecArray | null;
      // A lone \r at the very end may be the first half of \r\n: keep it for the next chunk.
      while ((match = /\r\n|\r(?!$)|\n/.exec(buffer))) {
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    },
  };
}

/** Connects to GET /api/v1/stream/tickets and keeps it connected. */
export const connectTicketStream = (handlers: StreamHandlers): Stream => connectStream('/api/v1/stream/tickets', handlers);

export interface Stream {
  close(): void;
  reconnectNow(): void;
}

/** Connects to one of the API's event streams (`path`) and keeps it connected. */
export function connectStream(path: '/api/v1/stream/tickets' | '/api/v1/stream/commands', handlers: StreamHandlers): Stream {
  let closed = false;
  let attempt = 0;
  let retryBase = 1000;
  let controller: AbortController | undefined;
  let timer: number | undefined;
  let generation = 0;

  const schedule = (mine: number): void => {
    if (closed || mine !== generation) return;
    const delay = Math.min(30_000, retryBase * 2 ** attempt) * (0.8 + Math.random() * 0.4);
    attempt++;
    handlers.onState('reconnecting', { delayMs: delay, attempt });
    timer = window.setTimeout(() => void run(), delay);
  };

  async function run(): Promise<void> {
    if (closed) return;
    const mine = ++generation;
    controller = new AbortController();
    handlers.onState(attempt === 0 ? 'connecting' : 'reconnecting', { attempt });
    let res: Response;
    try {
      res = await fetch(path, {
        headers: { accept: 'text/event-stream', ...api.authHeaders() },
        signal: controller.signal,
        cache: 'no-store',
      });
    } catch {
      return schedule(mine);
    }
    if (res.status === 401 || res.status === 403) {
      closed = true;
      handlers.onState('offline', { status: res.status });
      handlers.onAuthError?.(res.status);
      return;
    }
    if (!res.ok || !res.body) return schedule(mine);
    attempt = 0;
    handlers.onState('live');
    handlers.onOpen?.();
    const parser = createSseParser(handlers.onEvent, (ms) => (retryBase = Math.max(500, ms)));
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // Network error or abort: fall through to reconnect (unless closed).
    }
    return schedule(mine);
  }

  void run();
  return {
    close() {
      closed = true;
      window.clearTimeout(timer);
      controller?.abort();
      handlers.onState('offline');
    },
    reconnectNow() {
      if (closed) return;
      window.clearTimeout(timer);
      generation++;
      controller?.abort();
      attempt = 0;
      timer = window.setTimeout(() => void run(), 0);
    },
  };
}
