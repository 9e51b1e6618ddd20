/**
 * Recorded telemetry as CSV → readings of a model, streamed chunk by chunk (a file of millions of
 * rows never sits in memory). One header row; one timestamp column (default the first); the other
 * columns are model metrics, renamed with `map`, or skipped with `ignore`, or the `label` column
 * (0/1, for scoring). Separator `,` or `;` (auto-detected from the header) or given.
 *
 * Timestamps: ISO 8601 (`2020-03-01T15:44:06Z`, with an offset, or without one = UTC),
 * `YYYY-MM-DD HH:MM:SS[.fff]` (UTC), or epoch numbers (below 1e11 seconds, else milliseconds).
 * Rows must be in strictly increasing time. An empty cell is a metric the row does not carry.
 *
 * Hand-written rather than a CSV library on purpose: the replay must run at hundreds of
 * thousands of rows per second, so a row is split with indexOf and its cells go straight into
 * one reused array of numbers (no record object, no array of strings per row); a line with a
 * quote takes a slower RFC 4180 path. A quoted cell spanning lines is refused (not telemetry).
 * Every error names the file, the line and the column.
 */
import { AppError } from '../../kernel/errors.js';

export interface CsvLayoutOptions {
  /** Name used in errors (a file path, or `csv` for text from the API). */
  readonly source: string;
  /** The model's metric names. */
  readonly metrics: readonly string[];
  /** Timestamp column; default the first column. */
  readonly timeColumn?: string | undefined;
  /** `,` `;` or a tab; default: whichever of `;` and `,` the header holds more of. */
  readonly separator?: string | undefined;
  /** CSV column → model metric. */
  readonly map?: Readonly<Record<string, string>> | undefined;
  /** Columns to skip. */
  readonly ignore?: readonly string[] | undefined;
  /** Label column (non-zero = anomalous), for scoring. */
  readonly label?: string | undefined;
}

/** Where the cells of a row go: `values[i]` is the metric `metrics[i]` (NaN when the cell is empty). */
export interface CsvRowSink {
  row(ts: number, values: Float64Array, label: number): void;
}

/** A CSV problem: VALIDATION_FAILED with the file, line and column in the details. */
export function csvError(source: string, line: number | null, column: string | null, message: string): AppError {
  const where = [source, line === null ? null : `line ${line}`, column === null ? null : `column "${column}"`].filter(Boolean).join(', ');
  return new AppError('VALIDATION_FAILED', `${where}: ${message}`, { source, ...(line === null ? {} : { line }), ...(column === null ? {} : { column }) });
}

export class CsvReadingParser {
  /** Metric names, in the order of `values` handed to the sink. */
  metricNames: string[] = [];
  /** Bytes (UTF-16 units) consumed so far, for progress. */
  consumed = 0;
  rows = 0;
  private carry = '';
  private line = 0;
  private header: string[] | null = null;
  private sep = ',';
  private timeIndex = 0;
  private labelIndex = -1;
  /** Per CSV column: index into values, or -1 (time, label, ignored). */
  private slots: Int32Array = new Int32Array(0);
  private values: Float64Array = new Float64Array(0);
  private lastTs = -Infinity;
  private rowTs = NaN;
  private rowLabel = 0;

  constructor(
    private readonly options: CsvLayoutOptions,
    private readonly sink: CsvRowSink,
  ) {}

