/**
 * Smoothed rule inputs (`smooth: { window, stat }`): the threshold, rate and anomaly detectors judge
 * the rolling mean, median or percentile of their metric over the trailing window of reading time
 * instead of each raw value, so a noisy 1 Hz sensor is judged on its level, not on its noise.
 *
 * Cost per reading stays small at the worker's rates: the mean keeps a running sum (O(1)); median
 * and percentiles keep the window's values sorted next to it (binary search, then one memmove of
 * at most MAX_WINDOW_SAMPLES numbers), read with simple-statistics' quantileSorted (linear
 * interpolation, numpy's default). The window is bounded like every other (`thinWindow`): a device
 * reporting faster than window / MAX_WINDOW_SAMPLES keeps the span at a lower density.
 */
import { quantileSorted } from 'simple-statistics';
import { MAX_WINDOW_SAMPLES, thinWindow } from './evidence.js';
import type { Smooth } from './detection-rules.schema.js';
import { durationMs } from './detection-rules.schema.js';
import type { CompiledSmooth, SmoothEvidence, SmoothState } from './detection.types.js';

export function compileSmooth(smooth: Smooth | undefined): CompiledSmooth | undefined {
  if (!smooth) return undefined;
  const quantile = smooth.stat === 'mean' ? null : smooth.stat === 'median' ? 0.5 : Number(smooth.stat.slice(1)) / 100;
  return { stat: smooth.stat, windowMs: durationMs(smooth.window), quantile };
}

export function initialSmoothState(): SmoothState {
  return { buf: [], sum: 0, adds: 0, sorted: [] };
}

/**
 * Adds a raw reading to the window (mutates `state`) and returns the statistic over the samples
 * newer than ts − window (the reading itself always counts).
 */
export function smoothStep(smooth: CompiledSmooth, state: SmoothState, ts: number, value: number): number {
  const { buf, sorted } = state;
  const mean = smooth.quantile === null;
  buf.push([ts, value]);
  if (mean) {
    state.sum += value;
    state.adds++;
  } else sorted.splice(lowerBound(sorted, value), 0, value);
  const from = ts - smooth.windowMs;
  while (buf.length > 1 && buf[0]![0] <= from) {
    const old = buf.shift()![1];
    if (mean) state.sum -= old;
    else sorted.splice(lowerBound(sorted, old), 1);
  }
  if (buf.length > MAX_WINDOW_SAMPLES) {
    thinWindow(buf);
    rebuild(smooth, state);
  } else if (mean && state.adds >= MAX_WINDOW_SAMPLES) {
    // A running sum drifts by rounding over millions of readings: recompute it now and then
    // (amortised one addition per reading). Deterministic in the sequence, so batching is invisible.
    rebuild(smooth, state);
  }
  return mean ? state.sum / buf.length : quantileSorted(sorted, smooth.quantile!);
}

/** Evidence of the statistic judged at the deciding reading. */
export function smoothEvidence(smooth: CompiledSmooth, state: SmoothState | null | undefined, value: number): SmoothEvidence {
  return { stat: smooth.stat, windowMs: smooth.windowMs, value, samples: state?.buf.length ?? 0 };
}

function rebuild(smooth: CompiledSmooth, state: SmoothState): void {
  if (smooth.quantile === null) {
    let sum = 0;
    for (const [, v] of state.buf) sum += v;
    state.sum = sum;
    state.adds = 0;
    return;
  }
  state.sorted = state.buf.map(([, v]) => v).sort((a, b) => a - b);
}

/** First index of `sorted` whose value is ≥ `value`. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
