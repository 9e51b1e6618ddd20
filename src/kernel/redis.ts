/**
 * The one factory of the platform's ioredis clients. Every client it makes has an error handler
 * (an ioredis client without one prints "[ioredis] Unhandled error event" on every reconnect
 * attempt), and their connection errors feed ONE outage log for the process: a line when Redis
 * becomes unreachable, a reminder at most every `repeatMs` while it lasts, and a line with the
 * duration when every client is back. A 10 s outage used to write ~2 900 lines (every client and
 * every BullMQ worker logged every failed attempt).
 *
 * Libraries that own connections of their own (BullMQ workers duplicate theirs) report their
 * 'error' events through `reportError()`: connection errors join the outage, others are logged.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

export interface RedisConnector {
  /** A new client named `telemend-<name>` whose connection errors go to the outage log. */
  connect(name: string, options?: RedisOptions): Redis;
  /** An error event of a library's own Redis connection (BullMQ Worker/Queue 'error'). */
  reportError(source: string, error: unknown): void;
  /** Closes a client within `timeoutMs` (QUIT, then a hard disconnect if Redis does not answer). */
  close(client: Redis | undefined, timeoutMs?: number): Promise<void>;
}

export interface RedisConnectorOptions {
  readonly url: string;
  readonly logger: Logger;
  /** Least time between two "still unavailable" lines of one outage. Default 30 000 ms. */
  readonly repeatMs?: number;
}

/** Errors that mean "Redis is not reachable right now" rather than a bad command. */
const CONNECTION_ERROR =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|EAI_AGAIN|Connection is closed|Stream isn't writeable|max retries per request|Command timed out|Socket closed unexpectedly|connect ETIMEDOUT/i;

export function isRedisConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return CONNECTION_ERROR.test(error.message) || CONNECTION_ERROR.test((error as { code?: string }).code ?? '');
}

export function createRedisConnector(options: RedisConnectorOptions): RedisConnector {
  return new OutageAwareConnector(options);
}

/** Falls back to a plain client (with a debug-level error handler) when no connector is given, e.g. in unit tests. */
export function connectRedis(connector: RedisConnector | undefined, url: string, name: string, options: RedisOptions, logger: Logger): Redis {
  if (connector) return connector.connect(name, options);
  const client = new Redis(url, { ...options, connectionName: `telemend-${name}` });
  client.on('error', (error) => logger.debug({ err: error, client: name }, 'redis connection error'));
  return client;
}

/** QUIT within `timeoutMs`, else disconnect: QUIT on a reconnecting client waits for Redis. */
export async function closeRedis(client: Redis | undefined, timeoutMs = 1000): Promise<void> {
  if (!client || client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const quit = client.quit().then(
    () => true,
    () => false,
  );
  const done = await Promise.race([quit, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
  clearTimeout(timer);
  if (!done) client.disconnect();
}

class OutageAwareConnector implements RedisConnector {
  private readonly clients = new Set<Redis>();
  /** Clients whose connection is lost and not yet ready again. */
  private readonly down = new Set<Redis>();
  private outage: { since: number; errors: number; loggedAt: number; lastReportAt: number; sources: Set<string> } | undefined;
  private endCheck: NodeJS.Timeout | undefined;
  private readonly repeatMs: number;

  constructor(private readonly options: RedisConnectorOptions) {
    this.repeatMs = options.repeatMs ?? 30_000;
  }

  connect(name: string, options: RedisOptions = {}): Redis {
    const client = new Redis(this.options.url, { ...options, connectionName: `telemend-${name}` });
    this.clients.add(client);
    client.on('error', (error: Error) => this.failed(name, error, client));
    // 'reconnecting' also covers a close without an error event (Redis shut down cleanly).
    client.on('reconnecting', () => this.failed(name, undefined, client));
    client.on('ready', () => this.recovered(client));
    client.on('end', () => {
      this.clients.delete(client);
      this.down.delete(client);
    });
    return client;
  }

  reportError(source: string, error: unknown): void {
    if (isRedisConnectionError(error)) {
      this.failed(source, error as Error);
      return;
    }
    this.options.logger.warn({ err: error, source }, 'redis client error');
  }

  close(client: Redis | undefined, timeoutMs?: number): Promise<void> {
    return closeRedis(client, timeoutMs);
  }

  private failed(source: string, error: Error | undefined, client?: Redis): void {
    if (error && !isRedisConnectionError(error)) {
      this.options.logger.warn({ err: error, client: source }, 'redis client error');
      return;
    }
    if (client) this.down.add(client);
    const now = Date.now();
    if (!this.outage) {
      this.outage = { since: now, errors: error ? 1 : 0, loggedAt: now, lastReportAt: now, sources: new Set([source]) };
      this.options.logger.warn(
        { err: error?.message, client: source, repeatEveryMs: this.repeatMs },
        'redis unavailable; clients reconnect by themselves, this is logged again while it lasts and when it ends',
      );
      this.endCheck = setInterval(() => this.maybeEnded(), 500).unref();
      return;
    }
    const outage = this.outage;
    if (error) outage.errors += 1;
    outage.lastReportAt = now;
    outage.sources.add(source);
    if (now - outage.loggedAt >= this.repeatMs) {
      outage.loggedAt = now;
      this.options.logger.warn(
        { err: error?.message, forMs: now - outage.since, errors: outage.errors, clients: [...outage.sources] },
        'redis still unavailable',
      );
    }
  }

  private recovered(client: Redis): void {
    this.down.delete(client);
    this.maybeEnded();
  }

  /** The outage ends when no client is down, one is ready and no library reported an error for a second. */
  private maybeEnded(): void {
    const outage = this.outage;
    if (!outage || this.down.size > 0 || Date.now() - outage.lastReportAt < 1000) return;
    if (![...this.clients].some((c) => c.status === 'ready')) return;
    this.outage = undefined;
    clearInterval(this.endCheck);
    this.endCheck = undefined;
    this.options.logger.info({ downMs: Date.now() - outage.since, errors: outage.errors, clients: [...outage.sources] }, 'redis available again');
  }
}
