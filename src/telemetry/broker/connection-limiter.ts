/**
 * Connections per client IP per minute that did not authenticate, checked on the raw socket
 * before aedes sees it. Every connection counts when it opens and is refunded once it
 * authenticates as a device or technician, so a thousand devices behind one NAT address
 * reconnecting at once are not locked out; failed, anonymous and silent connections count.
 * A fixed one-minute window per address: cheap, and bounded — idle addresses are dropped by
 * `prune()`, which the broker runs every window.
 */
export const CONNECTION_WINDOW_MS = 60_000;

export class ConnectionLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    /** Connections allowed per address per window. */
    private readonly perWindow: number,
    private readonly windowMs = CONNECTION_WINDOW_MS,
  ) {}

  /** Records a connection attempt; false when the address is over its limit. */
  allow(address: string, now = Date.now()): boolean {
    const entry = this.windows.get(address);
    if (!entry || now - entry.start >= this.windowMs) {
      this.windows.set(address, { start: now, count: 1 });
      return this.perWindow >= 1;
    }
    entry.count += 1;
    return entry.count <= this.perWindow;
  }

  /** Gives back the count of a connection from `address` that authenticated. */
  refund(address: string, now = Date.now()): void {
    const entry = this.windows.get(address);
    if (entry && now - entry.start < this.windowMs && entry.count > 0) entry.count -= 1;
  }

  /** Forgets addresses whose window has ended. */
  prune(now = Date.now()): void {
    for (const [address, entry] of this.windows) {
      if (now - entry.start >= this.windowMs) this.windows.delete(address);
    }
  }

  get trackedAddresses(): number {
    return this.windows.size;
  }
}
