/**
 * The worker role's InfluxDB writer: started once InfluxDB answers (the journal keeps everything
 * until then), handing each written batch to detection; on shutdown it drains the journal when
 * this process also runs the broker, else it finishes the batches in flight.
 */
import { InfluxWriter } from '../../telemetry/writer/influx-writer.js';
import type { InfluxWriterOptions } from '../../telemetry/writer/influx-writer.options.js';
import { has, type Infrastructure } from './infrastructure.js';

/** Of the shutdown deadline, what the writer's drain leaves to the stages after it. */
const DRAIN_RESERVE_MS = 2000;

export function startWriter(infra: Infrastructure, onWritten: InfluxWriterOptions['onWritten'], stopped: () => boolean): () => InfluxWriter | undefined {
  const { config, logger, connector, redis, metrics, shutdown } = infra;
  let writer: InfluxWriter | undefined;
  const writerStarted = infra.influxReady.then(async (connection) => {
    if (!connection || stopped()) return;
    writer = new InfluxWriter({
      redis,
      connector,
      prefix: config.REDIS_PREFIX,
      influx: connection,
      rejections: infra.rejections,
      batchSize: config.INFLUX_BATCH_SIZE,
      flushIntervalMs: config.INFLUX_FLUSH_INTERVAL_MS,
      minBatchIntervalMs: config.INFLUX_MIN_BATCH_INTERVAL_MS,
      ...(onWritten ? { onWritten } : {}),
      // Stable across restarts of the same deployment slot: a restarted worker writes its
      // predecessor's unwritten entries at once instead of after WORKER_TAKEOVER_MS.
      consumer: infra.workerId,
      claimIdleMs: config.WORKER_TAKEOVER_MS,
      logger: logger.child({ part: 'writer' }),
      onWriteRequest: (seconds, outcome) => metrics.influxWriteDuration.observe({ outcome }, seconds),
    });
    await writer.start();
    logger.info('telemetry writer started');
  });
  writerStarted.catch((error: unknown) => logger.error({ err: error }, 'telemetry writer failed to start'));
  // After the broker stopped accepting, the writer drains the journal to InfluxDB; a worker-only
  // process just finishes its batches in flight, as brokers elsewhere keep appending.
  const drains = has(config.TELEMEND_ROLE, 'broker');
  shutdown.add('drain', 'writer', async (deadlineAt) => {
    if (!infra.influx()) return; // InfluxDB never answered: no writer was started
    await writerStarted.catch(() => undefined);
    await writer?.stop(drains ? { drainUntil: deadlineAt - DRAIN_RESERVE_MS } : {});
    if (drains && writer) {
      const left = (await writer.stats().catch(() => undefined))?.pending;
      if (left) logger.warn({ publishes: left }, 'shutdown: publishes left in the journal; they are written at the next start');
      else if (left === 0) logger.info('shutdown: the journal is written to InfluxDB');
    }
  });
  return () => writer;
}
