/** The time source of the service domain, injected so SLA and breach tests can fix "now". */
export interface Clock {
  now(): Date;
}

/** Wall-clock time. */
export const systemClock: Clock = Object.freeze({ now: () => new Date() });

/** A clock tests can set and move: `const clock = settableClock('2025-03-10T08:00:00Z'); clock.set(...)`. */
export function settableClock(start: Date | string): Clock & { set(at: Date | string): void; advance(ms: number): void } {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    set: (at) => {
      current = new Date(at).getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

/**
 * The clock carried by a context object (`ctx.clock`), else the system clock. AppContext has no
 * clock yet; tests pass one on the context they build.
 */
export function clockOf(ctx: { readonly clock?: Clock | undefined }): Clock {
  return ctx.clock ?? systemClock;
}
