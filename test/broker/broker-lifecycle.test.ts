/** Options, start-up failure and graceful stop of the broker. */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { TelemetryBroker, brokerOptionsFromConfig } from '../../src/telemetry/broker/broker.js';
import { BrokerOptionsError } from '../../src/telemetry/broker/broker.options.js';
import { loadConfig } from '../../src/kernel/config.js';
import { waitFor } from '../harness/servers.js';
import { MapAuthenticator, PresenceRecorder, closeOf, RecordingIngest, baseOptions, connectDevice, silentLogger, startBroker } from './broker.fakes.js';

describe('options', () => {
  it('maps the MQTT_* configuration', () => {
    const config = loadConfig(
      {},
      { TELEMEND_ADMIN_TOKEN: 'x'.repeat(16), MQTT_PORT: '1999', MQTT_WS_PORT: '8083', MQTT_ALLOW_ANONYMOUS: 'true', MQTT_MAX_TOPIC_LEVELS: '12' },
    );
    expect(brokerOptionsFromConfig(config)).toEqual({
      host: '127.0.0.1',
      port: 1999,
      wsPort: 8083,
      tlsPort: 0,
      maxPacketSize: 65536,
      keepaliveLimit: 3600,
      maxTopicLevels: 12,
      connectTimeoutMs: 10000,
      connectionsPerMinute: 600,
      publishRate: 1000,
      publishBurst: 10000,
      allowAnonymous: true,
      presenceFlushMs: 5000,
    });
  });

  it('refuses invalid options at construction', () => {
    const deps = { authenticator: new MapAuthenticator(), presence: new PresenceRecorder(), ingest: new RecordingIngest(), logger: silentLogger };
    expect(() => new TelemetryBroker({ ...deps, options: { ...baseOptions, tlsPort: 8883 } })).toThrow(BrokerOptionsError);
    expect(() => new TelemetryBroker({ ...deps, options: { ...baseOptions, maxTopicLevels: 101 } })).toThrow(/maxTopicLevels/);
  });

  it('rejects start() when the port is taken, and leaves nothing running', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    const deps = { authenticator: new MapAuthenticator(), presence: new PresenceRecorder(), ingest: new RecordingIngest(), logger: silentLogger };
    const broker = new TelemetryBroker({ ...deps, options: { ...baseOptions, port } });
    await expect(broker.start()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await broker.stop();
    await new Promise((r) => blocker.close(r));
  });
});

describe('graceful stop', () => {
  it('lets an in-flight accept() finish and its PUBACK go out, then closes and flushes presence', async () => {
    const fx = await startBroker({ presenceFlushMs: 60_000 });
    fx.auth.add('stop-1', 'secret');
    const client = await connectDevice(fx.port, 'stop-1', 'secret');
    fx.ingest.delayMs = 300;
    const acked = client.publishAsync('devices/stop-1/telemetry', '{"ts":1,"metrics":{"t":1}}', { qos: 1 });
    await waitFor(async () => fx.ingest.calls.length === 1, 'accept() called');
    const closed = closeOf(client);
    await fx.broker.stop();
    const call = fx.ingest.calls[0];
    expect(call?.settledAt).toBeDefined();
    await expect(acked).resolves.toBeDefined();
    await closed;
    expect(fx.presence.events).toEqual([
      { kind: 'connected', deviceId: 'stop-1' },
      { kind: 'disconnected', deviceId: 'stop-1' },
      { kind: 'seen', deviceIds: ['stop-1'] },
    ]);
    await expect(connectDevice(fx.port, 'stop-1', 'secret')).rejects.toThrow();
    client.end(true);
  });
});
