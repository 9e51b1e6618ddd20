/** The ingest pipeline end to end against the harness Redis and InfluxDB. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalFullError } from '../../src/telemetry/ingest/ingest.errors.js';
import type { InfluxWriter } from '../../src/telemetry/writer/influx-writer.js';
import { influxQuery, waitFor } from '../harness/servers.js';
import { json, testDevice } from './ingest-fixtures.js';
import { startPipeline, type Pipeline } from './ingest-setup.js';

let p: Pipeline;
let writer: InfluxWriter;
const hour = Date.now() - 3_600_000;

beforeAll(async () => {
  p = await startPipeline();
  writer = p.writer();
  await writer.start();
});
afterAll(() => p.close());

describe('accepted publishes', () => {
  it('writes a reading with all five tags and its own timestamp', async () => {
    const device = testDevice();
    const ts = hour + 1234;
    expect(await p.ingest.accept(device, 'telemetry', json({ ts, metrics: { temperature: 41.5, pressure: 4 } }))).toEqual({ ok: true, accepted: 1 });
    await waitFor(async () => (await p.count('temperature', device.deviceId)) === 1, 'reading in InfluxDB');
    const rows = await influxQuery(
      p.influxUrl,
      p.database,
      `SELECT temperature, pressure, asset, customer, device, model, site FROM telemetry WHERE device = '${device.deviceId}'`,
    );
    expect(rows).toEqual([[ts, 41.5, 4, device.assetId, device.customerId, device.deviceId, device.modelId, device.siteId]]);
    expect(await p.journal.length()).toBe(0);
  });

  it('writes every reading of an array publish, and events', async () => {
    const device = testDevice();
    const readings = [0, 1, 2, 3].map((i) => ({ ts: new Date(hour + i * 1000).toISOString(), metrics: { pressure: i } }));
    expect(await p.ingest.accept(device, 'telemetry', json(readings))).toEqual({ ok: true, accepted: 4 });
    expect(await p.ingest.accept(device, 'events', json({ ts: hour, code: 'E101', message: 'overload' }))).toEqual({ ok: true, accepted: 1 });
    await waitFor(async () => (await p.count('pressure', device.deviceId)) === 4, 'array in InfluxDB');
    await waitFor(async () => (await p.count('code', device.deviceId, 'events')) === 1, 'event in InfluxDB');
    const values = await influxQuery(p.influxUrl, p.database, `SELECT pressure FROM telemetry WHERE device = '${device.deviceId}'`);
    expect(values).toEqual([0, 1, 2, 3].map((i) => [hour + i * 1000, i]));
    const events = await influxQuery(p.influxUrl, p.database, `SELECT code, severity, message FROM events WHERE device = '${device.deviceId}'`);
    expect(events).toEqual([[hour, 'E101', 'alarm', 'overload']]);
  });
});

describe('refused publishes', () => {
  const bad: [string, Buffer, 'telemetry' | 'events'][] = [
    ['not_json', Buffer.from('temperature=41'), 'telemetry'],
    ['invalid_shape', json({ metrics: { temperature: 1 } }), 'telemetry'],
    ['unknown_metric', json({ ts: hour, metrics: { humidity: 50 } }), 'telemetry'],
    ['wrong_type', json({ ts: hour, metrics: { temperature: 'hot' } }), 'telemetry'],
    [
      'out_of_range',
      json([
        { ts: hour, metrics: { temperature: 20 } },
        { ts: hour + 1, metrics: { temperature: 999 } },
      ]),
      'telemetry',
    ],
    ['future_timestamp', json({ ts: Date.now() + 3_600_000, metrics: { temperature: 1 } }), 'telemetry'],
    ['bad_timestamp', json({ ts: 1_700_000_000, metrics: { temperature: 1 } }), 'telemetry'],
    ['unknown_event', json({ ts: hour, code: 'NOPE' }), 'events'],
  ];

  it('rejects, counts and lists each kind, and writes nothing of them', async () => {
    const device = testDevice();
    for (const [reason, payload, channel] of bad) {
      const result = await p.ingest.accept(device, channel, payload);
      expect(result).toMatchObject({ ok: false, reason });
    }
    const counts = await p.rejections.counts(device.deviceId);
    expect(counts.total).toBe(bad.length);
    for (const [reason] of bad) expect(counts.byReason[reason as keyof typeof counts.byReason]).toBe(1);
    expect((await p.rejections.counts()).total).toBeGreaterThanOrEqual(bad.length);

    const listed = await p.rejections.list({ deviceId: device.deviceId, limit: 100 });
    expect(listed.items.map((i) => i.reason)).toEqual(bad.map(([reason]) => reason).reverse()); // newest first
    expect(listed.items[0]).toMatchObject({ deviceId: device.deviceId, assetId: device.assetId, topic: `devices/${device.deviceId}/events` });
    expect(listed.items.at(-1)!.payloadSample).toBe('temperature=41');
    expect(listed.nextCursor).toBeNull();

    // Pages and filters.
    const page1 = await p.rejections.list({ deviceId: device.deviceId, limit: 3 });
    const page2 = await p.rejections.list({ deviceId: device.deviceId, limit: 3, cursor: page1.nextCursor! });
    expect([...page1.items, ...page2.items].map((i) => i.id)).toEqual(listed.items.slice(0, 6).map((i) => i.id));
    expect((await p.rejections.list({ deviceId: device.deviceId, reason: 'wrong_type' })).items).toHaveLength(1);

    // Nothing reached InfluxDB: a later valid publish is the only data of this device.
    await p.ingest.accept(device, 'telemetry', json({ ts: hour + 5, metrics: { temperature: 7 } }));
    await waitFor(async () => (await p.count('temperature', device.deviceId)) === 1, 'valid reading');
    const rows = await influxQuery(p.influxUrl, p.database, `SELECT temperature FROM telemetry WHERE device = '${device.deviceId}'`);
    expect(rows).toEqual([[hour + 5, 7]]);
    expect(await influxQuery(p.influxUrl, p.database, `SELECT * FROM events WHERE device = '${device.deviceId}'`)).toEqual([]);
    expect(p.ingest.stats().byReason.out_of_range).toBeGreaterThanOrEqual(1);
  });

  it('isolates a line InfluxDB refuses (400), logs it and writes the rest of the batch', async () => {
    await writer.stop();
    // Pre-write x as an integer: InfluxDB will refuse x as a float in this shard.
    const seed = p.influx.writeApi();
    seed.writeRecords([`telemetry,device=seed x=1i ${hour}`]);
    await seed.flush();

    const good = [testDevice(), testDevice(), testDevice()];
    const conflicting = testDevice();
    // Accepted in the same tick: one group commit, so the refused line must be attributed
    // to its own publish inside a shared journal entry.
    await Promise.all([
      p.ingest.accept(good[0]!, 'telemetry', json({ ts: hour + 10, metrics: { temperature: 1 } })),
      p.ingest.accept(
        conflicting,
        'telemetry',
        json([
          { ts: hour + 11, metrics: { x: 1.5 } },
          { ts: hour + 12, metrics: { temperature: 2 } },
        ]),
      ),
      p.ingest.accept(good[1]!, 'telemetry', json({ ts: hour + 13, metrics: { temperature: 3 } })),
      p.ingest.accept(good[2]!, 'telemetry', json({ ts: hour + 14, metrics: { pressure: 4 } })),
    ]);
    expect(await p.redis.xlen(p.journal.key)).toBe(1);
    expect(await p.journal.length()).toBe(4);

    writer = p.writer();
    await writer.start();
    await waitFor(async () => (await p.journal.length()) === 0, 'journal drained');
    expect(await p.count('temperature', good[0]!.deviceId)).toBe(1);
    expect(await p.count('temperature', good[1]!.deviceId)).toBe(1);
    expect(await p.count('pressure', good[2]!.deviceId)).toBe(1);
    expect(await p.count('temperature', conflicting.deviceId)).toBe(1); // the other line of the same publish
    expect(await p.count('x', conflicting.deviceId)).toBe(0);

    const refused = await p.rejections.list({ deviceId: conflicting.deviceId, reason: 'influx_refused' });
    expect(refused.items).toHaveLength(1);
    expect(refused.items[0]!.detail).toMatch(/field type conflict/);
    expect(refused.items[0]!.payloadSample).toMatch(/^telemetry,.* x=1\.5 /);
    expect(await writer.stats()).toMatchObject({ refused: 1, written: 4, pending: 0, entries: 1, publishes: 4 });
  });
});

describe('backpressure', () => {
  it('refuses appends past the maximum of unwritten publishes, without dropping any', async () => {
    const small = await startPipeline({ maxUnwritten: 3 });
    try {
      const device = testDevice();
      const payload = (i: number) => json({ ts: hour + i, metrics: { temperature: i } });
      for (const i of [1, 2, 3]) expect(await small.ingest.accept(device, 'telemetry', payload(i))).toMatchObject({ ok: true });
      await expect(small.ingest.accept(device, 'telemetry', payload(4))).rejects.toBeInstanceOf(JournalFullError);
      // Two publishes of one group commit share its fate: both refused, neither stored.
      const both = await Promise.allSettled([small.ingest.accept(device, 'telemetry', payload(5)), small.ingest.accept(device, 'telemetry', payload(6))]);
      expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect(await small.journal.length()).toBe(3);
      expect(await small.redis.xlen(small.journal.key)).toBe(3);
      expect(small.ingest.stats()).toMatchObject({ accepted: 3, journalFailures: 3 });

      // Once the writer drains the journal, appends are accepted again.
      const w = small.writer();
      await w.start();
      await waitFor(async () => (await small.journal.length()) === 0, 'drained');
      expect(await small.ingest.accept(device, 'telemetry', payload(4))).toMatchObject({ ok: true });
      await waitFor(async () => (await small.count('temperature', device.deviceId)) === 4, 'all four written');
    } finally {
      await small.close();
    }
  });
});
