import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { RejectionLog } from '../../src/telemetry/ingest/rejection-log.js';
import { uniqueName } from './ingest-fixtures.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(() => redis.quit());

it('logs once per device per interval, with the number suppressed since', async () => {
  const lines: { deviceId: string; suppressed: number; reason: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  let now = 1_000_000;
  const log = new RejectionLog(redis, { prefix: uniqueName('t'), maxEntries: 100, logger: pino(sink), logIntervalMs: 60_000, clock: () => now });
  const input = { reason: 'not_json', detail: 'x', payloadSample: 'x' } as const;
  await log.record({ ...input, deviceId: 'a' });
  await log.record({ ...input, deviceId: 'a' });
  await log.record({ ...input, deviceId: 'b' });
  now += 30_000;
  await log.record({ ...input, deviceId: 'a' });
  now += 30_000;
  await log.record({ ...input, deviceId: 'a', reason: 'wrong_type' });
  await new Promise((r) => setImmediate(r));
  expect(lines.map((l) => [l.deviceId, l.reason, l.suppressed])).toEqual([
    ['a', 'not_json', 0],
    ['b', 'not_json', 0],
    ['a', 'wrong_type', 2],
  ]);
  expect((await log.counts('a')).total).toBe(4);
});

it('keeps the stream bounded and cuts samples to 512 characters', async () => {
  const prefix = uniqueName('t');
  const log = new RejectionLog(redis, { prefix, maxEntries: 10, logger: pino({ level: 'silent' }) });
  for (let i = 0; i < 500; i++) await log.record({ deviceId: 'd', reason: 'not_json', detail: 'x', payloadSample: 'y'.repeat(2000) });
  expect(await redis.xlen(`${prefix}:rejections`)).toBeLessThan(150); // MAXLEN ~ trims whole nodes (~100 entries)
  const { items } = await log.list({ limit: 1 });
  expect(items[0]!.payloadSample).toHaveLength(512);
  expect((await log.counts()).byReason.not_json).toBe(500);
});
