/**
 * A Redis outage of a few seconds while devices publish: the platform logs it once when it
 * starts and once when it ends (with its duration), not a line per client and reconnect attempt.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { freePort, startRedis, waitFor, type TestServer } from '../harness/servers.js';
import { testEnv } from '../harness/platform.js';
import { connectDevice, validMetrics } from '../harness/devices.js';
import { provisionDevices, startChildPlatform, type ChildPlatform } from '../harness/child-platform.js';

let redis: TestServer | undefined;
let platform: ChildPlatform | undefined;
let dataDir = '';

afterAll(async () => {
  platform?.kill('SIGKILL');
  await redis?.destroy();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('a 4 s Redis outage is logged once at its start and once at its end, with its duration', { timeout: 180_000 }, async () => {
  redis = await startRedis();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'telemend-outage-'));
  const env = testEnv({ DATA_DIR: dataDir, REDIS_URL: redis.url, PORT: String(await freePort()), MQTT_PORT: String(await freePort()), LOG_LEVEL: 'info' });
  platform = startChildPlatform(env);
  await platform.ready();
  const { model, devices } = await provisionDevices(platform, 3);

  // Devices keep publishing (and reconnecting) through the outage.
  let publishing = true;
  const loops = devices.map(async (d) => {
    while (publishing) {
      const client = await connectDevice(Number(env.MQTT_PORT), d.deviceId, d.token, { reconnectPeriod: 0 }).catch(() => undefined);
      if (!client) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      client.on('error', () => undefined);
      while (publishing && client.connected) {
        // No PUBACK while the journal is down (the connection is closed instead): don't wait for it.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          client.publish(`devices/${d.deviceId}/telemetry`, JSON.stringify({ ts: Date.now(), metrics: validMetrics(model) }), { qos: 1 }, () => {
            clearTimeout(timer);
            resolve();
          });
        });
        await new Promise((r) => setTimeout(r, 20));
      }
      client.end(true);
    }
  });
  await new Promise((r) => setTimeout(r, 1000));

  const from = platform.logs.length;
  await redis.stop();
  await new Promise((r) => setTimeout(r, 4000));
  await redis.start();
  await waitFor(async () => platform!.logs.slice(from).some((l) => l.msg === 'redis available again'), 'the outage to end', 30_000);
  await new Promise((r) => setTimeout(r, 2000));
  publishing = false;
  await Promise.all(loops);

  const during = platform.logs.slice(from);
  if (during.length >= 20) console.log(during.map((l) => JSON.stringify(l).slice(0, 300)).join('\n'));
  const started = during.filter((l) => String(l.msg).startsWith('redis unavailable'));
  const ended = during.filter((l) => l.msg === 'redis available again');
  expect(started).toHaveLength(1);
  expect(ended).toHaveLength(1);
  expect(ended[0]!.downMs).toBeGreaterThanOrEqual(3000);
  expect(during.filter((l) => String(l.msg).includes('Unhandled error event'))).toHaveLength(0);
  expect({ lines: during.length, messages: [...new Set(during.map((l) => l.msg))] }).toEqual({
    lines: expect.toSatisfy((n: number) => n < 20),
    messages: expect.any(Array),
  });
});
