/**
 * InfluxDB errors, one class per way a request can fail. The ingest writer and the HTTP
 * layer decide what to do from the class: retry (`InfluxUnavailableError`), isolate the bad
 * line (`InfluxRefusedError`), or report (`InfluxQueryError`).
 */
export type InfluxErrorCode = 'INFLUX_UNAVAILABLE' | 'INFLUX_REFUSED' | 'INFLUX_QUERY_FAILED';

export abstract class InfluxError extends Error {
  abstract readonly code: InfluxErrorCode;
  constructor(
    message: string,
    /** HTTP status when the server answered; undefined for network errors and timeouts. */
    readonly status?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Network error, timeout, 5xx, 429, auth or missing database: worth retrying later. */
export class InfluxUnavailableError extends InfluxError {
  readonly code = 'INFLUX_UNAVAILABLE';
}

/** The server refused the request body (400, 413): retrying the same body will not help. */
export class InfluxRefusedError extends InfluxError {
  readonly code = 'INFLUX_REFUSED';
}

/** An InfluxQL statement failed (syntax, unknown database...). */
export class InfluxQueryError extends InfluxError {
  readonly code = 'INFLUX_QUERY_FAILED';
}

/** HTTP statuses that say "this body is wrong" rather than "the server is not ready". */
export function isRefusalStatus(status: number): boolean {
  return status === 400 || status === 413 || status === 422;
}

/** Maps an HTTP response status and body to the right error class. */
export function errorForStatus(status: number, message: string): InfluxError {
  return isRefusalStatus(status) ? new InfluxRefusedError(message, status) : new InfluxUnavailableError(message, status);
}

/** Extracts InfluxDB's own message from an error body (JSON `{error}` / `{message}` or text). */
export function influxMessage(body: string | undefined, fallback: string): string {
  if (!body) return fallback;
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown };
    const text = json.error ?? json.message;
    if (typeof text === 'string' && text.length > 0) return text;
  } catch {
    // not JSON: use the text itself
  }
  return body.trim().slice(0, 1000) || fallback;
}
