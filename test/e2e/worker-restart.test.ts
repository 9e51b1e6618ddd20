/**
 * A worker process restarted in the same deployment slot (same WORKER_ID, or by default the same
 * host and role) is the same journal consumer: the entries its predecessor had read but not
 * written when it was killed are written at once, not after WORKER_TAKEOVER_MS (30 s), and the
 * group does not gain a consumer per restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, expect, test } from 'vitest';
import { freePort, waitFor } from '../harness/servers.js';
import { testEnv } from '../harness/platform.js';
import { startChildPlatform, writtenTimestamps, type ChildPlatform } from '../harness/child-platform.js';
import { journalKey, TelemetryJournal } from '../../src/telemetry/journal/telemetry-journal.js';

const children: ChildPlatform[] = [];
let dataDir = '';
let redis: Redis | undefined;

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  redis?.disconnect();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

type ConsumerInfo = { name: string; pending: number };

async function consumers(r: Redis, key: string): Promise<ConsumerInfo[]> {
  const rows = (await r.xinfo('CONSUMERS', key, 'influx-writer')) as unknown[][];
  return rows.map((row) => {
    const info: Record<string, unknown> = {};
    for (let i = 0; i < row.length; i += 2) info[String(row[i])] = row[i + 1];
    return { name: String(info.name), pending: Number(info.pending) };
  });
}

test('a restarted worker writes its predecessor’s unwritten journal entries at once', { timeout: 240_000 }, async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'telemend-restart-'));
  // A takeover by another consumer waits WORKER_TAKEOVER_MS after the predecessor's last read:
  // long here, so that writing before it proves the restarted worker took its own entries back
  // (whatever the time the restart takes on a loaded machine).
  const takeoverMs = 120_000;
  const env = testEnv({ DATA_DIR: dataDir, PORT: String(await freePort()), MQTT_PORT: String(await freePort()), WORKER_TAKEOVER_MS: String(takeoverMs) });
  redis = new Redis(env.REDIS_URL!);
  const key = journalKey(env.REDIS_PREFIX!);

  const first = startChildPlatform(env);
  children.push(first);
  await first.ready();
  await waitFor(async () => (await consumers(redis!, key)).length === 1, 'the writer joined the journal group');
  const [predecessor] = await consumers(redis, key);
  first.kill('SIGKILL');
  await first.exited;

  // What the killed writer leaves behind: entries it had read (delivered to it) but not written.
  const journal = new TelemetryJournal({ redis, prefix: env.REDIS_PREFIX! });
  const deviceId = `restart-${Date.now()}`;
  const base = Date.now() - 600_000;
  const stamps = Array.from({ length: 20 }, (_, i) => base + i * 1000);
  await Promise.all(
    stamps.map((ts) =>
      journal.append({ device: { deviceId } as never, channel: 'telemetry', items: [], lines: [`telemetry,device=${deviceId} temperature=${ts % 50} ${ts}`] }),
    ),
  );
  await redis.xreadgroup('GROUP', 'influx-writer', predecessor!.name, 'COUNT', 1000, 'STREAMS', key, '>');
  const readAt = Date.now();
  expect((await consumers(redis, key)).find((c) => c.name === predecessor!.name)!.pending).toBeGreaterThan(0);

  const second = startChildPlatform(env);
  children.push(second);
  await second.ready(100_000);
  await waitFor(
    async () => (await writtenTimestamps(env.INFLUX_URL!, env.INFLUX_DATABASE!, deviceId)).size === stamps.length,
    'the entries written',
    takeoverMs - (Date.now() - readAt) - 5000,
  );
  expect(Date.now() - readAt).toBeLessThan(takeoverMs);
  // The same consumer, not one more per restart.
  expect((await consumers(redis, key)).map((c) => c.name)).toEqual([predecessor!.name]);
  second.kill('SIGTERM');
  expect((await second.exited).code).toBe(0);
});
