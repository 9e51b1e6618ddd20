/**
 * One backtest run: a model's rules over one series of readings, through the worker's own
 * `evaluate` (src/telemetry/detection/detection.engine.ts), in batches, on a fresh state that belongs to
 * the run alone (nothing is read from or written to Redis, the database or the live detectors).
 *
 * Readings arrive one at a time in time order (from the CSV parser or stored telemetry) and are
 * copied into a pool of reused Reading objects; every `batchSize` the pool is evaluated with
 * takeOwnership (the run's state is updated in place, as the worker does with the state it just
 * loaded). An empty cell is NaN in the pool, which the engine treats exactly like a metric the
 * reading does not carry.
 */
import { compileModel, evaluate } from '../detection/detection.engine.js';
import { durationMs } from '../detection/detection-rules.schema.js';
import type { AssetDetectionState, CompiledRule, Evidence, Finding, Reading } from '../detection/detection.types.js';
import type { EquipmentModel } from '../models/models.schema.js';
import { AppError } from '../../kernel/errors.js';
import { PointwiseScorer, type BacktestScore } from './backtest.scoring.js';

export interface BacktestRunOptions {
  /** Rules whose firing counts as "alarm" when scoring (default every rule). */
  readonly rules?: readonly string[] | undefined;
  /** Readings before this are evaluated but not scored: a data-row index (0 = first row) or a time (epoch ms). */
  readonly scoreFrom?: { readonly row: number } | { readonly time: number } | undefined;
  /** Score against labels (the CSV had a label column). */
  readonly labelled?: boolean;
  /** Per-reading scores of every rule (EvaluateOptions.onScore). */
  readonly onScore?: ((ruleId: string, ts: number, score: number, firing: boolean) => void) | undefined;
  /** Every finding (firing, cleared) as the engine emits it, in time order. */
  readonly onFinding?: ((finding: Finding) => void) | undefined;
  /** Readings per evaluate call. Default 1000. */
  readonly batchSize?: number;
}

export type TicketOutcome = 'opened' | 'pending' | 'none';

export interface BacktestAlarm {
  ruleId: string;
  faultCode: string;
  kind: string;
  raisedAt: number;
  /** null: still firing at the end of the series. */
  clearedAt: number | null;
  /** What the rule's ticket policy would have done: a ticket (at ticketAt), not yet (persist, series ended first), or none. */
  ticket: TicketOutcome;
  ticketAt: number | null;
  evidence: Evidence;
}

export interface BacktestRunResult {
  readings: number;
  from: number | null;
  to: number | null;
  alarms: BacktestAlarm[];
  /** null without labels. */
  score: BacktestScore | null;
}

export class BacktestRun {
  private state: AssetDetectionState | null = null;
  private readonly pool: Reading[] = [];
  private readonly labels: Uint8Array;
  private filled = 0;
  private names: readonly string[] | null = null;
  private row = 0;
  private first: number | null = null;
  private last: number | null = null;
  private readonly batchSize: number;
  private readonly selected: Set<string>;
  private readonly firing = new Set<string>();
  private readonly open = new Map<string, BacktestAlarm>();
  private readonly alarms: BacktestAlarm[] = [];
  private readonly scorer: PointwiseScorer | null;
  private readonly rules: Map<string, CompiledRule>;

  constructor(
    private readonly model: EquipmentModel,
    private readonly options: BacktestRunOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 1000;
    this.labels = new Uint8Array(this.batchSize);
    this.rules = new Map(compileModel(model).rules.map((r) => [r.id, r]));
    const unknown = (options.rules ?? []).filter((id) => !this.rules.has(id));
    if (unknown.length) {
      throw new AppError('VALIDATION_FAILED', `unknown rules ${unknown.join(', ')}; the model ${model.id} has ${[...this.rules.keys()].join(', ')}`, {
        fields: [{ field: 'options.rules', message: `unknown rules ${unknown.join(', ')}` }],
      });
    }
    this.selected = new Set(options.rules?.length ? options.rules : this.rules.keys());
    this.scorer = options.labelled ? new PointwiseScorer() : null;
  }

