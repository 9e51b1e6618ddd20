/**
 * The consumer side of detection: BullMQ workers over the shard queues. For each asset in a job:
 * load its state from Redis, `evaluate` the model's rules over the readings and events, hand
 * every finding to the auto-tickets (AutoTicketService.apply), then save the state.
 *
 * Ordering — the design, and why it is the simplest correct one: BullMQ (open source) has no
 * per-key groups, so the key is the queue. Every asset belongs to exactly one shard queue
 * (detection.jobs.ts), and each shard queue has a GLOBAL concurrency of 1
 * (`Queue.setGlobalConcurrency(1)`, enforced by BullMQ in Redis across every worker process) and
 * a worker concurrency of 1: a shard's jobs run one at a time, oldest first, however many worker
 * processes there are. Shards run in parallel, so throughput scales up to `shards` workers.
 * A failing asset is retried INSIDE the job (with backoff) instead of failing the job: a failed
 * BullMQ job goes back behind the later ones, which would then run first.
 *
 * At-least-once, no duplicates: findings are applied before the state is saved. If a step fails
 * (or the process dies) the batch is evaluated again from the previous state and yields the same
 * findings with the same keys, which the database de-duplicates (one open ticket per asset and
 * fault, one evidence row per finding key). Once the state is saved, a redelivered batch is a
 * no-op (readings at or before the watermark are skipped).
 */
import { hostname } from 'node:os';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { compileModel, evaluateBatch } from '../detection.engine.js';
import type { EquipmentModel } from '../../models/models.schema.js';
import type { AssetFinding, Finding } from '../detection.types.js';
import { AppError } from '../../../kernel/errors.js';
import { ticketPolicyOf } from '../../../service/autotickets/ticket-policy.js';
import { closeRedis, connectRedis } from '../../../kernel/redis.js';
import { retry } from '../../../kernel/retry.js';
import { DetectionStateStore } from './detection-state.store.js';
import type { DetectionWorkerOptions, DetectionWorkerStats } from './detection.worker.options.js';
import {
  bullPrefix,
  decodeJob,
  DEFAULT_SHARDS,
  detectionJobSchema,
  SHARD_QUEUE_PREFIX,
  shardQueueName,
  type AssetBatch,
  type DecodedAsset,
  type DecodedJob,
  type DetectionJobData,
} from './detection.jobs.js';

export type { AssetNewNormal, DetectionWorkerOptions, DetectionWorkerStats, FindingSink } from './detection.worker.options.js';

export class DetectionWorker {
  private readonly shards: number;
  private readonly redis: Redis;
  private readonly stateRedis: Redis;
  private readonly store: DetectionStateStore;
  private readonly workers: Worker<DetectionJobData>[] = [];
  private readonly queues: Queue<DetectionJobData>[] = [];
  private closing = false;
  private readonly retiredChecks = new Set<NodeJS.Timeout>();
  private readonly counters: DetectionWorkerStats = { jobs: 0, assets: 0, readings: 0, late: 0, findings: 0, retries: 0, merged: 0 };

  constructor(private readonly options: DetectionWorkerOptions) {
    this.shards = options.shards ?? DEFAULT_SHARDS;
    this.redis = connectRedis(options.connector, options.redisUrl, 'detection', { maxRetriesPerRequest: null }, options.logger);
    // The states have their own connection, auto-pipelined: the loads and saves of the assets and
    // shards evaluated at the same time leave in one write instead of one syscall each (not used
    // for BullMQ's connection, which does not support it).
    this.stateRedis = connectRedis(
      options.connector,
      options.redisUrl,
      'detection-state',
      { maxRetriesPerRequest: null, enableAutoPipelining: true },
      options.logger,
    );
    this.store = new DetectionStateStore(this.stateRedis, options.prefix, options.models);
  }

  /** Sets every shard queue's global concurrency to 1 and starts consuming. */
  async start(): Promise<void> {
    const shards = this.options.consumeShards ?? Array.from({ length: this.shards }, (_, i) => i);
    for (const shard of shards) await this.startShard(shard);
    if (!this.options.consumeShards) await this.drainRetiredShards();
  }