  /** Parses every complete line of `chunk` (text after the last newline waits for the next chunk). */
  push(chunk: string): void {
    let text = this.carry + chunk;
    let start = 0;
    // The next quote, searched once per chunk and again only once passed (not once per line).
    let quote = text.indexOf('"');
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      if (quote !== -1 && quote < start) quote = text.indexOf('"', start);
      this.parseLine(text, start, nl, quote !== -1 && quote < nl);
      start = nl + 1;
    }
    this.consumed += chunk.length;
    this.carry = start === 0 ? text : text.slice(start);
    text = '';
  }

  /** The last line (without a newline), and a check that the file had a header. */
  end(): void {
    if (this.carry.length > 0) this.parseLine(this.carry, 0, this.carry.length, this.carry.includes('"'));
    this.carry = '';
    if (!this.header) throw csvError(this.options.source, null, null, 'empty: no header row');
  }

  private parseLine(text: string, start: number, end: number, quoted: boolean): void {
    this.line++;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    if (end === start) return;
    if (!this.header) {
      this.readHeader(text.slice(start, end));
      return;
    }
    if (quoted) {
      this.cells(splitQuoted(text.slice(start, end), this.sep, this.options.source, this.line));
      return;
    }
    this.values.fill(NaN);
    this.rowTs = NaN;
    this.rowLabel = 0;
    const sep = this.sep;
    let column = 0;
    let from = start;
    for (;;) {
      let to = text.indexOf(sep, from);
      if (to === -1 || to > end) to = end;
      this.cell(text, from, to, column);
      column++;
      if (to === end) break;
      from = to + 1;
    }
    this.finishRow(column);
  }

  /** Slow path: a row whose cells were split by the quoted-field splitter. */
  private cells(cells: string[]): void {
    this.values.fill(NaN);
    this.rowTs = NaN;
    this.rowLabel = 0;
    cells.forEach((cell, column) => this.cell(cell, 0, cell.length, column));
    this.finishRow(cells.length);
  }

  private cell(text: string, from: number, to: number, column: number): void {
    if (column >= this.slots.length) return;
    if (column === this.timeIndex) {
      const raw = text.slice(from, to).trim();
      const ts = parseTimestamp(raw);
      if (Number.isNaN(ts))
        throw csvError(
          this.options.source,
          this.line,
          this.header![column]!,
          `not a timestamp: "${raw}" (ISO 8601, YYYY-MM-DD HH:MM:SS in UTC, or epoch s/ms)`,
        );
      this.rowTs = ts;
      return;
    }
    const slot = this.slots[column]!;
    if (slot === -1 && column !== this.labelIndex) return;
    if (to === from) {
      if (column === this.labelIndex) throw csvError(this.options.source, this.line, this.header![column]!, 'empty label');
      return;
    }
    const value = Number(text.slice(from, to));
    if (Number.isNaN(value) || !Number.isFinite(value)) {
      const raw = text.slice(from, to);
      if (raw.trim() === '' && column !== this.labelIndex) return;
      throw csvError(this.options.source, this.line, this.header![column]!, `not a number: "${raw}"`);
    }
    if (column === this.labelIndex) this.rowLabel = value !== 0 ? 1 : 0;
    else this.values[slot] = value;
  }

  private finishRow(columns: number): void {
    const ts = this.rowTs;
    if (columns !== this.header!.length) throw csvError(this.options.source, this.line, null, `${columns} cells, the header has ${this.header!.length}`);
    if (!(ts > this.lastTs)) {
      throw csvError(
        this.options.source,
        this.line,
        this.header![this.timeIndex]!,
        `time ${new Date(ts).toISOString()} is not after the previous row's (${new Date(this.lastTs).toISOString()}): rows must be sorted by time, without duplicates`,
      );
    }
    this.lastTs = ts;
    this.rows++;
    this.sink.row(ts, this.values, this.rowLabel);
  }

  private readHeader(text: string): void {
    const o = this.options;
    this.sep = o.separator ?? ((text.match(/;/g)?.length ?? 0) > (text.match(/,/g)?.length ?? 0) ? ';' : ',');
    const header = splitQuoted(text, this.sep, o.source, this.line).map((h) => h.trim());
    const at = (name: string) => header.indexOf(name);
    this.timeIndex = o.timeColumn === undefined ? 0 : at(o.timeColumn);
    if (this.timeIndex === -1) throw csvError(o.source, this.line, o.timeColumn!, `no such column (the header has: ${header.join(', ')})`);
    this.labelIndex = o.label === undefined ? -1 : at(o.label);
    if (this.labelIndex === -1 && o.label !== undefined)
      throw csvError(o.source, this.line, o.label, `no such label column (the header has: ${header.join(', ')})`);
    const map = o.map ?? {};
    for (const [column, metric] of Object.entries(map)) {
      if (at(column) === -1) throw csvError(o.source, this.line, column, `--map names a column the file does not have (the header has: ${header.join(', ')})`);
      if (!o.metrics.includes(metric))
        throw csvError(o.source, this.line, column, `--map target "${metric}" is not a metric of the model (${o.metrics.join(', ')})`);
    }
    const ignore = new Set(o.ignore ?? []);
    const unknown: string[] = [];
    const slots = new Int32Array(header.length).fill(-1);
    const names: string[] = [];
    header.forEach((column, i) => {
      if (i === this.timeIndex || i === this.labelIndex || ignore.has(column)) return;
      const metric = map[column] ?? column;
      if (!o.metrics.includes(metric)) {
        unknown.push(column);
        return;
      }
      if (names.includes(metric)) throw csvError(o.source, this.line, column, `a second column for metric ${metric}`);
      slots[i] = names.length;
      names.push(metric);
    });
    if (unknown.length > 0) {
      throw new AppError(
        'VALIDATION_FAILED',
        `${o.source}: unknown columns ${unknown.map((c) => `"${c}"`).join(', ')}; the model's metrics are ${o.metrics.join(', ')} (rename with --map 'Column=metric', skip with --ignore)`,
        { source: o.source, line: this.line, unknownColumns: unknown, metrics: [...o.metrics] },
      );
    }
    if (names.length === 0) throw csvError(o.source, this.line, null, `no column is a metric of the model (${o.metrics.join(', ')})`);
    this.header = header;
    this.slots = slots;
    this.metricNames = names;
    this.values = new Float64Array(names.length);
  }
}

