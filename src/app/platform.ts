/**
 * Starts a process in its role: `broker` (MQTT intake and journal), `worker` (journal → InfluxDB,
 * detection, webhooks, background tasks), `api` (REST API), or `all` = the three. What they
 * share is opened once (roles/infrastructure.ts); each role adds its parts to one shutdown
 * sequence, which stops them in order within SHUTDOWN_TIMEOUT_MS.
 */
import type { Config, Role } from '../kernel/config.js';
import type { Logger } from '../kernel/logger.js';
import { ShutdownSequence, type ShutdownReport } from '../kernel/shutdown.js';
import type { TelemetryBroker } from '../telemetry/broker/broker.js';
import type { DetectionWorker } from '../telemetry/detection/worker/detection.worker.js';
import type { ExternalIngest } from '../telemetry/external-broker/external-ingest.js';
import type { PlatformMetrics } from '../kernel/metrics/metrics.js';
import type { InfluxWriter } from '../telemetry/writer/influx-writer.js';
import { startApi, startMetricsOnly } from './roles/api.js';
import { startBroker } from './roles/broker.js';
import { has, openInfrastructure } from './roles/infrastructure.js';
import { startWorker } from './roles/worker.js';

export interface RunningPlatform {
  readonly role: Role;
  /** Where each listener ended up (port 0 in the config picks a free port). */
  readonly addresses: { http?: string; mqtt?: number; mqttWs?: number; mqttTls?: number; metrics?: number };
  readonly broker?: TelemetryBroker;
  /** Broker role with MQTT_EXTERNAL_URL: the external broker's ingest client. */
  readonly external?: ExternalIngest;
  readonly writer?: InfluxWriter;
  /** Worker role: the detection consumer (shard queues → detectors → auto-tickets). */
  readonly detection?: DetectionWorker;
  /** The journal consumer name (WORKER_ID, default `<hostname>-<role>`); worker roles only. */
  readonly workerId?: string;
  /** This process's Prometheus metrics (served at the API's /metrics, or the metrics listener). */
  readonly metrics: PlatformMetrics;
  /** Graceful stop within SHUTDOWN_TIMEOUT_MS (see shutdown.ts). */
  stop(): Promise<ShutdownReport>;
  /** Parts still closing (for the log line when the hard deadline is hit). */
  pendingParts(): string[];
}

export async function startPlatform(config: Config, logger: Logger): Promise<RunningPlatform> {
  const role = config.TELEMEND_ROLE;
  const shutdown = new ShutdownSequence(logger);
  let stopped = false;
  // 90 %: main.ts exits hard at SHUTDOWN_TIMEOUT_MS should something block the stop itself.
  const stop = (): Promise<ShutdownReport> => {
    stopped = true;
    return shutdown.run(Date.now() + config.SHUTDOWN_TIMEOUT_MS * 0.9);
  };
  try {
    const infra = await openInfrastructure(config, logger, shutdown, () => stopped);
    const intake = has(role, 'broker') ? await startBroker(infra) : undefined;
    const worker = has(role, 'worker') ? await startWorker(infra, () => stopped) : undefined;
    const addresses: RunningPlatform['addresses'] = { ...intake?.ports };
    if (has(role, 'api')) addresses.http = await startApi(infra);
    else addresses.metrics = await startMetricsOnly(infra);
    return {
      role,
      addresses,
      ...(intake?.broker ? { broker: intake.broker } : {}),
      ...(intake?.external ? { external: intake.external } : {}),
      ...(worker ? { detection: worker.detection, workerId: infra.workerId } : {}),
      metrics: infra.metrics,
      get writer() {
        return worker?.writer();
      },
      stop,
      pendingParts: () => shutdown.pending,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