  /** A CSV row: `values[i]` is metric `names[i]` (NaN = not carried). `names` must be the same array every call. */
  values(names: readonly string[], ts: number, values: Float64Array, label: number): void {
    if (this.names !== names) {
      if (this.names !== null) throw new Error('BacktestRun.values: the metric names changed');
      this.names = names;
    }
    let reading = this.pool[this.filled];
    if (!reading) {
      reading = { ts, metrics: Object.fromEntries(names.map((n) => [n, NaN])) };
      this.pool.push(reading);
    }
    reading.ts = ts;
    const metrics = reading.metrics;
    for (let i = 0; i < names.length; i++) metrics[names[i]!] = values[i]!;
    this.accept(label);
  }

  /** A reading as it is (stored telemetry). */
  reading(reading: Reading, label = 0): void {
    this.pool[this.filled] = reading;
    this.accept(label);
  }

  private accept(label: number): void {
    this.labels[this.filled] = label;
    this.filled++;
    if (this.filled === this.batchSize) this.flush();
  }

  private flush(): void {
    if (this.filled === 0) return;
    const batch = this.filled === this.pool.length ? this.pool : this.pool.slice(0, this.filled);
    const result = evaluate(this.model, this.state, batch, [], { takeOwnership: true, ...(this.options.onScore ? { onScore: this.options.onScore } : {}) });
    this.state = result.state;
    const findings = result.findings;
    let k = 0;
    for (let i = 0; i < this.filled; i++) {
      const ts = batch[i]!.ts;
      while (k < findings.length && findings[k]!.at <= ts) this.onFinding(findings[k++]!);
      this.first ??= ts;
      this.last = ts;
      if (this.scorer && this.scored(ts)) this.scorer.add(ts, this.labels[i]!, this.firing.size > 0);
      this.row++;
    }
    while (k < findings.length) this.onFinding(findings[k++]!);
    this.filled = 0;
  }

  private scored(ts: number): boolean {
    const from = this.options.scoreFrom;
    if (!from) return true;
    return 'row' in from ? this.row >= from.row : ts >= from.time;
  }

  private onFinding(f: Finding): void {
    this.options.onFinding?.(f);
    if (f.state === 'firing') {
      if (this.selected.has(f.ruleId)) this.firing.add(f.ruleId);
      const alarm: BacktestAlarm = {
        ruleId: f.ruleId,
        faultCode: f.faultCode,
        kind: f.kind,
        raisedAt: f.at,
        clearedAt: null,
        ticket: 'none',
        ticketAt: null,
        evidence: f.evidence,
      };
      this.open.set(f.ruleId, alarm);
      this.alarms.push(alarm);
      return;
    }
    this.firing.delete(f.ruleId);
    const alarm = this.open.get(f.ruleId);
    if (alarm) alarm.clearedAt = f.at;
    this.open.delete(f.ruleId);
  }

  finish(): BacktestRunResult {
    this.flush();
    for (const alarm of this.alarms) Object.assign(alarm, this.ticketOf(alarm));
    return { readings: this.row, from: this.first, to: this.last, alarms: this.alarms, score: this.scorer?.result() ?? null };
  }

  /** The ticket policy on reading time: persist opens once the alarm has lasted `after` (the live sweep uses the wall clock, which a replay does not have). */
  private ticketOf(alarm: BacktestAlarm): Pick<BacktestAlarm, 'ticket' | 'ticketAt'> {
    const policy = this.rules.get(alarm.ruleId)?.ticket ?? { policy: 'immediate' };
    if (policy.policy === 'never') return { ticket: 'none', ticketAt: null };
    if (policy.policy === 'immediate' || policy.after === undefined) return { ticket: 'opened', ticketAt: alarm.raisedAt };
    const due = alarm.raisedAt + durationMs(policy.after);
    if (alarm.clearedAt !== null) return alarm.clearedAt >= due ? { ticket: 'opened', ticketAt: due } : { ticket: 'none', ticketAt: null };
    return (this.last ?? alarm.raisedAt) >= due ? { ticket: 'opened', ticketAt: due } : { ticket: 'pending', ticketAt: null };
  }
}
