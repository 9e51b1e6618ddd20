/** Small helpers for bounded evidence samples. */
import { MAX_EVIDENCE_VALUES, type EvidenceValue, type Point } from './detection.types.js';

/** Appends to a ring of at most `max` points (mutates). */
export function pushBounded(ring: Point[], point: Point, max = MAX_EVIDENCE_VALUES): void {
  ring.push(point);
  if (ring.length > max) ring.splice(0, ring.length - max);
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
