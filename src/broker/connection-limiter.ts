/**
 * New connections per client IP per minute, checked on the raw socket before aedes sees it.
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
