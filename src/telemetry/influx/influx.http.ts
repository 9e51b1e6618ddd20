/** Small HTTP helper for the InfluxDB requests the client library does not cover (ping, /query, admin APIs). */
import { InfluxUnavailableError } from './influx.errors.js';

export interface InfluxHttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export interface InfluxHttpRequest {
  method?: 'GET' | 'POST';
  /** Query-string parameters; undefined values are left out. */
  query?: Record<string, string | undefined>;
  /** JSON body (sent as application/json) or form fields (application/x-www-form-urlencoded). */
  json?: unknown;
  form?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  /** Request timeout in milliseconds. Default 10000. */
  timeoutMs?: number;
}

export async function influxFetch(baseUrl: string, path: string, request: InfluxHttpRequest = {}): Promise<InfluxHttpResponse> {
  const url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
  const headers: Record<string, string> = { ...request.headers };
  let body: string | undefined;
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.json);
  } else if (request.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(Object.entries(request.form).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  }
  try {
    const res = await fetch(url, {
      method: request.method ?? 'GET',
      headers,
      body,
      signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (error) {
    const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new InfluxUnavailableError(`InfluxDB at ${url.origin} is unreachable: ${cause}`);
  }
}
