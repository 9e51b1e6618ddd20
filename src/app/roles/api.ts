/**
 * The api role: the REST API with its OpenAPI docs and the console; credentials revoked here are
 * announced to every broker (and mirrored into Mosquitto's dynamic security when configured).
 * Without it, a process serves /metrics on a small listener of its own.
 */
import { startMetricsServer } from '../../kernel/metrics/metrics.server.js';
import { externalIngestOptionsFromConfig } from '../../telemetry/external-broker/external-ingest.js';
import { MosquittoDynsec } from '../../telemetry/external-broker/mosquitto-dynsec.js';
import { BrokerAdmin } from '../../telemetry/external-broker/broker-admin.js';
import { buildApp } from '../http-app.js';
import type { Infrastructure } from './infrastructure.js';

export async function startApi(infra: Infrastructure): Promise<string> {
  const { config, logger, devices, shutdown, ctx } = infra;
  devices.onRevoked((clientId) => ctx.mqttSessions?.revoke(clientId));
  if (config.MQTT_EXTERNAL_ADMIN) {
    // EMQX and VerneMQ refuse a revoked client only at its next connect: ask them to close it now.
    const admin = new BrokerAdmin({
      kind: config.MQTT_EXTERNAL_ADMIN,
      url: config.MQTT_EXTERNAL_ADMIN_URL!,
      key: config.MQTT_EXTERNAL_ADMIN_KEY!,
      secret: config.MQTT_EXTERNAL_ADMIN_SECRET,
      logger: logger.child({ part: 'broker-admin' }),
    });
    devices.onRevoked((clientId) => void admin.kick(clientId));
  }
  if (config.MQTT_EXTERNAL_DYNSEC) {
    // Provisioning, rotation and revocation happen here: they are mirrored into Mosquitto.
    const dynsec = new MosquittoDynsec(externalIngestOptionsFromConfig(config), logger.child({ part: 'dynsec' }));
    await dynsec.start();
    shutdown.add('connections', 'dynsec', () => dynsec.stop());
    devices.mirrorCredentialsTo(dynsec);
  }
  const app = await buildApp(ctx, { logger: logger.child({ part: 'http' }), modules: infra.modules });
  const url = await app.listen({ host: config.HOST, port: config.PORT });
  shutdown.add('intake', 'http', () => app.close());
  logger.info({ url, docs: `${url}/docs` }, 'api listening');
  return url;
}

export async function startMetricsOnly(infra: Infrastructure): Promise<number> {
  const { config, logger, metrics, shutdown } = infra;
  const server = await startMetricsServer({ metrics, host: config.METRICS_HOST, port: config.METRICS_PORT, token: config.METRICS_TOKEN });
  shutdown.add('connections', 'metrics', () => server.close());
  logger.info({ host: config.METRICS_HOST, port: server.port }, 'metrics listening');
  return server.port;
}
