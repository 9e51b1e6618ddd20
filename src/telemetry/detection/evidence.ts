/** Small helpers for bounded evidence samples. */
import { MAX_EVIDENCE_VALUES, type EvidenceValue, type Point } from './detection.types.js';

/** Appends to a ring of at most `max` points (mutates). */
export function pushBounded(ring: Point[], point: Point, max = MAX_EVIDENCE_VALUES): void {
  ring.push(point);
  // shift() trims the head in place (V8); splice(0, n) would copy the ring on every push.
  while (ring.length > max) ring.shift();
}

/** At most `max` points spread evenly over `points` (always keeping the last), as evidence values. */
export function sampleEvidence(points: readonly Point[], max = MAX_EVIDENCE_VALUES): EvidenceValue[] {
  if (points.length <= max) return points.map(([ts, value]) => ({ ts, value }));
  const out: EvidenceValue[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) {
    const [ts, value] = points[Math.round(i * step)]!;
    out.push({ ts, value });
  }
  return out;
}

/** Points of `ring` with ts ≥ from. */
export function since(ring: readonly Point[], from: number): Point[] {
  return ring.filter(([ts]) => ts >= from);
}

/**
 * Most samples a detector keeps for one window (baseline, regression). A device reporting faster
 * than window / MAX_WINDOW_SAMPLES (a replay, a misconfigured device) would otherwise grow the
 * state — and the cost of every job — without bound.
 */
export const MAX_WINDOW_SAMPLES = 1024;

/**
 * Keeps a window's samples bounded: past `max`, every other sample is dropped (the newest is
 * always kept), so the window keeps its span at half the density. Deterministic in the sequence
 * of samples, so micro-batches and one batch give the same state.
 */
export function thinWindow(buf: Point[], max = MAX_WINDOW_SAMPLES): void {
  if (buf.length <= max) return;
  const keep = (buf.length - 1) % 2;
  let j = 0;
  for (let i = 0; i < buf.length; i++) if (i % 2 === keep) buf[j++] = buf[i]!;
  buf.length = j;
}
