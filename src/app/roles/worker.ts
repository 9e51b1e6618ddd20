/**
 * The worker role: journal → InfluxDB writer → detection jobs (BullMQ, one per shard) → the
 * detection worker → auto-tickets; webhook deliveries; the silence sweep; and the modules'
 * background tasks (outbox sender, preventive generation, scheduled reports, downsampling, ...).
 */
import { hostname } from 'node:os';
import type { DetectionWorker } from '../../telemetry/detection/worker/detection.worker.js';
import { DetectionQueue } from '../../telemetry/detection/worker/detection.queue.js';
import { DetectionWorker as Detection } from '../../telemetry/detection/worker/detection.worker.js';
import { SilenceSweep } from '../../telemetry/detection/worker/silence.sweep.js';
import type { InfluxWriter } from '../../telemetry/writer/influx-writer.js';
import { WebhooksWorker } from '../../service/delivery/webhooks.worker.js';
import { backgroundTasksOf } from '../modules.js';
import type { Infrastructure } from './infrastructure.js';
import { startWriter } from './writer.js';

export interface RunningWorker {
  readonly detection: DetectionWorker;
  readonly writer: () => InfluxWriter | undefined;
}

export async function startWorker(infra: Infrastructure, stopped: () => boolean): Promise<RunningWorker> {
  const { config, logger, connector, redis, db, models, metrics, shutdown } = infra;
  const webhooks = new WebhooksWorker({
    db,
    redisUrl: config.REDIS_URL,
    connector,
    prefix: config.REDIS_PREFIX,
    logger: logger.child({ part: 'webhooks' }),
    egress: infra.egress,
    secrets: infra.secrets!,
  });
  shutdown.add('consumers', 'webhooks', () => webhooks.stop());
  await webhooks.start();

  // The writer hands each written batch to the shard queues; the detection worker consumes them.
  const detectionQueue = new DetectionQueue({
    connection: redis,
    prefix: config.REDIS_PREFIX,
    shards: config.DETECTION_SHARDS,
    onError: (error) => connector.reportError('detection-queue', error),
  });
  shutdown.add('queues', 'detection-queue', () => detectionQueue.close());
  metrics.use({ detection: () => detectionQueue.backlog(), writer: async () => writer()?.stats() });
  const detection = new Detection({
    redisUrl: config.REDIS_URL,
    connector,
    prefix: config.REDIS_PREFIX,
    models,
    autotickets: { ...metrics.countingAlarms(infra.modules.services.autotickets), newNormal: (c) => infra.modules.services.autotickets.newNormal(c) },
    logger: logger.child({ part: 'detection' }),
    shards: config.DETECTION_SHARDS,
    lockDurationMs: config.WORKER_TAKEOVER_MS,
    name: `${hostname()}:${process.pid}`,
  });
  shutdown.add('consumers', 'detection', () => detection.stop());
  await detection.start();
  if (config.SILENCE_SWEEP_INTERVAL_MS > 0) {
    const sweep = new SilenceSweep({
      redisUrl: config.REDIS_URL,
      connector,
      prefix: config.REDIS_PREFIX,
      db,
      logger: logger.child({ part: 'silence-sweep' }),
      intervalMs: config.SILENCE_SWEEP_INTERVAL_MS,
      shards: config.DETECTION_SHARDS,
    });
    shutdown.add('consumers', 'silence-sweep', () => sweep.stop());
    await sweep.start();
  }
  logger.info({ shards: config.DETECTION_SHARDS }, 'detection worker started');

  // Built before any starts, so that a bad option stops the start-up; stopped in reverse.
  const tasks = backgroundTasksOf(infra.modules);
  for (const task of tasks) {
    shutdown.add('consumers', task.name, () => task.stop());
    await task.start();
    logger.debug({ task: task.name }, 'background task started');
  }

  const writer = startWriter(infra, detectionQueue.onWritten, stopped);
  return { detection, writer };
}