  private async startShard(shard: number): Promise<{ queue: Queue<DetectionJobData>; worker: Worker<DetectionJobData> }> {
    const prefix = bullPrefix(this.options.prefix);
    const name = shardQueueName(shard);
    const queue = new Queue<DetectionJobData>(name, { connection: this.redis, prefix });
    queue.on('error', (error) => this.reportError(`detection-queue-${shard}`, error));
    await queue.setGlobalConcurrency(1);
    this.queues.push(queue);
    const lock = this.options.lockDurationMs ?? 30_000;
    const worker = new Worker<DetectionJobData>(name, (job) => this.processWithBacklog(job, queue), {
      connection: this.redis,
      prefix,
      concurrency: 1,
      lockDuration: lock,
      stalledInterval: lock,
      name: this.options.name ?? `${hostname()}:${process.pid}`,
    });
    worker.on('failed', (job, error) => this.options.logger.error({ err: error, jobId: job?.id, shard }, 'detection job failed'));
    worker.on('error', (error) => this.reportError(`detection-shard-${shard}`, error));
    this.workers.push(worker);
    return { queue, worker };
  }

  /**
   * Shard queues numbered at or above `shards` that still hold jobs were left by a deployment
   * with more shards (DETECTION_SHARDS lowered, or an upgrade from the former default of 16).
   * Producers no longer add to them; they are consumed like the others until they are empty,
   * then closed, so no journalled reading is left unevaluated. An asset's readings in such a
   * queue may then be evaluated after newer ones of its new shard: those count as late.
   */
  private async drainRetiredShards(): Promise<void> {
    const prefix = bullPrefix(this.options.prefix);
    const retired = new Set<number>();
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${prefix}:${SHARD_QUEUE_PREFIX}*:meta`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const shard = Number(key.slice(prefix.length + 1 + SHARD_QUEUE_PREFIX.length, -':meta'.length));
        if (Number.isSafeInteger(shard) && shard >= this.shards) retired.add(shard);
      }
    } while (cursor !== '0');
    for (const shard of [...retired].sort((a, b) => a - b)) {
      const probe = new Queue<DetectionJobData>(shardQueueName(shard), { connection: this.redis, prefix });
      probe.on('error', (error) => this.reportError(`detection-queue-${shard}`, error));
      const left = await pendingJobs(probe);
      await probe.close();
      if (left === 0) continue;
      this.options.logger.info({ shard, jobs: left, shards: this.shards }, 'draining a retired detection shard queue');
      const { queue, worker } = await this.startShard(shard);
      const check = setInterval(() => {
        void pendingJobs(queue)
          .then(async (n) => {
            if (n > 0 || this.closing || !this.workers.includes(worker)) return;
            clearInterval(check);
            this.retiredChecks.delete(check);
            this.workers.splice(this.workers.indexOf(worker), 1);
            this.queues.splice(this.queues.indexOf(queue), 1);
            await worker.close();
            await queue.close();
            this.options.logger.info({ shard }, 'retired detection shard queue drained');
          })
          .catch((error: unknown) => this.options.logger.debug({ err: error, shard }, 'checking a retired detection shard queue failed'));
      }, this.options.retiredCheckMs ?? 5000);
      check.unref();
      this.retiredChecks.add(check);
    }
  }

  private reportError(source: string, error: Error): void {
    if (this.options.connector) this.options.connector.reportError(source, error);
    else this.options.logger.warn({ err: error, source }, 'detection worker error');
  }

  /** Finishes the jobs in flight and closes the connection. */
  async stop(): Promise<void> {
    this.closing = true;
    for (const check of this.retiredChecks) clearInterval(check);
    this.retiredChecks.clear();
    // Redis away: a job in flight cannot finish anyway and Worker.close() would wait for it (and
    // QUIT on the reconnecting connection) forever; force-close instead. The job is redelivered.
    const force = this.redis.status !== 'ready';
    await Promise.all(this.workers.map((w) => w.close(force)));
    this.workers.length = 0;
    if (!force) await Promise.all(this.queues.map((q) => q.close()));
    this.queues.length = 0;
    await closeRedis(this.redis);
    await closeRedis(this.stateRedis);
  }

  stats(): DetectionWorkerStats {
    return { ...this.counters };
  }

  /**
   * Catching up: when the shard has a backlog, the jobs waiting behind this one are evaluated
   * together with it (readings merged per asset, one state load and save per asset), then
   * removed. Nobody else can take them meanwhile: the shard runs one job at a time. If this
   * process dies before removing them they run again, and their readings are then at or before
   * the watermark: skipped. So the cost per reading falls as the backlog grows, instead of the
   * backlog growing further.
   */
  private async processWithBacklog(job: Job<DetectionJobData>, queue: Queue<DetectionJobData>): Promise<{ assets: number; findings: number; late: number }> {
    const first = this.validate(job);
    const max = this.options.mergeJobs ?? 64;
    const waiting = max > 0 ? (await queue.getWaiting(0, max - 1)).filter((w): w is Job<DetectionJobData> => !!w && w.id !== job.id) : [];
    // Invalid jobs are left in the queue, to fail on their own with their own error. A job with
    // rule commands ends the merge: its commands apply before its readings, so merged with the
    // earlier jobs they would overtake the earlier readings.
    const valid: { job: Job<DetectionJobData>; data: DecodedJob }[] = [];
    for (const w of waiting) {
      const read = readJob(w.data);
      if ('job' in read && read.job.assets.some((a) => a.commands)) break;
      if ('job' in read) valid.push({ job: w, data: read.job });
    }
    const result = await this.processData(valid.length ? mergeJobs([first, ...valid.map((v) => v.data)]) : first);
    for (const { job: w } of valid)
      await w.remove().catch((error: unknown) => this.options.logger.debug({ err: error, jobId: w.id }, 'merged detection job already gone'));
    this.counters.merged += valid.length;
    return result;
  }

  /** The job processor: validates the payload (invalid → UnrecoverableError, never retried). */
  async process(job: Pick<Job<unknown>, 'id' | 'data'>): Promise<{ assets: number; findings: number; late: number }> {
    return this.processData(this.validate(job));
  }

  private validate(job: Pick<Job<unknown>, 'id' | 'data'>): DecodedJob {
    const read = readJob(job.data);
    if ('error' in read) throw new UnrecoverableError(`invalid detection job ${job.id ?? ''}: ${read.error}`);
    return read.job;
  }

  private async processData(data: DecodedJob): Promise<{ assets: number; findings: number; late: number }> {
    let findings = 0;
    let late = 0;
    // Assets are independent: several at a time (their Redis and database round trips overlap).
    // Those with controller events go first, on their own: an event is the most urgent thing a
    // batch can hold, and the transaction of its ticket should not wait for the event loop
    // behind a dozen other assets' evaluations.
    const urgent = data.assets.filter((a) => a.events.length > 0);
    const rest = data.assets.filter((a) => a.events.length === 0);
    for (const queue of [urgent, rest]) {
      const lanes = Array.from({ length: Math.min(this.options.assetConcurrency ?? 16, queue.length) }, async () => {
        for (let batch = queue.shift(); batch; batch = queue.shift()) {
          const current = batch;
          const result = await this.withRetry(current, () => this.processAsset(current));
          findings += result.findings;
          late += result.late;
        }
      });
      await Promise.all(lanes);
    }
    this.counters.jobs++;
    return { assets: data.assets.length, findings, late };
  }

  private async processAsset(batch: DecodedAsset): Promise<{ findings: number; late: number }> {
    const model = this.options.models.get(batch.modelId);
    if (!model) {
      this.options.logger.warn({ assetId: batch.assetId, modelId: batch.modelId }, 'detection skipped: unknown equipment model');
      return { findings: 0, late: 0 };
    }
    for (;;) {
      const loaded = await this.store.load(batch.assetId);
      if (!loaded.state && batch.readings.length === 0 && batch.events.length === 0) return { findings: 0, late: 0 };
      const result = evaluateBatch(model, loaded.state, batch, { takeOwnership: true });
      for (const finding of result.findings) await this.applyFinding(batch, finding, model);
      // After the findings: a mark names the alarm open once they are applied (idempotent when replayed).
      for (const change of result.newNormal) await this.options.autotickets.newNormal?.({ assetId: batch.assetId, ...change });
      if (await this.store.save(batch.assetId, loaded, result.state, batch)) {
        this.counters.assets++;
        this.counters.readings += batch.readings.length;
        this.counters.late += result.late;
        this.counters.findings += result.findings.length;
        return { findings: result.findings.length, late: result.late };
      }
      // Someone saved a newer state meanwhile (a job taken over after a stall): start over from
      // it; what it already covered is skipped as late, findings re-applied are de-duplicated.
      this.options.logger.warn({ assetId: batch.assetId }, 'detection state changed concurrently; re-evaluating');
    }
  }

  private async applyFinding(batch: AssetBatch, finding: Finding, model: EquipmentModel): Promise<void> {
    // The job's data was validated once, when it was read (readJob): the finding is passed as typed.
    const input: AssetFinding = { ...finding, assetId: batch.assetId, deviceId: batch.deviceId, modelId: batch.modelId };
    try {
      await this.options.autotickets.apply(input, {
        autoCancelTransient: (this.options.autoCancelTransient ?? false) || ruleAutoCancels(model, finding.ruleId),
        ticket: ticketPolicyOf(model, finding.ruleId),
      });
    } catch (error) {
      // A domain error (asset deleted, model mismatch) will not change on a retry: log it and go
      // on. Anything else (database unavailable) is retried.
      if (error instanceof AppError && error.code !== 'DEPENDENCY_UNAVAILABLE') {
        this.options.logger.error(
          { err: error, assetId: batch.assetId, ruleId: finding.ruleId, faultCode: finding.faultCode },
          'finding refused by auto-tickets; skipped',
        );
        return;
      }
      throw error;
    }
  }

  /**
   * Retries a step of one asset (Redis or the database away) with backoff, inside the job: BullMQ
   * keeps renewing the job's lock meanwhile. Ends early when the worker closes.
   */
  private withRetry<T>(batch: AssetBatch, step: () => Promise<T>): Promise<T> {
    const maxAttempts = Math.max(1, this.options.maxAttempts ?? 8);
    return retry(step, {
      retries: maxAttempts - 1,
      minDelayMs: this.options.retryMinMs ?? 100,
      maxDelayMs: this.options.retryMaxMs ?? 5000,
      onFailedAttempt: (error, attempt) => {
        if (this.closing || attempt >= maxAttempts) return; // not retried: not counted
        this.counters.retries++;
        if (attempt === 1) this.options.logger.warn({ err: error, assetId: batch.assetId }, 'detection of an asset failed; retrying');
      },
      shouldRetry: () => !this.closing,
    });
  }
}

/** Whether the model declares the rule transient (`autoCancel: true`). */
function ruleAutoCancels(model: EquipmentModel, ruleId: string): boolean {
  const compiled = compileModel(model);
  if (ruleId === compiled.silence.ruleId) return compiled.silence.autoCancel;
  return compiled.rules.find((r) => r.id === ruleId)?.autoCancel ?? false;
}

/** Jobs of a queue not yet finished (waiting, running, delayed, prioritised or waiting for children). */
async function pendingJobs(queue: Queue<DetectionJobData>): Promise<number> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
  return Object.values(counts).reduce((n, c) => n + c, 0);
}

/** A job's data validated and decoded, or why it is invalid. */
function readJob(data: unknown): { job: DecodedJob } | { error: string } {
  const parsed = detectionJobSchema.safeParse(data);
  if (!parsed.success) return { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  try {
    return { job: decodeJob(parsed.data) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Several jobs of one shard as one: each asset's readings and events concatenated (evaluate sorts them by time). */
export function mergeJobs(jobs: readonly DecodedJob[]): DecodedJob {
  const byAsset = new Map<string, DecodedAsset>();
  let shard = 0;
  for (const data of jobs) {
    shard = data.shard;
    for (const batch of data.assets) {
      const seen = byAsset.get(batch.assetId);
      if (!seen) {
        byAsset.set(batch.assetId, { ...batch, readings: [...batch.readings], events: [...batch.events] });
        continue;
      }
      seen.readings.push(...batch.readings);
      seen.events.push(...batch.events);
      if (batch.commands) seen.commands = [...(seen.commands ?? []), ...batch.commands];
      seen.text = seen.text === undefined || batch.text === undefined ? undefined : [seen.text, batch.text].filter(Boolean).join('\n');
      if (batch.silenceCheckAt !== undefined) seen.silenceCheckAt = Math.max(seen.silenceCheckAt ?? 0, batch.silenceCheckAt);
    }
  }
  return { shard, assets: [...byAsset.values()] };
}
