/**
 * `forShare` / `clearShare`: a condition "persists" over a span when at least a share of the
 * samples in the trailing span met it and the span has been observed in full. With share 1 this
 * is the detectors' usual "continuously for" (they keep their original code path for it); below 1
 * a noisy signal whose samples cross back now and then can still fire, and an alarm can clear on
 * a signal that is mostly back to normal.
 *
 * The window counts the samples with ts ≥ now − span (inclusive, like the continuous rule's
 * `ts − since ≥ for`) in slots of span / MAX_WINDOW_SAMPLES: bounded however fast a device
 * reports, and exact (every sample counted) — the window's far edge moves by whole slots.
 */
import { MAX_WINDOW_SAMPLES } from './evidence.js';
import type { ShareEvidence, ShareWindow } from './detection.types.js';

/**
 * Adds a sample to the window and drops the slots older than the span. A new window starts when
 * there is none, or when the one there served the other decision (`clearing`: the rule fired or
 * was cleared outside the detector, e.g. by hand through the engine's clearRule).
 */
export function observeShare(window: ShareWindow | null | undefined, ts: number, hit: boolean, spanMs: number, clearing: boolean): ShareWindow {
  const w = window && window.clearing === clearing ? window : { clearing, from: ts, slots: [], hits: 0, count: 0 };
  const slots = w.slots;
  const last = slots[slots.length - 1];
  const h = hit ? 1 : 0;
  if (last && ts - last[0] < spanMs / MAX_WINDOW_SAMPLES) {
    last[1] += h;
    last[2]++;
  } else slots.push([ts, h, 1]);
  w.hits += h;
  w.count++;
  const from = ts - spanMs;
  while (slots.length > 1 && slots[0]![0] < from) {
    const [, hits, count] = slots.shift()!;
    w.hits -= hits;
    w.count -= count;
  }
  return w;
}

/** The window spans at least `spanMs` since it was (re)started, and at least `share` of its samples met the condition. */
export function shareReached(w: ShareWindow, ts: number, spanMs: number, share: number): boolean {
  // The epsilon keeps 4 of 5 samples at share 0.8 a match despite 0.8 × 5 = 4.000000000000001.
  return ts - w.from >= spanMs && w.hits >= share * w.count - 1e-9;
}

/** Evidence of the share behind a transition. */
export function shareEvidence(w: ShareWindow, required: number, spanMs: number): ShareEvidence {
  return { value: w.hits / w.count, required, samples: w.count, windowMs: spanMs };
}
