/* global fetch, window, TextDecoder, AbortController */
/**
 * Server-sent events over fetch(): EventSource cannot send an Authorization header, so the
 * text/event-stream body is read with a ReadableStream and parsed here (WHATWG SSE rules: lines
 * end in \n, \r\n or \r; `field: value`; a blank line dispatches; `:` starts a comment; `retry:`
 * sets the reconnection delay). On any end or error the stream reconnects with exponential
 * backoff (1 s, 2 s, 4 s ... capped at 30 s, with jitter), reset once a connection is open.
 */
import { API, authHeaders } from './api.js';

/** Incremental SSE parser: feed() it text chunks, it calls onEvent({ id, event, data }) and onRetry(ms). */
export function createSseParser(onEvent, onRetry = () => undefined) {
  let buffer = '';
  let data = [];
  let event = '';
  let id = '';
  const dispatch = () => {
    if (data.length) onEvent({ id, event: event || 'message', data: data.join('\n') });
    data = [];
    event = '';
  };
  const line = (text) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return undefined;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) onRetry(Number(value));
    return undefined;
  };
  return {
    feed(chunk) {
      buffer += chunk;
      let match;
      // A lone \r at the very end may be the first half of \r\n: keep it for the next chunk.
      while ((match = /\r\n|\r(?!$)|\n/.exec(buffer))) {
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    },
  };
}

/**
 * Connects to GET /api/v1/stream/tickets and keeps it connected.
 * @param {{ onEvent(e: {id, event, data}): void, onState(state: 'connecting'|'live'|'reconnecting'|'offline', info?): void, onOpen?(): void, onAuthError?(error): void }} handlers
 * @returns {{ close(): void, reconnectNow(): void }}
 */
export function connectTicketStream(handlers) {
  let closed = false;
  let attempt = 0;
  let retryBase = 1000;
  let controller;
  let timer;
  let generation = 0;

  const schedule = (mine) => {
    if (closed || mine !== generation) return;
    const delay = Math.min(30_000, retryBase * 2 ** attempt) * (0.8 + Math.random() * 0.4);
    attempt++;
    handlers.onState('reconnecting', { delayMs: delay, attempt });
    timer = window.setTimeout(run, delay);
  };

  async function run() {
    if (closed) return undefined;
    const mine = ++generation;
    controller = new AbortController();
    handlers.onState(attempt === 0 ? 'connecting' : 'reconnecting', { attempt });
    let res;
    try {
      res = await fetch(`${API}/stream/tickets`, { headers: { accept: 'text/event-stream', ...authHeaders() }, signal: controller.signal, cache: 'no-store' });
    } catch {
      return schedule(mine);
    }
    if (res.status === 401 || res.status === 403) {
      closed = true;
      handlers.onState('offline', { status: res.status });
      handlers.onAuthError?.(res.status);
      return undefined;
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

  run();
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
      timer = window.setTimeout(run, 0);
    },
  };
}
