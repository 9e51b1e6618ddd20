/**
 * InfluxDB 1.x before 1.8 (Debian's 1.6.7) has no /api/v2/write, only /write. The client's
 * WriteApi always posts `/api/v2/write?org=&bucket=&precision=`; this transport rewrites that
 * request onto `/write?db=&rp=&precision=` and adds basic authentication, then hands it to the
 * client's own Node transport, so batching, gzip and error reporting stay the library's.
 * The bucket follows the 1.8 compatibility convention: `database` or `database/retention-policy`.
 */
import type { CommunicationObserver, ResponseStartedFn, SendOptions, Transport } from '@influxdata/influxdb-client';

const PRECISION_V1: Record<string, string> = { ns: 'n', us: 'u', ms: 'ms', s: 's' };

export interface V1Credentials {
  readonly username?: string | undefined;
  readonly password?: string | undefined;
}

/** Maps a v2 write path to its 1.x equivalent; other paths are returned unchanged. */
export function mapWritePathToV1(path: string): string {
  const [route, search = ''] = path.split('?', 2) as [string, string?];
  if (route !== '/api/v2/write') return path;
  const v2 = new URLSearchParams(search);
  const bucket = v2.get('bucket') ?? '';
  const slash = bucket.indexOf('/');
  const params = new URLSearchParams();
  params.set('db', slash === -1 ? bucket : bucket.slice(0, slash));
  const rp = slash === -1 ? '' : bucket.slice(slash + 1);
  if (rp) params.set('rp', rp);
  const precision = v2.get('precision');
  if (precision) params.set('precision', PRECISION_V1[precision] ?? precision);
  const consistency = v2.get('consistency');
  if (consistency) params.set('consistency', consistency);
  return `/write?${params.toString()}`;
}

export function basicAuthHeader(credentials: V1Credentials): Record<string, string> {
  if (!credentials.username) return {};
  const encoded = Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64');
  return { authorization: `Basic ${encoded}` };
}

export class V1WriteTransport implements Transport {
  private readonly auth: Record<string, string>;

  constructor(
    private readonly inner: Transport,
    credentials: V1Credentials = {},
  ) {
    this.auth = basicAuthHeader(credentials);
  }

  get chunkCombiner() {
    return this.inner.chunkCombiner;
  }

  send(path: string, body: string, options: SendOptions, callbacks?: Partial<CommunicationObserver<Uint8Array>>): void {
    this.inner.send(mapWritePathToV1(path), body, this.withAuth(options), callbacks);
  }

  request(path: string, body: unknown, options: SendOptions, responseStarted?: ResponseStartedFn): Promise<unknown> {
    return this.inner.request(mapWritePathToV1(path), body, this.withAuth(options), responseStarted);
  }

  iterate(path: string, body: unknown, options: SendOptions): AsyncIterableIterator<Uint8Array> {
    return this.inner.iterate(mapWritePathToV1(path), body, this.withAuth(options));
  }

  private withAuth(options: SendOptions): SendOptions {
    return { ...options, headers: { ...options.headers, ...this.auth } };
  }
}
