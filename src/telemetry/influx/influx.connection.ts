/**
 * One InfluxDB server, whichever version: detects it from /ping, creates the database, hands
 * out WriteApis that write exactly when told to (no timer, no hidden retry buffer), and runs
 * InfluxQL on /query (1.x, 2.x with a DBRP mapping, 3.x).
 */
import { HttpError, InfluxDB, setLogger, type WriteApi, type WriteOptions } from '@influxdata/influxdb-client';
import type { Config } from '../../kernel/config.js';
import type { Logger } from '../../kernel/logger.js';
import { retry } from '../../kernel/retry.js';
import { ensureDatabase } from './influx.admin.js';
import { errorForStatus, influxMessage, InfluxError, InfluxQueryError, InfluxUnavailableError } from './influx.errors.js';
import { influxFetch } from './influx.http.js';
import { influxQueryResponseSchema, type InfluxStatementResult } from './influxql.js';
import { INFLUX_VERSIONS, parseInfluxVersion, type InfluxVersion } from './influx.version.js';
import { basicAuthHeader, V1WriteTransport } from './v1-write.transport.js';

export interface InfluxOptions {
  /** Base URL, e.g. http://127.0.0.1:8086. */
  readonly url: string;
  /** Database (1.x, 3.x) or bucket (2.x). */
  readonly database: string;
  /** Retention policy (1.x); '' = the database default. */
  readonly retentionPolicy: string;
  /** API token (2.x, 3.x; on 1.8+ a token replaces username/password). */
  readonly token?: string | undefined;
  /** Organisation name (2.x). */
  readonly org?: string | undefined;
  /** User name and password (1.x with authentication). */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly logger: Logger;
  /** Skip /ping detection and assume this version. Default: detected. */
  readonly version?: InfluxVersion | undefined;
  /** HTTP request timeout in milliseconds. Default 10000. */
  readonly timeoutMs?: number | undefined;
  /** Gzip large writes: 'auto' (default) = unless the server is on a loopback address. */
  readonly gzip?: InfluxGzip | undefined;
}

export type InfluxGzip = 'auto' | 'always' | 'never';

/** Bodies above this many bytes are gzipped when gzip is on. */
export const GZIP_THRESHOLD_BYTES = 128 * 1024;

/** Whether writes to `url` are gzipped: 'auto' compresses only for a server that is not on this machine's loopback. */
export function gzipWrites(url: string, gzip: InfluxGzip = 'auto'): boolean {
  if (gzip !== 'auto') return gzip === 'always';
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return !(host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host));
}

export interface InfluxWriteApiOptions {
  /** Most lines the caller writes between two flush() calls. Default 10000. */
  readonly maxLinesPerFlush?: number;
  /** Request bodies larger than this many bytes are gzipped. Default: GZIP_THRESHOLD_BYTES when the connection gzips (see gzipWrites), else never. */
  readonly gzipThreshold?: number;
}

export type QueryEpoch = 'ns' | 'u' | 'ms' | 's' | 'm' | 'h';

export interface InfluxQueryOptions {
  /** Timestamp format of the results. Default 'ms'. */
  readonly epoch?: QueryEpoch;
  /** Database the statement runs in; null = none (server-level statements). Default: the connection's. */
  readonly database?: string | null;
}

/** Connection options from the configuration; add the logger: `{ ...influxOptionsFromConfig(config), logger }`. */
export function influxOptionsFromConfig(config: Config): Omit<InfluxOptions, 'logger'> {
  return {
    url: config.INFLUX_URL,
    database: config.INFLUX_DATABASE,
    retentionPolicy: config.INFLUX_RETENTION_POLICY,
    token: config.INFLUX_TOKEN,
    org: config.INFLUX_ORG,
    username: config.INFLUX_USERNAME,
    password: config.INFLUX_PASSWORD,
    gzip: config.INFLUX_GZIP,
  };
}

export class InfluxConnection {
  private readonly writeApis = new Set<WriteApi>();
  private readonly timeoutMs: number;

