/**
 * Smoothed rule inputs (`smooth: { window, stat }`): the threshold, rate and anomaly detectors judge
 * the rolling mean, median or percentile of their metric over the trailing window of reading time
 * instead of each raw value, so a noisy 1 Hz sensor is judged on its level, not on its noise.
 *
 * Bounded and cheap at the worker's rates: the window is cut into slots of
 * window / MAX_WINDOW_SAMPLES, so it never holds more than that many (+1) however fast a device
 * reports. The mean keeps a running sum and count per slot and over the window: every reading
 * counts, O(1) per reading. Median and percentiles keep the first reading of each slot (an even
 * sample of a fast device; every reading of a device slower than a slot) sorted next to the
 * window (binary search, one memmove of at most MAX_WINDOW_SAMPLES numbers), read with
 * simple-statistics' quantileSorted (linear interpolation, numpy's default). Unlike `thinWindow`,
 * slots keep the window's density even, so the statistic is the whole window's, not its newest part's.
 *
 * Nothing is judged until the window has been observed for its whole span (since the first
 * reading, or since the machine started running): the median of the first two readings is not a
 * one-minute median.
 */
import { quantileSorted } from 'simple-statistics';
import { durationMs, type Smooth } from './detection-rules.schema.js';
import { MAX_WINDOW_SAMPLES } from './evidence.js';
import type { CompiledSmooth, SmoothEvidence, SmoothState } from './detection.types.js';

export function compileSmooth(smooth: Smooth | undefined): CompiledSmooth | undefined {
  if (!smooth) return undefined;
  const quantile = smooth.stat === 'mean' ? null : smooth.stat === 'median' ? 0.5 : Number(smooth.stat.slice(1)) / 100;
  return { stat: smooth.stat, windowMs: durationMs(smooth.window), quantile };
}

export function initialSmoothState(ts: number): SmoothState {
  return { since: ts, slots: [], sum: 0, count: 0, adds: 0, sorted: [] };
}

/**
 * Adds a raw reading to the window (mutates `state`) and returns the statistic over the samples
 * newer than ts − window; null until the window has been observed for its whole span.
 */
export function smoothStep(smooth: CompiledSmooth, state: SmoothState, ts: number, value: number): number | null {
  const slots = state.slots;
  const last = slots[slots.length - 1];
  const sameSlot = last !== undefined && ts - last[0] < smooth.windowMs / MAX_WINDOW_SAMPLES;
  const mean = smooth.quantile === null;
  if (mean) {
    if (sameSlot) {
      last[1] += value;
      last[2]++;
    } else {
      slots.push([ts, value, 1]);
      state.adds++;
    }
    state.sum += value;
    state.count++;
  } else if (!sameSlot) {
    slots.push([ts, value, 1]);
    state.sorted.splice(lowerBound(state.sorted, value), 0, value);
  }
  const from = ts - smooth.windowMs;
  while (slots.length > 1 && slots[0]![0] <= from) {
    const [, sumOrValue, count] = slots.shift()!;
    if (mean) {
      state.sum -= sumOrValue;
      state.count -= count;
    } else state.sorted.splice(lowerBound(state.sorted, sumOrValue), 1);
  }
  if (mean && state.adds >= MAX_WINDOW_SAMPLES) {
    // A running sum drifts by rounding over millions of readings: recompute it now and then
    // (amortised one addition per slot). Deterministic in the sequence, so batching is invisible.
    let sum = 0;
    for (const slot of slots) sum += slot[1];
    state.sum = sum;
    state.adds = 0;
  }
  if (ts - state.since < smooth.windowMs) return null;
  return mean ? state.sum / state.count : quantileSorted(state.sorted, smooth.quantile!);
}

/** Evidence of the statistic judged at the deciding reading. */
export function smoothEvidence(smooth: CompiledSmooth, state: SmoothState | null | undefined, value: number): SmoothEvidence {
  const samples = !state ? 0 : smooth.quantile === null ? state.count : state.slots.length;
  return { stat: smooth.stat, windowMs: smooth.windowMs, value, samples };
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