/** Splits one line on `sep`, honouring RFC 4180 quotes (doubled quote = a quote). */
export function splitQuoted(line: string, sep: string, source: string, lineNo: number): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) {
      out.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) throw csvError(source, lineNo, null, 'a quoted cell is not closed on its line');
  out.push(field);
  return out;
}

const DIGIT = (c: number) => c >= 48 && c <= 57;
const num = (s: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!DIGIT(c)) return NaN;
    n = n * 10 + (c - 48);
  }
  return n;
};

/** Epoch ms of a CSV timestamp, or NaN. Without a zone the time is UTC. */
export function parseTimestamp(raw: string): number {
  if (raw.length === 0) return NaN;
  if (/^\d+(\.\d+)?$/.test(raw)) {
    const n = Number(raw);
    return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  }
  // Fast path: YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z]
  const sepT = raw.charCodeAt(10);
  if (raw.length >= 16 && raw.charCodeAt(4) === 45 && raw.charCodeAt(7) === 45 && (sepT === 32 || sepT === 84) && raw.charCodeAt(13) === 58) {
    let end = raw.length;
    const last = raw.charCodeAt(end - 1);
    if (last === 90)
      end--; // Z
    else if (!DIGIT(last) || /[+-]\d\d:?\d\d$/.test(raw.slice(19))) return zoned(raw);
    const y = num(raw, 0, 4);
    const mo = num(raw, 5, 7);
    const d = num(raw, 8, 10);
    const h = num(raw, 11, 13);
    const mi = num(raw, 14, 16);
    let s = 0;
    let ms = 0;
    if (end > 16) {
      if (raw.charCodeAt(16) !== 58 || end < 19) return NaN;
      s = num(raw, 17, 19);
      if (end > 19) {
        if (raw.charCodeAt(19) !== 46) return NaN;
        const frac = raw.slice(20, end);
        if (!/^\d{1,9}$/.test(frac)) return NaN;
        ms = Math.round(Number(`0.${frac}`) * 1000);
      }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return NaN;
    const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    return new Date(t).getUTCDate() === d || h === 24 ? t : NaN;
  }
  return zoned(raw);
}

/** ISO 8601 with an offset (or a date alone, UTC). */
function zoned(raw: string): number {
  if (!/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$/.test(raw)) return NaN;
  const iso = raw.replace(' ', 'T');
  return Date.parse(/T/.test(iso) && !/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? `${iso}Z` : iso);
}
