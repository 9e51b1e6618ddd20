/**
 * Pointwise scoring of a backtest against a label column, as SKAB's outlier-detection protocol
 * does it: every scored reading is one sample; it is "alarm" when any selected rule is firing
 * after that reading, "anomalous" when its label is non-zero.
 *   precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = TP / (TP + (FP + FN) / 2),
 *   FAR = FP / (FP + TN), MAR = FN / (FN + TP)
 * Detection delay: for each labelled segment (a run of anomalous readings), the time of its first
 * reading in alarm minus the time of its first reading; segments never in alarm are missed.
 * Confusion counts of several files add up (`poolScores`), like SKAB's pooled matrix.
 */

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface LabelledSegment {
  /** First and last reading of the labelled run (epoch ms). */
  from: number;
  to: number;
  /** First reading of the run in alarm, or null (missed). */
  detectedAt: number | null;
  /** detectedAt − from, ms. */
  delayMs: number | null;
}

export interface BacktestScore extends Confusion {
  /** Readings scored (after --score-from). */
  scored: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  far: number | null;
  mar: number | null;
  segments: LabelledSegment[];
  delay: { detected: number; segments: number; meanMs: number | null; medianMs: number | null };
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

/** Precision, recall, F1, FAR, MAR of a confusion matrix (null where the denominator is 0). */
export function rates(c: Confusion): Pick<BacktestScore, 'precision' | 'recall' | 'f1' | 'far' | 'mar'> {
  return {
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    f1: ratio(c.tp, c.tp + (c.fp + c.fn) / 2),
    far: ratio(c.fp, c.fp + c.tn),
    mar: ratio(c.fn, c.fn + c.tp),
  };
}

/** Accumulates readings one at a time (the runner feeds it in time order). */
export class PointwiseScorer {
  private readonly c: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
  private readonly segments: LabelledSegment[] = [];
  private open: LabelledSegment | null = null;

  add(ts: number, label: number, alarm: boolean): void {
    if (label) {
      if (alarm) this.c.tp++;
      else this.c.fn++;
      if (!this.open) this.segments.push((this.open = { from: ts, to: ts, detectedAt: null, delayMs: null }));
      this.open.to = ts;
      if (alarm && this.open.detectedAt === null) {
        this.open.detectedAt = ts;
        this.open.delayMs = ts - this.open.from;
      }
    } else {
      if (alarm) this.c.fp++;
      else this.c.tn++;
      this.open = null;
    }
  }

  result(): BacktestScore {
    return scoreOf({ ...this.c }, this.segments);
  }
}

function scoreOf(c: Confusion, segments: LabelledSegment[]): BacktestScore {
  const delays = segments.flatMap((s) => (s.delayMs === null ? [] : [s.delayMs])).sort((a, b) => a - b);
  const mid = delays.length >> 1;
  return {
    ...c,
    scored: c.tp + c.fp + c.fn + c.tn,
    ...rates(c),
    segments,
    delay: {
      detected: delays.length,
      segments: segments.length,
      meanMs: delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : null,
      medianMs: delays.length ? (delays.length % 2 ? delays[mid]! : (delays[mid - 1]! + delays[mid]!) / 2) : null,
    },
  };
}

/** Several files' scores as one (confusion counts added, segments concatenated). */
export function poolScores(scores: readonly BacktestScore[]): BacktestScore {
  const c: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const s of scores) {
    c.tp += s.tp;
    c.fp += s.fp;
    c.fn += s.fn;
    c.tn += s.tn;
  }
  return scoreOf(
    c,
    scores.flatMap((s) => s.segments),
  );
}
