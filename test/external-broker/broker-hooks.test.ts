/**
 * The HTTP authentication and authorization endpoints, called as EMQX 5's HTTP backends and
 * VerneMQ's webhooks call them (JSON POST with the configured secret header): devices with their
 * token, own topics only, refused once revoked; Telemend's ingest account with its shared
 * subscriptions; a wrong secret is a 401 problem.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { provisionDevice, startTestPlatform, type ProvisionedDevice, type TestPlatform } from '../harness/platform.js';

const SECRET = 'hook-secret-0123456789abcdef';
let t: TestPlatform;
let device: ProvisionedDevice;

beforeAll(async () => {
  t = await startTestPlatform({ MQTT_AUTH_HOOK_SECRET: SECRET, MQTT_EXTERNAL_USERNAME: 'telemend-ingest', MQTT_EXTERNAL_PASSWORD: 'ingest-password' });
  device = await provisionDevice(t.call, 'water-chiller-wc200');
});
afterAll(async () => {
  await t?.stop();
});

async function hook(path: string, body: unknown, secret = SECRET): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${t.api}/api/v1/mqtt/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telemend-hook-secret': secret },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const emqxConnect = async (clientid: string, username: string, password: string) =>
  (await hook('emqx/authenticate', { clientid, username, password, peerhost: '10.0.0.7' })).body.result;
const emqxAcl = async (username: string, action: 'publish' | 'subscribe', topic: string, clientid = username) =>
  (await hook('emqx/authorize', { clientid, username, topic, action })).body.result;

describe('EMQX HTTP authentication and authorization', () => {
  test('a device connects with its token and its client id only', async () => {
    expect(await emqxConnect(device.deviceId, device.deviceId, device.token)).toBe('allow');
    expect(await emqxConnect(device.deviceId, device.deviceId, 'tmd_wrong')).toBe('deny');
    expect(await emqxConnect('another-client', device.deviceId, device.token)).toBe('deny');
    expect(await emqxConnect('ghost', 'ghost', 'x')).toBe('deny');
  });

  test('a device publishes on its own channels and subscribes to its own commands only', async () => {
    const own = `devices/${device.deviceId}`;
    for (const leaf of ['telemetry', 'events', 'status', 'command-results']) expect(await emqxAcl(device.deviceId, 'publish', `${own}/${leaf}`)).toBe('allow');
    expect(await emqxAcl(device.deviceId, 'publish', `${own}/commands`)).toBe('deny');
    expect(await emqxAcl(device.deviceId, 'publish', 'devices/d-other/telemetry')).toBe('deny');
    expect(await emqxAcl(device.deviceId, 'subscribe', `${own}/commands`)).toBe('allow');
    expect(await emqxAcl(device.deviceId, 'subscribe', 'devices/+/commands')).toBe('deny');
    expect(await emqxAcl(device.deviceId, 'subscribe', '#')).toBe('deny');
  });

  test("Telemend's ingest account takes the shared device topics and publishes commands", async () => {
    expect(await emqxConnect('telemend-ingest-host-0', 'telemend-ingest', 'ingest-password')).toBe('allow');
    expect(await emqxConnect('telemend-ingest-host-0', 'telemend-ingest', 'guess')).toBe('deny');
    expect(await emqxAcl('telemend-ingest', 'subscribe', '$share/telemend/devices/+/telemetry', 'telemend-ingest-host-0')).toBe('allow');
    expect(await emqxAcl('telemend-ingest', 'subscribe', '#', 'telemend-ingest-host-0')).toBe('deny');
    expect(await emqxAcl('telemend-ingest', 'publish', `devices/${device.deviceId}/commands`, 'telemend-ingest-host-0')).toBe('allow');
    expect(await emqxAcl('telemend-ingest', 'publish', `devices/${device.deviceId}/telemetry`, 'telemend-ingest-host-0')).toBe('deny');
  });

  test('a revoked device is refused at once', async () => {
    const victim = await provisionDevice(t.call, 'water-chiller-wc200');
    expect(await emqxConnect(victim.deviceId, victim.deviceId, victim.token)).toBe('allow');
    expect((await t.call('POST', `/api/v1/devices/${victim.deviceId}/revoke`)).status).toBe(200);
    expect(await emqxConnect(victim.deviceId, victim.deviceId, victim.token)).toBe('deny');
    expect(await emqxAcl(victim.deviceId, 'publish', `devices/${victim.deviceId}/telemetry`)).toBe('deny');
  });

  test('without the secret: 401 problem; bad body: 400 problem', async () => {
    const res = await hook('emqx/authenticate', { clientid: 'x', username: 'x', password: 'x' }, 'wrong-secret-0123456789');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
    const bad = await hook('emqx/authorize', { username: 'x', action: 'delete' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });
});

describe('VerneMQ webhooks', () => {
  test('auth_on_register, auth_on_publish and auth_on_subscribe', async () => {
    const own = `devices/${device.deviceId}`;
    expect(
      (
        await hook('vernemq/auth_on_register', {
          peer_addr: '10.0.0.7',
          peer_port: 40000,
          client_id: device.deviceId,
          username: device.deviceId,
          password: device.token,
          mountpoint: '',
          clean_session: false,
        })
      ).body,
    ).toEqual({ result: 'ok' });
    expect((await hook('vernemq/auth_on_register', { client_id: device.deviceId, username: device.deviceId, password: 'nope', mountpoint: '' })).body).toEqual({
      result: { error: 'not_allowed' },
    });
    expect(
      (
        await hook('vernemq/auth_on_publish', {
          client_id: device.deviceId,
          username: device.deviceId,
          topic: `${own}/telemetry`,
          qos: 1,
          payload: 'e30=',
          retain: false,
          mountpoint: '',
        })
      ).body,
    ).toEqual({ result: 'ok' });
    expect(
      (
        await hook('vernemq/auth_on_publish', {
          client_id: device.deviceId,
          username: device.deviceId,
          topic: 'devices/x/telemetry',
          qos: 1,
          payload: 'e30=',
          retain: false,
          mountpoint: '',
        })
      ).body,
    ).toEqual({ result: { error: 'not_allowed' } });
    expect(
      (
        await hook('vernemq/auth_on_subscribe', {
          client_id: device.deviceId,
          username: device.deviceId,
          mountpoint: '',
          topics: [{ topic: `${own}/commands`, qos: 1 }],
        })
      ).body,
    ).toEqual({ result: 'ok' });
    expect(
      (
        await hook('vernemq/auth_on_subscribe', {
          client_id: device.deviceId,
          username: device.deviceId,
          mountpoint: '',
          topics: [
            { topic: `${own}/commands`, qos: 1 },
            { topic: '#', qos: 0 },
          ],
        })
      ).body,
    ).toEqual({ result: { error: 'not_allowed' } });
  });
});
