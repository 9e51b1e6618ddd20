/**
 * Per-device publish quota: a token bucket of readings per device. Without it, one device
 * flooding the broker delays every other device's PUBACK (figures in README, bench:ingest).
 *
 * A publish is admitted while the device's bucket holds a token; what it costs (the readings it
 * held, known once ingest parsed it) is taken afterwards, so one large array of buffered readings
 * passes and the bucket then refills before the next one. Buckets outlive sessions (a reconnect
 * does not refill one); a full bucket is the same as none, so `prune()` drops those.
 */
export class PublishQuota {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    /** Readings per second, on average; 0 = no quota. */
    private readonly ratePerSecond: number,
    /** Readings allowed at once above the rate. */
    private readonly burst: number,
  ) {}

  get enabled(): boolean {
    return this.ratePerSecond > 0;
  }

  /** Whether the device may publish now; takes one token for the publish itself. */
  admit(deviceId: string, now = Date.now()): boolean {
    if (!this.enabled) return true;
    const bucket = this.refill(deviceId, now);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Takes what an admitted publish cost beyond its first reading (may go below zero). */
  charge(deviceId: string, readings: number, now = Date.now()): void {
    if (!this.enabled || readings <= 1) return;
    this.refill(deviceId, now).tokens -= readings - 1;
  }

  /** Forgets full buckets (bounded memory: only devices publishing near their quota are kept). */
  prune(now = Date.now()): void {
    for (const [deviceId, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond >= this.burst) this.buckets.delete(deviceId);
    }
  }

  private refill(deviceId: string, now: number): { tokens: number; at: number } {
    let bucket = this.buckets.get(deviceId);
    if (!bucket) {
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(deviceId, bucket);
      return bucket;
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
    bucket.at = now;
    return bucket;
  }
}
