/**
 * Least-squares fits for the trend detector.
 *
 * - {@link fitLine}: y = a + b·x with simple-statistics (linearRegression, rSquared).
 * - {@link fitLineWithDailyCycle}: y = a + b·x + c·cos(2πx) + d·sin(2πx), x in days. A plain line
 *   over a window that does not hold whole days is biased by the daily cycle (over n days the
 *   bias of the slope is up to 6A/(πn²) per day for a cycle of amplitude A: for a chiller's
 *   condensing pressure, A ≈ 4 bar, that is 2 bar/day over two days — a false trend). Fitting the
 *   24 h harmonic with the line removes that bias for any window, and gives the cycle's amplitude
 *   R = √(c² + d²), so the projection can use the daily peak (a + b·x + R), which is when the
 *   metric really first reaches its limit.
 *
 * r² is the fit quality of the drift (the line) in both cases: a step in the window (a sudden
 * fault, not a degradation) scores at most 0.75 against a line, a steady drift close to 1.
 */
import { linearRegression, rSquared } from 'simple-statistics';

export interface TrendFit {
  /** Level at x = 0. */
  a: number;
  /** Slope per unit of x (per day). */
  b: number;
  /** Amplitude of the fitted daily cycle (0 for a plain line). */
  amplitude: number;
  r2: number;
}

export function fitLine(xs: readonly number[], ys: readonly number[]): TrendFit | null {
  if (xs.length < 3) return null;
  const points = xs.map((x, i) => [x, ys[i]!]);
  const { m, b } = linearRegression(points);
  if (!Number.isFinite(m) || !Number.isFinite(b)) return null;
  const r2 = rSquared(points, (x) => b + m * x);
  return { a: b, b: m, amplitude: 0, r2: Number.isFinite(r2) ? r2 : 0 };
}

export function fitLineWithDailyCycle(xs: readonly number[], ys: readonly number[]): TrendFit | null {
  const n = xs.length;
  if (n < 6) return null;
  const rows = xs.map((x) => [1, x, Math.cos(2 * Math.PI * x), Math.sin(2 * Math.PI * x)]);
  // Normal equations (XᵀX) β = Xᵀy, solved by Gaussian elimination with partial pivoting.
  const A = Array.from({ length: 4 }, () => [0, 0, 0, 0, 0]);
  for (let k = 0; k < n; k++) {
    const row = rows[k]!;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) A[i]![j]! += row[i]! * row[j]!;
      A[i]![4]! += row[i]! * ys[k]!;
    }
  }
  const beta = solve(A);
  if (!beta) return null;
  const [a, b, c, d] = beta as [number, number, number, number];
  // r² of the drift: the share of the variance left once the fitted cycle is removed that the
  // line explains. The cycle itself must not count as "fit quality" (a healthy asset's cycle
  // would then look like a good fit), and a step — not a drift — can never exceed 0.75.
  const decycled = rows.map((row, k) => ys[k]! - c * row[2]! - d * row[3]!);
  let mean = 0;
  for (const z of decycled) mean += z / n;
  let ssTot = 0;
  let ssRes = 0;
  for (let k = 0; k < n; k++) {
    ssRes += (decycled[k]! - (a + b * rows[k]![1]!)) ** 2;
    ssTot += (decycled[k]! - mean) ** 2;
  }
  return { a, b, amplitude: Math.hypot(c, d), r2: ssTot > 0 ? Math.max(0, 1 - ssRes / ssTot) : 0 };
}

function solve(aug: number[][]): number[] | null {
  const size = aug.length;
  for (let col = 0; col < size; col++) {
    let pivot = col;
    for (let r = col + 1; r < size; r++) if (Math.abs(aug[r]![col]!) > Math.abs(aug[pivot]![col]!)) pivot = r;
    if (Math.abs(aug[pivot]![col]!) < 1e-10) return null;
    [aug[col], aug[pivot]] = [aug[pivot]!, aug[col]!];
    for (let r = 0; r < size; r++) {
      if (r === col) continue;
      const f = aug[r]![col]! / aug[col]![col]!;
      for (let c = col; c <= size; c++) aug[r]![c]! -= f * aug[col]![c]!;
    }
  }
  return aug.map((row, i) => row[size]! / row[i]!);
}
