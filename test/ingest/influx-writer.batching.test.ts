/**
 * A lightly loaded writer still gathers its batches: with minBatchIntervalMs, publishes trickling
 * in one at a time end up in a few batches (a few InfluxDB requests, a few detection hand-offs),
 * not one batch per publish — and every reading is still written once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalRecord } from '../../src/telemetry/journal/telemetry-journal.js';
import { waitFor } from '../harness/servers.js';
import { json, testDevice } from './ingest-fixtures.js';
import { startPipeline, type Pipeline } from './ingest-setup.js';

let p: Pipeline;
const base = Date.now() - 3_600_000;

beforeAll(async () => {
  p = await startPipeline();
});
afterAll(() => p.close());

/** Journals `n` one-reading publishes `gapMs` apart (each its own journal entry); returns the device. */
async function trickle(n: number, gapMs: number, offset: number) {
  const device = testDevice();
  for (let i = 0; i < n; i++) {
    await p.ingest.accept(device, 'telemetry', json({ ts: base + offset + i * 1000, metrics: { temperature: i } }));
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return device;
}

describe('InfluxWriter batching', () => {
  it.each([
    { interval: 400, most: 5 },
    { interval: 0, least: 10 },
  ])('minBatchIntervalMs $interval: 24 publishes 25 ms apart', async ({ interval, most, least }) => {
    const handed: number[] = [];
    const writer = p.writer({ minBatchIntervalMs: interval, onWritten: async (records: readonly JournalRecord[]) => void handed.push(records.length) });
    await writer.start();
    const device = await trickle(24, 25, interval * 1000);
    await waitFor(async () => (await p.count('temperature', device.deviceId)) === 24, 'all 24 written');
    const stats = await writer.stats();
    await writer.stop();
    expect(stats.entries).toBe(24);
    expect(handed.reduce((n, k) => n + k, 0)).toBe(24);
    // ~600 ms of trickling: at most one batch per 400 ms (+ the first), or about one per publish without the wait.
    if (most !== undefined) expect(stats.batches).toBeLessThanOrEqual(most);
    if (least !== undefined) expect(stats.batches).toBeGreaterThanOrEqual(least);
  });
});
