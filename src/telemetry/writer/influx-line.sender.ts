/**
 * Sends a batch of line protocol to InfluxDB in requests of bounded size and isolates the lines
 * InfluxDB refuses: on a 400/413 the request is bisected until each refused line stands alone,
 * and the rest is written. Any other failure (InfluxDB unreachable, 5xx, 429, auth) is thrown:
 * the caller retries the whole batch (writes are idempotent in InfluxDB).
 */
import type { WriteApi } from '@influxdata/influxdb-client';
import { toInfluxError, type InfluxConnection } from '../influx/influx.connection.js';
import { InfluxRefusedError } from '../influx/influx.errors.js';

/** A line InfluxDB refused. */
export interface Refusal {
  /** Index of the refused line in the batch. */
  readonly index: number;
  readonly message: string;
}

export interface InfluxLineSenderOptions {
  /** Most lines per HTTP request. */
  readonly maxLinesPerRequest: number;
  /** Most bytes per HTTP request. */
  readonly maxBytesPerRequest: number;
  /** Told the duration and outcome of every request (metrics). */
  readonly onWriteRequest?: (seconds: number, outcome: 'ok' | 'refused' | 'error') => void;
}

export class InfluxLineSender {
  private readonly api: WriteApi;

  constructor(
    influx: InfluxConnection,
    private readonly options: InfluxLineSenderOptions,
  ) {
    this.api = influx.writeApi({ maxLinesPerFlush: options.maxLinesPerRequest });
  }

  /** Writes every line, request by request; returns the lines InfluxDB refused. Throws if InfluxDB is unavailable. */
  async writeAll(lines: readonly string[]): Promise<Refusal[]> {
    const { maxLinesPerRequest: maxLines, maxBytesPerRequest: maxBytes } = this.options;
    const refused: Refusal[] = [];
    let start = 0;
    while (start < lines.length) {
      let end = start;
      let bytes = 0;
      while (end < lines.length && end - start < maxLines && (end === start || bytes + lines[end]!.length < maxBytes)) {
        bytes += lines[end]!.length + 1;
        end++;
      }
      await this.bisect(lines, start, end, refused);
      start = end;
    }
    return refused;
  }

  /** Sends lines[start, end); on a refusal splits them in halves until each refused line stands alone. */
  private async bisect(lines: readonly string[], start: number, end: number, refused: Refusal[]): Promise<void> {
    try {
      await this.send(start === 0 && end === lines.length ? lines : lines.slice(start, end));
    } catch (error) {
      if (!(error instanceof InfluxRefusedError)) throw error;
      if (end - start === 1) {
        refused.push({ index: start, message: error.message });
        return;
      }
      const half = start + Math.ceil((end - start) / 2);
      await this.bisect(lines, start, half, refused);
      await this.bisect(lines, half, end, refused);
    }
  }

  private async send(lines: readonly string[]): Promise<void> {
    // writeRecords + flush in the same tick: flush() takes exactly these lines, so concurrent
    // users of the WriteApi cannot mix batches, and it resolves only on InfluxDB's 204.
    this.api.writeRecords(lines as string[]);
    const started = performance.now();
    try {
      await this.api.flush();
      this.options.onWriteRequest?.((performance.now() - started) / 1000, 'ok');
    } catch (error) {
      const mapped = toInfluxError(error);
      this.options.onWriteRequest?.((performance.now() - started) / 1000, mapped instanceof InfluxRefusedError ? 'refused' : 'error');
      throw mapped;
    }
  }
}
