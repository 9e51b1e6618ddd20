/**
 * A writer that dies between reading and acknowledging loses nothing: its own pending entries
 * are re-processed when it starts again, and entries of a consumer that never comes back are
 * claimed by another one after claimIdleMs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalKey } from '../../src/telemetry/journal/telemetry-journal.js';
import { waitFor } from '../harness/servers.js';
import { json, testDevice, uniqueName } from './ingest-fixtures.js';
import { startPipeline, type Pipeline } from './ingest-setup.js';

let p: Pipeline;
const base = Date.now() - 7_200_000;

beforeAll(async () => {
  p = await startPipeline();
});
afterAll(() => p.close());

/** Journals `n` one-reading publishes of a fresh device; returns the device. */
async function publish(n: number, offset: number) {
  const device = testDevice();
  for (let i = 0; i < n; i++) {
    await p.ingest.accept(device, 'telemetry', json({ ts: base + offset + i * 1000, metrics: { temperature: i % 100 } }));
  }
  return device;
}

/** What a crashed writer leaves behind: entries delivered to `consumer` and never acknowledged. */
async function readWithoutAck(consumer: string): Promise<number> {
  const key = journalKey(p.prefix);
  await p.redis.xgroup('CREATE', key, 'influx-writer', '0', 'MKSTREAM').catch(() => undefined);
  const reply = (await p.redis.xreadgroup('GROUP', 'influx-writer', consumer, 'COUNT', 1000, 'STREAMS', key, '>')) as [string, unknown[]][];
  return reply[0]![1].length;
}

describe('InfluxWriter recovery', () => {
  it('re-processes its own pending entries on start, each reading written once', async () => {
    const device = await publish(50, 0);
    expect(await readWithoutAck('host-a')).toBe(50);
    expect(await p.count('temperature', device.deviceId)).toBe(0);

    const writer = p.writer({ consumer: 'host-a' }); // same name: the process restarted
    await writer.start();
    await waitFor(async () => (await p.journal.length()) === 0, 'journal drained');
    expect(await p.count('temperature', device.deviceId)).toBe(50);
    const pending = (await p.redis.xpending(journalKey(p.prefix), 'influx-writer')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
    await writer.stop();
  });

  it("claims a dead consumer's entries after claimIdleMs and keeps consuming new ones", async () => {
    const device = await publish(30, 100_000);
    expect(await readWithoutAck(uniqueName('dead-'))).toBe(30);

    const writer = p.writer({ consumer: 'host-b', claimIdleMs: 300, claimIntervalMs: 100 });
    await writer.start();
    const later = await publish(5, 200_000);
    await waitFor(async () => (await p.journal.length()) === 0, 'journal drained');
    expect(await p.count('temperature', device.deviceId)).toBe(30);
    expect(await p.count('temperature', later.deviceId)).toBe(5);
    expect(await writer.stats()).toMatchObject({ entries: 35, written: 35, pending: 0, lagMs: 0 });
    await writer.stop();
  });

  it('stop() leaves unread entries in the journal for the next writer', async () => {
    const writer = p.writer();
    await writer.start();
    await writer.stop();
    const device = await publish(10, 300_000);
    expect(await p.journal.length()).toBe(10);
    const next = p.writer();
    await next.start();
    await waitFor(async () => (await p.count('temperature', device.deviceId)) === 10, 'written by the next writer');
    await next.stop();
  });

  it('deletes consumers of the group idle for forgetIdleMs with nothing pending, never one that owns entries', async () => {
    const key = journalKey(p.prefix);
    const owner = uniqueName('owner-');
    await publish(3, 400_000);
    expect(await readWithoutAck(owner)).toBe(3);
    const gone = uniqueName('gone-');
    await p.redis.xgroup('CREATECONSUMER', key, 'influx-writer', gone);
    await new Promise((r) => setTimeout(r, 300));
    const names = async () => ((await p.redis.xinfo('CONSUMERS', key, 'influx-writer')) as unknown[][]).map((row) => String(row[1]));
    expect(await names()).toEqual(expect.arrayContaining([owner, gone]));

    // claimIdleMs long: the owner's entries stay its own, so it must survive the pruning.
    const writer = p.writer({ consumer: 'host-f', forgetIdleMs: 200, claimIdleMs: 60_000 });
    await writer.start();
    const after = await names();
    expect(after).not.toContain(gone);
    expect(after).toContain(owner);
    await writer.stop();
  });
});
