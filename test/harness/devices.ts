/** MQTT device helpers for end-to-end tests. */
import mqtt, { type MqttClient } from 'mqtt';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';

export function connectDevice(port: number, username: string, password: string, extra: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      username,
      password,
      clientId: username,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...extra,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

export function publish(client: MqttClient, topic: string, payload: unknown, qos: 0 | 1 = 1): Promise<void> {
  const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
  return new Promise((resolve, reject) => client.publish(topic, body, { qos }, (error) => (error ? reject(error) : resolve())));
}

/** A reading with every metric of the model in the middle of its normal band. */
export function validMetrics(model: Pick<EquipmentModel, 'metrics'>, jitter = 0): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const [name, m] of Object.entries(model.metrics)) {
    const lo = m.normal?.min ?? m.min;
    const hi = m.normal?.max ?? m.max;
    metrics[name] = Math.round(((lo + hi) / 2 + jitter) * 100) / 100;
  }
  return metrics;
}
