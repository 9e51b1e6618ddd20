/**
 * The one retry helper: p-retry with exponential backoff, plus what our loops need on top of it.
 *
 * p-retry gives up at once on a TypeError that is not a network error (it takes it for a bug).
 * Our loops guard data that must not be dropped (a journal batch, the InfluxDB start-up), so they
 * retry every failure until told to stop: a TypeError is carried through p-retry wrapped and
 * handed back unwrapped, to the callbacks and to the caller.
 */
import pRetry from 'p-retry';

export interface RetryOptions {
  /** Retries after the first attempt. Default Infinity. */
  readonly retries?: number;
  /** First delay, ms. */
  readonly minDelayMs: number;
  /** Longest delay, ms. */
  readonly maxDelayMs: number;
  /** Multiply each delay by a random factor in [1, 2), so that peers do not retry in step. Default false. */
  readonly jitter?: boolean;
  /** Do not keep the process alive for a pending delay. Default false. */
  readonly unref?: boolean;
  /**
   * Aborting ends a pending delay at once: the retry then rejects with the signal's reason. An
   * attempt in progress is not abandoned: if it succeeds, its result is returned.
   */
  readonly signal?: AbortSignal;
  /** Told every failed attempt (1-based) before the delay; may be async (awaited). */
  readonly onFailedAttempt?: (error: unknown, attempt: number) => void | Promise<void>;
  /** Whether to retry after this failure. Default: always. */
  readonly shouldRetry?: (error: unknown, attempt: number) => boolean;
}

/** Carries a TypeError through p-retry, which would otherwise not retry it. */
class CarriedError extends Error {
  constructor(readonly carried: unknown) {
    super('retried failure', { cause: carried });
  }
}

const unwrap = (error: unknown): unknown => (error instanceof CarriedError ? error.carried : error);

/** Runs `operation` (given the attempt number, from 1) until it resolves, retrying with exponential backoff (factor 2). */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  // p-retry checks the signal after a successful attempt too; a result in hand is not dropped.
  let succeeded: { value: T } | undefined;
  try {
    return await pRetry(
      async (attempt) => {
        try {
          const value = await operation(attempt);
          succeeded = { value };
          return value;
        } catch (error) {
          throw error instanceof Error && !(error instanceof TypeError) ? error : new CarriedError(error);
        }
      },
      {
        retries: options.retries ?? Number.POSITIVE_INFINITY,
        factor: 2,
        minTimeout: options.minDelayMs,
        maxTimeout: options.maxDelayMs,
        randomize: options.jitter ?? false,
        unref: options.unref ?? false,
        ...(options.signal ? { signal: options.signal } : {}),
        onFailedAttempt: ({ error, attemptNumber }) => options.onFailedAttempt?.(unwrap(error), attemptNumber),
        shouldRetry: ({ error, attemptNumber }) => options.shouldRetry?.(unwrap(error), attemptNumber) ?? true,
      },
    );
  } catch (error) {
    if (succeeded) return succeeded.value;
    throw unwrap(error);
  }
}
