/**
 * `forShare` / `clearShare`: a condition "persists" over a span when at least a share of the
 * samples in the trailing span met it and the span has been observed in full. With share 1 this
 * is the detectors' usual "continuously for" (they keep their original code path for it); below 1
 * a noisy signal whose samples cross back now and then can still fire, and an alarm can clear on
 * a signal that is mostly back to normal.
 *
 * The window keeps [ts, 1 | 0] for the samples with ts ≥ now − span (inclusive, like the
 * continuous rule's `ts − since ≥ for`) and is bounded by `thinWindow` like every other window.
 */
import { MAX_WINDOW_SAMPLES, thinWindow } from './evidence.js';
import type { ShareEvidence, ShareWindow } from './detection.types.js';

/** Adds a sample to the window (creating it when there is none) and drops those older than the span. */
export function observeShare(window: ShareWindow | null | undefined, ts: number, hit: boolean, spanMs: number): ShareWindow {
  const w = window ?? { from: ts, pts: [], hits: 0 };
  w.pts.push([ts, hit ? 1 : 0]);
  if (hit) w.hits++;
  const from = ts - spanMs;
  const pts = w.pts;
  while (pts.length > 1 && pts[0]![0] < from) w.hits -= pts.shift()![1];
  if (pts.length > MAX_WINDOW_SAMPLES) {
    thinWindow(pts);
    let hits = 0;
    for (const [, h] of pts) hits += h;
    w.hits = hits;
  }
  return w;
}

/** The window spans at least `spanMs` since it was (re)started, and at least `share` of its samples met the condition. */
export function shareReached(w: ShareWindow, ts: number, spanMs: number, share: number): boolean {
  // The epsilon keeps 4 of 5 samples at share 0.8 a match despite 0.8 × 5 = 4.000000000000001.
  return ts - w.from >= spanMs && w.hits >= share * w.pts.length - 1e-9;
}

/** Evidence of the share behind a transition. */
export function shareEvidence(w: ShareWindow, required: number, spanMs: number): ShareEvidence {
  return { value: w.hits / w.pts.length, required, samples: w.pts.length, windowMs: spanMs };
}
