/**
 * Fitting and scoring of a learned multivariate baseline (pure functions, no state).
 *
 * Fit, from n training readings of d metrics:
 * - per metric a robust centre (median) and spread: max(1.4826 · MAD, 0.1 · standard deviation,
 *   the data's quantisation step, the metric's floor). Real sensors are stepped (a pressure read in
 *   steps of 0.33 bar has a MAD of 0 over minutes) or far quieter than their accuracy: without the
 *   floors, one step of the last digit would be "infinitely" unusual.
 * - the covariance of the standardised readings, shrunk towards independent metrics (a few
 *   hundred readings do not pin down every correlation of 8 metrics; shrinkage keeps the inverse
 *   stable), optionally refitted without the most unusual share of the training readings
 *   (outliers inside the training data);
 * - its eigen-decomposition (ml-matrix), so a score is a projection and a sum of squares.
 * - the limit: a quantile of the training readings' own scores (times a factor), unless fixed.
 *
 * Score of a reading: the squared Mahalanobis distance d² = zᵀ Σ⁻¹ z of its standardised values.
 * The metrics behind an alarm are named by their reconstruction-based contributions.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { median, medianAbsoluteDeviation, quantileSorted } from 'simple-statistics';

const MAD_TO_SD = 1.4826;

export interface FitOptions {
  shrinkage: number;
  trim: number;
  quantile: number;
  factor: number;
  threshold?: number | undefined;
  /** Spread floor per metric (0 = none). */
  minSpread: readonly number[];
}

export interface BaselineFit {
  centre: number[];
  spread: number[];
  /** Eigenvectors as columns, row-major d×d. */
  basis: number[];
  eigen: number[];
  limit: number;
}

/** Smallest positive difference between two distinct values (0 when all are equal). */
export function quantisationStep(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  let step = Infinity;
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i]! - sorted[i - 1]!;
    if (gap > 0 && gap < step) step = gap;
  }
  return Number.isFinite(step) ? step : 0;
}

function robustScale(column: readonly number[], floor: number): { centre: number; spread: number } {
  const centre = median(column as number[]);
  const mad = MAD_TO_SD * medianAbsoluteDeviation(column as number[]);
  let sumSq = 0;
  for (const v of column) sumSq += (v - centre) ** 2;
  const sd = Math.sqrt(sumSq / column.length);
  const tiny = 1e-9 * Math.max(1, Math.abs(centre));
  return { centre, spread: Math.max(mad, 0.1 * sd, quantisationStep(column), floor, tiny) };
}

function covariance(rows: readonly number[][], d: number, shrinkage: number): Matrix {
  const c = new Matrix(d, d);
  for (const z of rows) {
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) c.set(a, b, c.get(a, b) + z[a]! * z[b]!);
  }
  let trace = 0;
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = c.get(a, b) / rows.length;
      c.set(a, b, v);
      c.set(b, a, v);
    }
    trace += c.get(a, a);
  }
  const target = trace / d;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) c.set(a, b, (1 - shrinkage) * c.get(a, b) + (a === b ? shrinkage * target : 0));
  }
  return c;
}

function decompose(c: Matrix, d: number): { basis: number[]; eigen: number[] } {
  const evd = new EigenvalueDecomposition(c, { assumeSymmetric: true });
  const vectors = evd.eigenvectorMatrix;
  const values = evd.realEigenvalues;
  const trace = values.reduce((s, v) => s + Math.max(v, 0), 0);
  const floor = Math.max(1e-9, 1e-6 * (trace / d));
  const basis = new Array<number>(d * d);
  for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) basis[j * d + k] = vectors.get(j, k);
  return { basis, eigen: values.map((v) => Math.max(v, floor)) };
}

/** Fits a baseline to training readings (each an array of d values in the rule's metric order). */
export function fitBaseline(train: readonly number[][], options: FitOptions): BaselineFit {
  const d = options.minSpread.length;
  if (train.length < 2) throw new RangeError('a baseline needs at least two training readings');
  const centre: number[] = [];
  const spread: number[] = [];
  for (let j = 0; j < d; j++) {
    const s = robustScale(
      train.map((row) => row[j]!),
      options.minSpread[j] ?? 0,
    );
    centre.push(s.centre);
    spread.push(s.spread);
  }
  const standardised = train.map((row) => row.map((v, j) => (v - centre[j]!) / spread[j]!));
  let { basis, eigen } = decompose(covariance(standardised, d, options.shrinkage), d);
  if (options.trim > 0) {
    const scored = standardised.map((z) => ({ z, s: scoreStandardised(basis, eigen, z) })).sort((a, b) => a.s - b.s);
    const kept = scored.slice(0, Math.max(2, Math.ceil(scored.length * (1 - options.trim)))).map((x) => x.z);
    ({ basis, eigen } = decompose(covariance(kept, d, options.shrinkage), d));
  }
  const scores = standardised.map((z) => scoreStandardised(basis, eigen, z)).sort((a, b) => a - b);
  const limit = options.threshold ?? quantileSorted(scores, options.quantile) * options.factor;
  return { centre, spread, basis, eigen, limit: Math.max(limit, 1e-9) };
}

function scoreStandardised(basis: readonly number[], eigen: readonly number[], z: readonly number[]): number {
  const d = eigen.length;
  let score = 0;
  for (let k = 0; k < d; k++) {
    let p = 0;
    for (let j = 0; j < d; j++) p += basis[j * d + k]! * z[j]!;
    score += (p * p) / eigen[k]!;
  }
  return score;
}

/** d² of one reading (values in the rule's metric order) against a fit with the given centre. */
export function scoreReading(fit: Pick<BaselineFit, 'basis' | 'eigen' | 'spread'>, centre: readonly number[], values: readonly number[]): number {
  const d = fit.eigen.length;
  let score = 0;
  for (let k = 0; k < d; k++) {
    let p = 0;
    for (let j = 0; j < d; j++) p += (fit.basis[j * d + k]! * (values[j]! - centre[j]!)) / fit.spread[j]!;
    score += (p * p) / fit.eigen[k]!;
  }
  return score;
}

/**
 * Each metric's reconstruction-based contribution: how much the score would drop if that metric
 * alone were moved to the value the others make most likely, ((Σ⁻¹ z)_j)² / (Σ⁻¹)_jj. Never
 * negative, and a broken relation between two metrics names both of them.
 */
export function contributions(fit: Pick<BaselineFit, 'basis' | 'eigen' | 'spread'>, centre: readonly number[], values: readonly number[]): number[] {
  const d = fit.eigen.length;
  const z = values.map((v, j) => (v - centre[j]!) / fit.spread[j]!);
  const weighted = new Array<number>(d).fill(0);
  const diagonal = new Array<number>(d).fill(0);
  for (let k = 0; k < d; k++) {
    let p = 0;
    for (let j = 0; j < d; j++) p += fit.basis[j * d + k]! * z[j]!;
    const w = p / fit.eigen[k]!;
    for (let j = 0; j < d; j++) {
      const v = fit.basis[j * d + k]!;
      weighted[j]! += v * w;
      diagonal[j]! += (v * v) / fit.eigen[k]!;
    }
  }
  return weighted.map((w, j) => (w * w) / diagonal[j]!);
}