  constructor(
    private readonly options: InfluxOptions,
    readonly version: InfluxVersion,
    /** The server's own version string ('' when not reported). */
    readonly serverVersion: string,
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  get url(): string {
    return this.options.url;
  }
  get database(): string {
    return this.options.database;
  }
  get retentionPolicy(): string {
    return this.options.retentionPolicy;
  }

  /** Authorization header for /query, /ping and the admin APIs. */
  get authHeaders(): Record<string, string> {
    return authHeaders(this.options, this.version);
  }

  /** Creates the database/bucket (and 2.x DBRP mapping) when missing. */
  async ensureDatabase(): Promise<void> {
    await ensureDatabase({ ...this.options, version: this.version, authHeaders: this.authHeaders, timeoutMs: this.timeoutMs });
  }

  /**
   * A WriteApi in ms precision that only sends on flush(): no flush timer (the client's
   * default is 60 s), no retries and so no in-memory retry buffer (which drops lines past
   * maxBufferLines or maxRetryTime). `await api.flush()` resolves only once InfluxDB answered
   * 204/201, and rejects with the client's HttpError or network error otherwise. Write at
   * most `maxLinesPerFlush` lines between flushes, or the client sends on its own.
   */
  writeApi(options: InfluxWriteApiOptions = {}): WriteApi {
    const maxLines = options.maxLinesPerFlush ?? 10_000;
    const writeOptions: Partial<WriteOptions> = {
      flushInterval: 0,
      maxRetries: 0,
      batchSize: maxLines + 1,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      gzipThreshold: options.gzipThreshold ?? (gzipWrites(this.options.url, this.options.gzip) ? GZIP_THRESHOLD_BYTES : Number.MAX_SAFE_INTEGER),
    };
    const { url, token, username, password, org } = this.options;
    let client: InfluxDB;
    let bucket = this.options.database;
    switch (this.version) {
      case '1.x-legacy': {
        const inner = new InfluxDB({ url, timeout: this.timeoutMs }).transport;
        client = new InfluxDB({ url, transport: new V1WriteTransport(inner, { username, password }) });
        if (this.options.retentionPolicy) bucket = `${bucket}/${this.options.retentionPolicy}`;
        break;
      }
      case '1.8+':
        client = new InfluxDB({ url, timeout: this.timeoutMs, token: username ? `${username}:${password ?? ''}` : token });
        if (this.options.retentionPolicy) bucket = `${bucket}/${this.options.retentionPolicy}`;
        break;
      case '2.x':
      case '3.x':
        client = new InfluxDB({ url, timeout: this.timeoutMs, token });
        break;
    }
    const api = client.getWriteApi(this.version === '2.x' ? (org ?? '') : '', bucket, 'ms', writeOptions);
    this.writeApis.add(api);
    return api;
  }

  /** Runs InfluxQL. Throws InfluxQueryError for a failed statement, InfluxUnavailableError when the server cannot answer. */
  async query(influxql: string, options: InfluxQueryOptions = {}): Promise<InfluxStatementResult[]> {
    const database = options.database === undefined ? this.options.database : options.database;
    const params = {
      db: database ?? undefined,
      rp: database !== null && this.options.retentionPolicy ? this.options.retentionPolicy : undefined,
      epoch: options.epoch ?? 'ms',
    };
    const read = /^\s*(SELECT|SHOW)\b/i.test(influxql);
    const res = await influxFetch(this.options.url, '/query', {
      method: read ? 'GET' : 'POST',
      query: read ? { ...params, q: influxql } : params,
      form: read ? undefined : { q: influxql },
      headers: this.authHeaders,
      timeoutMs: this.timeoutMs,
    });
    if (res.status === 400) throw new InfluxQueryError(influxMessage(res.text, 'query refused'), 400);
    if (res.status !== 200) throw new InfluxUnavailableError(`InfluxDB /query answered ${res.status}: ${influxMessage(res.text, '')}`, res.status);
    let parsed;
    try {
      parsed = influxQueryResponseSchema.parse(JSON.parse(res.text));
    } catch {
      throw new InfluxQueryError(`InfluxDB /query answered an unexpected body: ${res.text.slice(0, 200)}`, res.status);
    }
    if (parsed.error) throw new InfluxQueryError(parsed.error, res.status);
    return parsed.results.map((result) => {
      if (result.error) throw new InfluxQueryError(result.error, res.status);
      return { series: result.series };
    });
  }

  /** Disposes every WriteApi handed out (they hold no data: callers flush explicitly). */
  async close(): Promise<void> {
    for (const api of this.writeApis) api.dispose();
    this.writeApis.clear();
  }
}

function authHeaders(options: InfluxOptions, version: InfluxVersion): Record<string, string> {
  if ((version === '1.x-legacy' || version === '1.8+') && options.username) return basicAuthHeader(options);
  return options.token ? { authorization: `Token ${options.token}` } : {};
}

/** Pings the server, detects its version and returns a connection. Throws InfluxUnavailableError if it cannot be reached. */
export async function connectInflux(options: InfluxOptions): Promise<InfluxConnection> {
  routeClientLog(options.logger);
  if (options.version) return new InfluxConnection(options, options.version, '');
  const res = await influxFetch(options.url, '/ping', { headers: authHeaders(options, '2.x'), timeoutMs: options.timeoutMs ?? 10_000 });
  if (res.status !== 204 && res.status !== 200) {
    throw new InfluxUnavailableError(`InfluxDB /ping answered ${res.status}`, res.status);
  }
  const header = res.headers.get('x-influxdb-version') ?? '';
  let version = parseInfluxVersion(header);
  if (!version) {
    version = options.token ? '2.x' : '1.x-legacy';
    options.logger.warn({ header, assumed: version, known: INFLUX_VERSIONS }, 'InfluxDB did not report a known version; assuming one');
  }
  options.logger.info({ url: options.url, serverVersion: header, version }, 'connected to InfluxDB');
  return new InfluxConnection(options, version, header);
}

/**
 * Connects and ensures the database, retrying for as long as InfluxDB is away (backoff from
 * 500 ms doubling to 10 s; a warning on the first failure and every tenth) until `stopped()`
 * says the process is shutting down: then resolves undefined. Telemetry waits in the journal
 * meanwhile, so the platform starts without InfluxDB.
 */
export async function connectInfluxWithRetry(config: Config, logger: Logger, stopped: () => boolean): Promise<InfluxConnection | undefined> {
  try {
    return await retry(
      async () => {
        if (stopped()) return undefined;
        const connection = await connectInflux({ ...influxOptionsFromConfig(config), logger });
        await connection.ensureDatabase();
        logger.info({ url: config.INFLUX_URL, version: connection.version, database: config.INFLUX_DATABASE }, 'influxdb ready');
        return connection;
      },
      {
        minDelayMs: 500,
        maxDelayMs: 10_000,
        unref: true,
        onFailedAttempt: (error, attempt) => {
          if (attempt === 1 || attempt % 10 === 0) {
            logger.warn({ err: (error as Error).message, url: config.INFLUX_URL, attempt }, 'InfluxDB unavailable; telemetry stays in the journal, retrying');
          }
        },
        shouldRetry: () => !stopped(),
      },
    );
  } catch (error) {
    if (stopped()) return undefined;
    throw error;
  }
}

/** Converts whatever a WriteApi flush rejected with into an InfluxError. */
export function toInfluxError(error: unknown): InfluxError {
  if (error instanceof InfluxError) return error;
  if (error instanceof HttpError) return errorForStatus(error.statusCode, influxMessage(error.body, error.message));
  const message = error instanceof Error ? error.message : String(error);
  return new InfluxUnavailableError(`InfluxDB write failed: ${message}`);
}

/** The client logs failed writes to the console; we report them ourselves, so keep its log at debug level. */
function routeClientLog(logger: Logger): void {
  setLogger({
    error: (message, error) => logger.debug({ err: error }, `influxdb-client: ${message}`),
    warn: (message, error) => logger.debug({ err: error }, `influxdb-client: ${message}`),
  });
}
