/**
 * Revocation at an external EMQX 5 / VerneMQ broker: the auth hooks only refuse a revoked
 * device's next connect, so the API also asks the broker's management API to close the live
 * session. EMQX and VerneMQ do not run here: a local HTTP server answers as their management API
 * does, and the test checks the requests Telemend sends (method, path, credentials) and how it
 * takes the broker's answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/kernel/logger.js';
import { BrokerAdmin } from '../../src/telemetry/external-broker/broker-admin.js';
import { waitFor } from '../harness/servers.js';
import { provisionDevice, startTestPlatform, type TestPlatform } from '../harness/platform.js';

interface Seen {
  method: string;
  url: string;
  authorization: string;
}

let server: http.Server;
let base = '';
const seen: Seen[] = [];
let answer = 204;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization ?? '' });
    res.statusCode = answer;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const logger = createLogger('silent');

describe('the management API call', () => {
  test('EMQX 5: DELETE /api/v5/clients/{clientid} with the API key pair; 404 = not connected; errors are reported, not thrown', async () => {
    const admin = new BrokerAdmin({ kind: 'emqx', url: `${base}/`, key: 'key-1', secret: 'secret-1', logger });
    seen.length = 0;
    answer = 204;
    expect(await admin.kick('tech:4f/a b')).toBe('disconnected');
    expect(seen).toEqual([{ method: 'DELETE', url: '/api/v5/clients/tech%3A4f%2Fa%20b', authorization: basic('key-1', 'secret-1') }]);
    answer = 404;
    expect(await admin.kick('d-gone')).toBe('not_connected');
    answer = 500;
    expect(await admin.kick('d-x')).toBe('failed');
    const unreachable = new BrokerAdmin({ kind: 'emqx', url: 'http://127.0.0.1:1', key: 'k', secret: 's', logger, timeoutMs: 1000 });
    expect(await unreachable.kick('d-x')).toBe('failed');
  });

  test('VerneMQ: GET /api/v1/session/disconnect?client-id= with the API key', async () => {
    const admin = new BrokerAdmin({ kind: 'vernemq', url: base, key: 'vmq-key', logger });
    seen.length = 0;
    answer = 200;
    expect(await admin.kick('d-123')).toBe('disconnected');
    expect(seen).toEqual([{ method: 'GET', url: '/api/v1/session/disconnect?client-id=d-123', authorization: basic('vmq-key', '') }]);
  });
});

describe('on the platform', () => {
  let t: TestPlatform | undefined;
  afterAll(async () => {
    await t?.stop();
  });

  test('revoking a device asks the external broker to disconnect it', { timeout: 120_000 }, async () => {
    answer = 204;
    t = await startTestPlatform({
      MQTT_EXTERNAL_ADMIN: 'emqx',
      MQTT_EXTERNAL_ADMIN_URL: base,
      MQTT_EXTERNAL_ADMIN_KEY: 'platform-key',
      MQTT_EXTERNAL_ADMIN_SECRET: 'platform-secret',
    });
    const device = await provisionDevice(t.call, 'water-chiller-wc200');
    seen.length = 0;
    expect((await t.call('POST', `/api/v1/devices/${device.deviceId}/revoke`)).status).toBe(200);
    await waitFor(async () => seen.length > 0, 'the kick request', 5000);
    expect(seen[0]).toEqual({
      method: 'DELETE',
      url: `/api/v5/clients/${encodeURIComponent(device.deviceId)}`,
      authorization: basic('platform-key', 'platform-secret'),
    });
  });
});
