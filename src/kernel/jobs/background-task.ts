/**
 * A background task of the worker role (outbox sender, preventive generation, scheduled reports,
 * downsampling...). A feature module builds its tasks; the worker role starts them in order and
 * stops them in reverse. A task must tolerate several worker processes running it at once
 * (BullMQ repeatable jobs, SKIP LOCKED, or unique keys).
 */
export interface BackgroundTask {
  readonly name: string;
  start(): Promise<void>;
  /** Finish what is in flight, then release connections. */
  stop(): Promise<void>;
}
