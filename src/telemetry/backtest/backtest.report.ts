/** Human-readable backtest output (the CLI's tables) and the per-reading scores CSV writer. */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { BacktestScore } from './backtest.scoring.js';
import type { BacktestResult } from './backtest.service.js';

const iso = (ts: number | null): string => (ts === null ? '—' : new Date(ts).toISOString().replace('.000Z', 'Z'));
const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);
const num = (x: number | null): string => (x === null ? '—' : x.toFixed(3));

export function duration(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One run: readings, alarms with raise/clear and ticket outcome, and the score when labelled. */
export function formatResult(name: string, r: BacktestResult): string {
  const out: string[] = [];
  out.push(
    `${name}: model ${r.model.id}${r.model.draft ? ' (draft)' : ''}, ${r.readings} readings ${iso(r.from)} … ${iso(r.to)}, ${r.readingsPerSecond.toLocaleString('en')} readings/s`,
  );
  if (r.alarms.length === 0) out.push('  no alarm');
  else {
    const rows = [['rule', 'fault', 'raised', 'cleared', 'lasted', 'ticket']];
    for (const a of r.alarms) {
      rows.push([
        a.ruleId,
        a.faultCode,
        iso(a.raisedAt),
        a.clearedAt === null ? 'still firing' : iso(a.clearedAt),
        duration((a.clearedAt ?? r.to ?? a.raisedAt) - a.raisedAt),
        a.ticket === 'opened' ? `at ${iso(a.ticketAt)}` : a.ticket,
      ]);
    }
    out.push(indent(table(rows)));
  }
  if (r.score) out.push(indent(formatScore(r.score)));
  return out.join('\n');
}

export function formatScore(s: BacktestScore): string {
  const rows = [
    ['scored', 'TP', 'FP', 'FN', 'TN', 'precision', 'recall', 'F1', 'FAR', 'MAR', 'segments detected', 'delay mean', 'delay median'],
    [
      String(s.scored),
      String(s.tp),
      String(s.fp),
      String(s.fn),
      String(s.tn),
      num(s.precision),
      num(s.recall),
      num(s.f1),
      pct(s.far),
      pct(s.mar),
      `${s.delay.detected}/${s.delay.segments}`,
      duration(s.delay.meanMs),
      duration(s.delay.medianMs),
    ],
  ];
  return table(rows);
}

const indent = (text: string): string => text.replace(/^/gm, '  ');

/**
 * Per-reading scores as CSV: `time`, then per rule its score (empty when it judged nothing) and
 * `<rule>:firing` (0/1); a `file` column first when several files are backtested. Rows are
 * written as the engine reports them (one row per reading, in time order).
 */
export class ScoresWriter {
  private readonly out: WriteStream;
  private readonly index: Map<string, number>;
  private readonly scores: (number | null)[];
  private readonly firing: boolean[];
  private ts: number | null = null;
  private file = '';
  private buffer: string[] = [];

  constructor(
    path: string,
    private readonly ruleIds: readonly string[],
    private readonly withFile: boolean,
  ) {
    this.out = createWriteStream(path);
    this.index = new Map(ruleIds.map((id, i) => [id, i]));
    this.scores = ruleIds.map(() => null);
    this.firing = ruleIds.map(() => false);
    this.out.write(`${withFile ? 'file,' : ''}time,${ruleIds.map((id) => `${id},${id}:firing`).join(',')}\n`);
  }

  /** The next file: firing states start over (each file is a fresh run). */
  startFile(name: string): void {
    this.flushRow();
    this.file = name.includes(',') ? `"${name.replace(/"/g, '""')}"` : name;
    this.firing.fill(false);
  }

  readonly onScore = (ruleId: string, ts: number, score: number, firing: boolean): void => {
    if (ts !== this.ts) this.flushRow();
    this.ts = ts;
    const i = this.index.get(ruleId);
    if (i === undefined) return;
    this.scores[i] = Number.isFinite(score) ? score : null;
    this.firing[i] = firing;
  };

  private flushRow(): void {
    if (this.ts === null) return;
    let line = `${this.withFile ? `${this.file},` : ''}${new Date(this.ts).toISOString()}`;
    for (let i = 0; i < this.ruleIds.length; i++) {
      const s = this.scores[i];
      line += `,${s === null || s === undefined ? '' : Number(s.toPrecision(6))},${this.firing[i] ? 1 : 0}`;
      this.scores[i] = null;
    }
    this.buffer.push(line);
    this.ts = null;
    if (this.buffer.length >= 4096) this.drainBuffer();
  }

  private drainBuffer(): void {
    if (this.buffer.length) this.out.write(`${this.buffer.join('\n')}\n`);
    this.buffer = [];
  }

  async close(): Promise<void> {
    this.flushRow();
    this.drainBuffer();
    await new Promise<void>((resolve, reject) => this.out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}
