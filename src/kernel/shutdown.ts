/**
 * The platform's stop sequence: named parts closed in stages, within one deadline.
 *
 *   intake       broker (first: no PUBACK for what would not be journalled), HTTP API
 *   drain        the journal's last group commit, then the writer drains it to InfluxDB
 *   consumers    detection, background tasks, webhook deliveries
 *   queues       BullMQ producers
 *   connections  InfluxDB, Redis, the database
 *
 * Parts of one stage close concurrently. A stage that outlives its share of the deadline is left
 * behind (its parts are reported as unfinished) so the later stages still run: a BullMQ worker
 * stuck on a reconnecting Redis must not keep the database open. main.ts exits non-zero when
 * anything is unfinished or the hard deadline (close-with-grace) is hit.
 */
import type { Logger } from './logger.js';

export const SHUTDOWN_STAGES = ['intake', 'drain', 'consumers', 'queues', 'connections'] as const;
export type ShutdownStage = (typeof SHUTDOWN_STAGES)[number];

/** Time kept for each stage after the current one when a stage runs late. */
const RESERVE_PER_STAGE_MS = 500;

export interface ShutdownReport {
  /** Parts that had not closed when their stage's time was up. */
  readonly unfinished: readonly string[];
  readonly durationMs: number;
}

interface Part {
  readonly stage: ShutdownStage;
  readonly name: string;
  /** Gets the time at which the whole stop must be over (the drain uses it). */
  readonly close: (deadlineAt: number) => Promise<unknown>;
}

export class ShutdownSequence {
  private readonly parts: Part[] = [];
  private readonly open = new Set<string>();
  private running: Promise<ShutdownReport> | undefined;

  constructor(private readonly logger: Logger) {}

  add(stage: ShutdownStage, name: string, close: (deadlineAt: number) => Promise<unknown>): void {
    this.parts.push({ stage, name, close });
  }

  /** Parts started but not closed yet (for the hard-deadline log line). */
  get pending(): string[] {
    return [...this.open];
  }

  /** Closes everything, stage by stage, by `deadlineAt`. Idempotent. */
  run(deadlineAt: number): Promise<ShutdownReport> {
    this.running ??= this.runStages(deadlineAt);
    return this.running;
  }

  private async runStages(deadlineAt: number): Promise<ShutdownReport> {
    const started = Date.now();
    const unfinished: string[] = [];
    for (const [index, stage] of SHUTDOWN_STAGES.entries()) {
      // Later-added parts of a stage close first (a part may depend on an earlier one of the same stage).
      const parts = this.parts.filter((p) => p.stage === stage).reverse();
      if (parts.length === 0) continue;
      const stageDeadline = Math.max(Date.now() + 100, deadlineAt - RESERVE_PER_STAGE_MS * (SHUTDOWN_STAGES.length - 1 - index));
      const closing = parts.map(async (part) => {
        this.open.add(part.name);
        try {
          await part.close(deadlineAt);
          this.logger.debug({ part: part.name }, 'stopped');
        } catch (error) {
          this.logger.error({ err: error, part: part.name }, 'error while stopping');
        } finally {
          this.open.delete(part.name);
        }
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(closing), new Promise((resolve) => (timer = setTimeout(resolve, stageDeadline - Date.now())))]);
      clearTimeout(timer);
      const late = parts.filter((p) => this.open.has(p.name)).map((p) => p.name);
      if (late.length > 0) {
        this.logger.error({ stage, parts: late }, 'shutdown: parts did not close in time; going on without them');
        unfinished.push(...late);
      }
    }
    this.parts.length = 0;
    return { unfinished, durationMs: Date.now() - started };
  }
}
