/** Control-flow errors of the ingest pipeline. */

/**
 * The journal holds more unwritten publishes than allowed (InfluxDB has been away too long).
 * The broker refuses the publish instead of acknowledging it; nothing is dropped.
 */
export class JournalFullError extends Error {
  readonly code = 'JOURNAL_FULL';
  constructor(
    readonly length: number,
    readonly max: number,
  ) {
    super(`telemetry journal is full (${length} unwritten publishes, max ${max})`);
    this.name = 'JournalFullError';
  }
}
