/** Options, finding sink and statistics of DetectionWorker (detection.worker.ts). */
import type { Logger } from '../../../kernel/logger.js';
import type { RedisConnector } from '../../../kernel/redis.js';
import type { TicketPolicyName } from '../../../service/autotickets/ticket-policy.js';
import type { ModelRegistry } from '../../models/models.registry.js';
import type { AssetFinding } from '../detection.types.js';

/** What the worker needs from AutoTicketService: it takes the finding as typed, no second validation. */
export interface FindingSink {
  apply(finding: AssetFinding, options?: { autoCancelTransient?: boolean; ticket?: TicketPolicyName }): Promise<unknown>;
  /** Marks the asset's open alarm of the rule as its new normal since `since`, or takes the mark back (null). Absent: not marked. */
  newNormal?(change: AssetNewNormal): Promise<unknown>;
}

/** A rule's alarm on an asset became (or stopped being) steady: see steady.ts. Times in epoch ms (reading time). */
export interface AssetNewNormal {
  assetId: string;
  ruleId: string;
  since: number | null;
  at: number;
}

export interface DetectionWorkerOptions {
  /** Redis URL: the worker opens its own connection (BullMQ workers need maxRetriesPerRequest: null). */
  readonly redisUrl: string;
  /** REDIS_PREFIX: queues under `${prefix}:bull`, state under `${prefix}:detect:state:<assetId>` (see detection-state.store.ts). */
  readonly prefix: string;
  readonly models: ModelRegistry;
  readonly autotickets: FindingSink;
  readonly logger: Logger;
  /** Number of shard queues; must match the producers. Default 4 (DEFAULT_SHARDS). */
  readonly shards?: number;
  /** Which shards this process consumes. Default all. */
  readonly consumeShards?: readonly number[];
  /**
   * Cancel every not-yet-dispatched ticket when its condition clears, whatever the rule says.
   * Default false: only rules declared `autoCancel: true` (and `silence.autoCancel`) cancel;
   * the others flag the ticket "condition cleared".
   */
  readonly autoCancelTransient?: boolean;
  /**
   * How long a job's lock lasts without renewal, in ms; also the stalled-job check interval. A
   * worker process that dies mid-job holds its shard until the lock expires, then another worker
   * takes the job over. Default 30 000 (BullMQ's default).
   */
  readonly lockDurationMs?: number;
  /** How often a retired shard queue being drained is checked for emptiness, ms. Default 5000. */
  readonly retiredCheckMs?: number;
  /** Makes the Redis connections (the platform's outage-logging factory). Default: plain clients of redisUrl. */
  readonly connector?: RedisConnector;
  /** Shown as the job's `processedBy` (monitoring, tests). Default `<hostname>:<pid>`. */
  readonly name?: string;
  /** Most waiting jobs of a shard evaluated together with the running one; 0 = never merge. Default 64. */
  readonly mergeJobs?: number;
  /**
   * Assets of one job evaluated at the same time (each asset still strictly in order). Default
   * 16: their state loads and saves leave in one auto-pipelined write per turn of the event
   * loop, so more lanes mean fewer round trips per asset.
   */
  readonly assetConcurrency?: number;
  /** Attempts per asset inside a job before the job fails. Default 8. */
  readonly maxAttempts?: number;
  /** First retry delay. Default 100 ms. */
  readonly retryMinMs?: number;
  /** Longest retry delay. Default 5000 ms. */
  readonly retryMaxMs?: number;
}

export interface DetectionWorkerStats {
  jobs: number;
  assets: number;
  readings: number;
  late: number;
  findings: number;
  retries: number;
  /** Waiting jobs evaluated together with an earlier one of their shard (a backlog caught up). */
  merged: number;
}
