/** The kernel's retry helper: what it adds to p-retry (a pure unit: no server involved). */
import { describe, expect, it } from 'vitest';
import { retry } from '../../src/kernel/retry.js';

describe('retry', () => {
  it('retries a TypeError too (p-retry alone gives up on one), and reports it unwrapped', async () => {
    const seen: unknown[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls < 3) throw new TypeError(`bug ${calls}`);
        return 'ok';
      },
      { minDelayMs: 1, maxDelayMs: 1, onFailedAttempt: (error, attempt) => void seen.push([attempt, (error as Error).message, error instanceof TypeError]) },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([
      [1, 'bug 1', true],
      [2, 'bug 2', true],
    ]);
  });

  it('rejects with the last failure itself once retries run out or shouldRetry says no', async () => {
    const failure = new TypeError('still broken');
    await expect(retry(() => Promise.reject(failure), { retries: 2, minDelayMs: 1, maxDelayMs: 1 })).rejects.toBe(failure);
    let attempts = 0;
    const stop = new Error('stop');
    await expect(
      retry(
        () => {
          attempts++;
          return Promise.reject(stop);
        },
        { minDelayMs: 1, maxDelayMs: 1, shouldRetry: (_error, attempt) => attempt < 4 },
      ),
    ).rejects.toBe(stop);
    expect(attempts).toBe(4);
  });

  it('backs off exponentially up to the cap', async () => {
    const at: number[] = [];
    await retry(
      async () => {
        at.push(performance.now());
        if (at.length < 4) throw new Error('down');
      },
      { minDelayMs: 100, maxDelayMs: 250 },
    );
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(98);
    expect(gaps[1]).toBeGreaterThanOrEqual(198);
    expect(gaps[2]).toBeGreaterThanOrEqual(248);
    expect(gaps[2]).toBeLessThan(390); // capped at 250, not 400
  });

  it('an abort ends a pending delay at once, but a result in hand is kept', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const failing = retry(() => Promise.reject(new Error('down')), { minDelayMs: 10_000, maxDelayMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stopping')), 20);
    await expect(failing).rejects.toThrow('stopping');
    expect(performance.now() - started).toBeLessThan(2000);

    const late = new AbortController();
    const value = await retry(
      async () => {
        late.abort(new Error('stopping')); // while the attempt runs: it still succeeds
        return 42;
      },
      { minDelayMs: 1, maxDelayMs: 1, signal: late.signal },
    );
    expect(value).toBe(42);
  });
});
