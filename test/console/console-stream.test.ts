/**
 * The console's browser modules that hold logic, run in Node: the SSE parser (chunk boundaries
 * anywhere, CRLF/CR/LF, comments, multi-line data, retry) and the stream client's reconnection
 * with backoff (fetch and timers faked; the modules only touch them inside functions).
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';

interface SseEvent {
  id: string;
  event: string;
  data: string;
}
type State = 'connecting' | 'live' | 'reconnecting' | 'offline';
interface StreamModule {
  createSseParser(onEvent: (e: SseEvent) => void, onRetry?: (ms: number) => void): { feed(chunk: string): void };
  connectTicketStream(handlers: {
    onEvent(e: SseEvent): void;
    onState(s: State, info?: { delayMs?: number }): void;
    onOpen?(): void;
    onAuthError?(status: number): void;
  }): { close(): void; reconnectNow(): void };
}
interface ChartModule {
  ticks(min: number, max: number, count?: number): number[];
}

// A variable specifier keeps the root tsconfig (Node) from type-checking the browser workspace
// (web/, checked by its own tsconfig).
const load = <T>(file: string): Promise<T> => import(/* @vite-ignore */ `../../web/src/console/${file}`) as Promise<T>;

describe('SSE parser', () => {
  test('dispatches events however the text is chunked', async () => {
    const { createSseParser } = await load<StreamModule>('stream.ts');
    const text =
      'retry: 3000\r\n: connected\r\n\r\nid: 1\nevent: ticket.created\ndata: {"a":1}\n\n: heartbeat\n\nid: 2\revent: ticket.updated\rdata: line1\rdata: line2\r\r' +
      'data: no-event\n\n';
    const expected = [
      { id: '1', event: 'ticket.created', data: '{"a":1}' },
      { id: '2', event: 'ticket.updated', data: 'line1\nline2' },
      { id: '2', event: 'message', data: 'no-event' },
    ];
    for (const size of [1, 2, 3, 7, text.length]) {
      const events: SseEvent[] = [];
      const retries: number[] = [];
      const parser = createSseParser(
        (e) => events.push(e),
        (ms) => retries.push(ms),
      );
      for (let i = 0; i < text.length; i += size) parser.feed(text.slice(i, i + size));
      expect(events, `chunks of ${size}`).toEqual(expected);
      expect(retries).toEqual([3000]);
    }
  });

  test('an event without a terminating blank line is not dispatched', async () => {
    const { createSseParser } = await load<StreamModule>('stream.ts');
    const events: SseEvent[] = [];
    const parser = createSseParser((e) => events.push(e));
    parser.feed('event: ticket.created\ndata: {}\n');
    expect(events).toEqual([]);
    parser.feed('\n');
    expect(events).toHaveLength(1);
  });
});

describe('ticket stream client', () => {
  const states: State[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
    states.length = 0;
    vi.stubGlobal('window', globalThis);
    vi.stubGlobal('sessionStorage', { getItem: () => 'tok', setItem: () => undefined, removeItem: () => undefined });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  /** A response body that stays open until end() is called. */
  function body(chunks: string[]): { stream: ReadableStream<Uint8Array>; end(): void } {
    const encoder = new TextEncoder();
    let close = () => undefined as void;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(encoder.encode(c));
        close = () => controller.close();
      },
    });
    return { stream, end: () => close() };
  }

  test('sends the bearer token, reconnects with growing backoff, and stops on 401', async () => {
    const { connectTicketStream } = await load<StreamModule>('stream.ts');
    const calls: { url: string; auth: string | undefined }[] = [];
    const live = body(['retry: 500\n', 'event: ticket.created\ndata: {"n":1}\n\n']);
    const answers: (() => Promise<Response>)[] = [
      () => Promise.reject(new TypeError('network down')),
      () => Promise.resolve(new Response('', { status: 503 })),
      () => Promise.resolve(new Response(live.stream, { status: 200 })),
      () => Promise.resolve(new Response('{}', { status: 401 })),
    ];
    vi.stubGlobal('fetch', (url: string, init: { headers: Record<string, string> }) => {
      calls.push({ url, auth: init.headers.authorization });
      return answers[calls.length - 1]!();
    });
    const events: SseEvent[] = [];
    const delays: number[] = [];
    let opened = 0;
    let authError = 0;
    connectTicketStream({
      onEvent: (e) => events.push(e),
      onState: (s, info) => {
        states.push(s);
        if (s === 'reconnecting' && info?.delayMs) delays.push(info.delayMs);
      },
      onOpen: () => opened++,
      onAuthError: () => authError++,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([{ url: '/api/v1/stream/tickets', auth: 'Bearer tok' }]);
    await vi.advanceTimersByTimeAsync(1300); // first backoff ≈ 1 s (±20 %)
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2500); // second ≈ 2 s
    expect(calls).toHaveLength(3);
    expect(events).toEqual([{ id: '', event: 'ticket.created', data: '{"n":1}' }]);
    expect(opened).toBe(1);
    expect(states.at(-1)).toBe('live');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(3);
    // The stream ends: reconnect after the server's retry (500 ms), attempts reset by the open.
    live.end();
    await vi.advanceTimersByTimeAsync(700);
    expect(calls).toHaveLength(4);
    expect(authError).toBe(1);
    expect(states.at(-1)).toBe('offline');
    expect(states).toContain('live');
    expect(delays[0]).toBeGreaterThanOrEqual(800);
    expect(delays[1]).toBeGreaterThan(delays[0]! * 1.3);
    expect(delays[2]).toBeLessThanOrEqual(600);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(4);
  });
});

describe('chart ticks', () => {
  test('nice steps covering the range', async () => {
    const { ticks } = await load<ChartModule>('chart.ts');
    expect(ticks(6.2, 13.1, 4)).toEqual([8, 10, 12]);
    expect(ticks(0, 100, 4)).toEqual([0, 25, 50, 75, 100]);
    expect(ticks(5, 5)).toEqual([5]);
  });
});
