/**
 * The journal's consumer interface against real Redis: what a consumer reads, what it holds
 * until it acknowledges, what a peer may take over, and the unwritten count the acks keep.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { RedisJournalReader } from '../../src/telemetry/journal/journal-reader.js';
import { journalKey, TelemetryJournal } from '../../src/telemetry/journal/telemetry-journal.js';
import { testDevice, uniqueName } from './ingest-fixtures.js';

let redis: Redis;
const readers: RedisJournalReader[] = [];
const journals: TelemetryJournal[] = [];

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  for (const reader of readers) reader.close();
  for (const journal of journals) await journal.close();
  await redis.quit();
});

/** A fresh journal (own prefix) and a reader factory on it. */
async function freshJournal() {
  const prefix = uniqueName('jr');
  const journal = new TelemetryJournal({ redis, prefix });
  journals.push(journal);
  const reader = (consumer: string) => {
    const r = new RedisJournalReader({ redis, prefix, group: 'influx-writer', consumer });
    readers.push(r);
    return r;
  };
  await reader('setup').ensureGroup();
  return { journal, prefix, reader };
}

/** Appends `publishes` one-line publishes in one event-loop turn: one group-committed entry. */
async function appendEntry(journal: TelemetryJournal, publishes: number, tag: string): Promise<string> {
  const device = testDevice();
  const ids = await Promise.all(
    Array.from({ length: publishes }, (_, i) =>
      journal.append({ device, channel: 'telemetry', lines: [`telemetry,k=${tag} v=${i} ${1750000000000 + i}`], items: [] }),
    ),
  );
  expect(new Set(ids).size).toBe(1);
  return ids[0]!;
}

describe('RedisJournalReader', () => {
  it('reads new entries once, holds them until acknowledged, and counts each acknowledged entry once', async () => {
    const { journal, reader } = await freshJournal();
    const a = await appendEntry(journal, 3, 'a');
    const b = await appendEntry(journal, 2, 'b');
    const consumer = reader('host-a');

    const read = await consumer.readNew(10);
    expect(read.ids).toEqual([a, b]);
    expect(read.records.map((r) => r.publishes)).toEqual([3, 2]);
    expect(read.records[1]!.lines).toEqual(['telemetry,k=b v=0 1750000000000', 'telemetry,k=b v=1 1750000000001']);
    expect((await consumer.readNew(10)).ids).toEqual([]); // delivered: not new any more
    expect((await consumer.backlog()).pending).toBe(5);

    // Not acknowledged: still this consumer's (what a restart re-reads).
    expect((await consumer.readOwnPending(10)).ids).toEqual([a, b]);

    expect(await consumer.acknowledge([a])).toBe(3);
    expect(await consumer.acknowledge([a])).toBe(0); // twice: counted once
    expect((await consumer.backlog()).pending).toBe(2);
    expect((await consumer.readOwnPending(10)).ids).toEqual([b]);

    expect(await consumer.acknowledge([b])).toBe(2);
    expect(await consumer.backlog()).toEqual({ pending: 0, oldestAgeMs: 0 });
    expect(await journal.length()).toBe(0);
  });

  it('lets a peer claim entries idle longer than minIdleMs, unless their consumer kept ownership', async () => {
    const { journal, reader } = await freshJournal();
    const dead = reader('dead');
    const alive = reader('alive');
    const peer = reader('peer');
    const abandoned = await appendEntry(journal, 1, 'x');
    expect((await dead.readNew(10)).ids).toEqual([abandoned]);
    const kept = await appendEntry(journal, 1, 'y');
    expect((await alive.readNew(10)).ids).toEqual([kept]);

    await new Promise((resolve) => setTimeout(resolve, 150));
    await alive.keepOwnership([kept]);
    const claimed = await peer.claimStale(100, 10);
    expect(claimed.ids).toEqual([abandoned]);
    expect(claimed.records[0]!.lines).toEqual(['telemetry,k=x v=0 1750000000000']);
    expect(claimed.scanned).toBe(true);

    expect((await dead.readOwnPending(10)).ids).toEqual([]);
    expect((await peer.readOwnPending(10)).ids).toEqual([abandoned]);
    expect((await alive.readOwnPending(10)).ids).toEqual([kept]);
  });

  it('forgets idle consumers that own nothing, never one that owns entries', async () => {
    const { journal, prefix, reader } = await freshJournal();
    const owner = reader('owner');
    const idle = reader('idle');
    await appendEntry(journal, 1, 'z');
    await idle.acknowledge((await idle.readNew(10)).ids); // a consumer that owns nothing
    await appendEntry(journal, 1, 'z');
    await owner.readNew(10);
    await new Promise((resolve) => setTimeout(resolve, 60));

    expect(await reader('self').forgetIdleConsumers(50)).toBe(1); // 'idle'
    const names = ((await redis.xinfo('CONSUMERS', journalKey(prefix), 'influx-writer')) as string[][]).map((c) => c[1]);
    expect(names).toEqual(['owner']);
  });

  it('re-creates the group after the stream is gone (e.g. FLUSHALL)', async () => {
    const { journal, prefix, reader } = await freshJournal();
    const consumer = reader('host');
    await redis.del(journalKey(prefix));
    await expect(consumer.readNew(10)).rejects.toThrow(/NOGROUP/);
    await consumer.ensureGroup();
    const id = await appendEntry(journal, 1, 'w');
    expect((await consumer.readNew(10)).ids).toEqual([id]);
  });
});
