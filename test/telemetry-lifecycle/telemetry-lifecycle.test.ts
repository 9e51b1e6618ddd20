/** Retention policies, continuous queries and the downsampling job against the real influxd 1.6.7 of the harness. */
import { afterAll, describe, expect, it, inject } from 'vitest';
import { connectInflux, type InfluxConnection, type InfluxOptions } from '../../src/telemetry/influx/influx.connection.js';
import { seriesRows } from '../../src/telemetry/influx/influxql.js';
import { loadConfig } from '../../src/kernel/config.js';
import { settableClock } from '../../src/kernel/clock.js';
import {
  applyTelemetryLifecycle,
  connectDownsampledSink,
  createTelemetryLifecycleTask,
  downsampleRange,
  parseTelemetryLifecycleOptions,
  type TelemetryLifecycleTaskDeps,
} from '../../src/telemetry/lifecycle/telemetry-lifecycle.js';
import { CQ_PREFIX, parseV1Duration } from '../../src/telemetry/lifecycle/telemetry-retention.admin.js';
import { waitFor } from '../harness/servers.js';
import { silentLogger, uniqueName } from '../ingest/ingest-fixtures.js';

const url = inject('influxUrl');
const context = { logger: silentLogger };
const opened: InfluxConnection[] = [];

async function open(database = uniqueName('life')): Promise<{ influx: InfluxConnection; options: InfluxOptions }> {
  const options: InfluxOptions = { url, database, retentionPolicy: '', logger: silentLogger };
  const influx = await connectInflux(options);
  await influx.ensureDatabase();
  opened.push(influx);
  return { influx, options };
}

async function rows(influx: InfluxConnection, q: string): Promise<Record<string, unknown>[]> {
  const [result] = await influx.query(q, { epoch: 'ms' });
  return (result?.series ?? []).flatMap((s) => seriesRows(s).map((r) => ({ ...s.tags, ...r })));
}

const cqsOf = async (influx: InfluxConnection) => {
  const [result] = await influx.query('SHOW CONTINUOUS QUERIES', { database: null });
  return (result?.series ?? [])
    .filter((s) => s.name === influx.database)
    .flatMap(seriesRows)
    .map((r) => ({ name: String(r.name), query: String(r.query) }));
};

afterAll(async () => {
  for (const influx of opened) {
    await influx.query(`DROP DATABASE "${influx.database}"`, { database: null }).catch(() => undefined);
    await influx.close();
  }
});

describe('options', () => {
  it('has documented defaults and refuses nonsense with a clear message', () => {
    expect(parseTelemetryLifecycleOptions()).toMatchObject({
      rawRetention: '30d',
      downsampledRetention: '104w',
      downsampleInterval: '5m',
      lateWindow: '1h',
      downsampledRetentionPolicy: 'downsampled',
    });
    expect(parseTelemetryLifecycleOptions({ rawRetention: 'inf' }).rawRetention).toBe('INF');
    expect(() => parseTelemetryLifecycleOptions({ rawRetention: 'soon' })).toThrow(/rawRetention: a duration/);
    expect(() => parseTelemetryLifecycleOptions({ downsampleInterval: '10m', lateWindow: '5m' })).toThrow(/lateWindow must be at least/);
    expect(() => parseTelemetryLifecycleOptions({ rawRetention: '1000d', downsampledRetention: '30d' })).toThrow(/downsampledRetention/);
    expect(() => parseTelemetryLifecycleOptions({ downsampledRetentionPolicy: 'a b' })).toThrow(/retention policy name/);
  });

  it('reads InfluxDB 1.x durations', () => {
    expect(parseV1Duration('720h0m0s')).toBe(30 * 86_400_000);
    expect(parseV1Duration('0s')).toBeUndefined();
  });
});

describe('applyTelemetryLifecycle on InfluxDB 1.x', () => {
  it('creates the retention policies and the continuous query, and a second run changes nothing', async () => {
    const { influx } = await open();
    const first = await applyTelemetryLifecycle(influx, {}, context);
    expect(first.downsampling).toBe('continuous-query');
    expect(first.actions.length).toBe(3); // ALTER autogen, CREATE downsampled, CREATE CQ
    const second = await applyTelemetryLifecycle(influx, {}, context);
    expect(second.actions).toEqual([]);

    const policies = await rows(influx, `SHOW RETENTION POLICIES ON "${influx.database}"`);
    expect(policies.find((p) => p.name === 'autogen')).toMatchObject({ duration: '720h0m0s', shardGroupDuration: '24h0m0s', default: true });
    expect(policies.find((p) => p.name === 'downsampled')).toMatchObject({ duration: '17472h0m0s', shardGroupDuration: '168h0m0s', default: false });
    const cqs = await cqsOf(influx);
    expect(cqs).toHaveLength(1);
    expect(cqs[0]!.name.startsWith(CQ_PREFIX)).toBe(true);
    expect(cqs[0]!.query).toMatch(/RESAMPLE EVERY 5m FOR 1h/);
    expect(cqs[0]!.query).toMatch(/INTO [^ ]*downsampled"?\.telemetry /);
  });

  it('replaces the continuous query when the interval changes and drops it in job mode', async () => {
    const { influx } = await open();
    await applyTelemetryLifecycle(influx, {}, context);
    const before = (await cqsOf(influx))[0]!.name;
    const changed = await applyTelemetryLifecycle(influx, { downsampleInterval: '10m', rawRetention: '7d' }, context);
    expect(changed.actions.some((a) => a.startsWith('DROP CONTINUOUS QUERY'))).toBe(true);
    expect(changed.actions.some((a) => a.startsWith('ALTER RETENTION POLICY "autogen"') && a.includes('DURATION 7d'))).toBe(true);
    const after = await cqsOf(influx);
    expect(after).toHaveLength(1);
    expect(after[0]!.name).not.toBe(before);
    expect(after[0]!.query).toMatch(/GROUP BY time\(10m\)/);

    const job = await applyTelemetryLifecycle(influx, { v1Mode: 'job', downsampleInterval: '10m', rawRetention: '7d' }, context);
    expect(job.downsampling).toBe('job');
    expect(await cqsOf(influx)).toEqual([]);
  });

  it('lets InfluxDB downsample with the continuous query (real CQ run)', async () => {
    const { influx } = await open();
    await applyTelemetryLifecycle(influx, { downsampleInterval: '1s', lateWindow: '30s', rawRetention: '1h', downsampledRetention: '1d' }, context);
    const base = Math.floor(Date.now() / 1000) * 1000 - 5000; // a whole second, already past
    const api = influx.writeApi();
    api.writeRecords([
      `telemetry,asset=a1,model=m v=1 ${base + 100}`,
      `telemetry,asset=a1,model=m v=3 ${base + 600}`,
      `telemetry,asset=a1,model=m v=8 ${base + 900}`,
    ]);
    await api.flush();
    let found: Record<string, unknown> | undefined;
    await waitFor(
      async () => {
        found = (await rows(influx, `SELECT * FROM "downsampled"."telemetry" WHERE time = ${base}ms`))[0];
        return found !== undefined;
      },
      'the continuous query to write the aggregate',
      20_000,
    );
    expect(found).toMatchObject({ asset: 'a1', model: 'm', mean_v: 4, min_v: 1, max_v: 8 });
  });
});

describe('downsampling job', () => {
  // Inside the raw retention (30 d): an hour ago, on a 5-minute boundary.
  const t0 = Math.floor(Date.now() / 300_000) * 300_000 - 3_600_000;
  const crafted = [
    // asset a1: window 10:00–10:05 → mean 2, min 1, max 3 (temp); pressure only one reading
    `telemetry,asset=a1,customer=c,device=d1,model=m,site=s pressure=5,temp=1 ${t0 + 10_000}`,
    `telemetry,asset=a1,customer=c,device=d1,model=m,site=s temp=2 ${t0 + 70_000}`,
    `telemetry,asset=a1,customer=c,device=d1,model=m,site=s temp=3 ${t0 + 290_000}`,
    // window 10:05–10:10
    `telemetry,asset=a1,customer=c,device=d1,model=m,site=s temp=10 ${t0 + 300_000}`,
    `telemetry,asset=a1,customer=c,device=d1,model=m,site=s temp=-4 ${t0 + 500_000}`,
    // asset a2 (tag value with a space), first window only
    `telemetry,asset=a\\ 2,customer=c,device=d2,model=m,site=s temp=7 ${t0 + 20_000}`,
    // incomplete window 10:10–10:15: left for a later run
    `telemetry,asset=a1,customer=c,device=d1,model=m,site=s temp=99 ${t0 + 610_000}`,
  ];

  it('writes mean/min/max per field, window and series into the downsampled policy, idempotently', async () => {
    const { influx, options } = await open();
    await applyTelemetryLifecycle(influx, { v1Mode: 'job' }, context);
    const api = influx.writeApi();
    api.writeRecords(crafted);
    await api.flush();
    const sink = await connectDownsampledSink(options, influx.version, 'downsampled');
    opened.push(sink);
    const writer = sink.writeApi();
    const range = { from: new Date(t0), to: new Date(t0 + 10 * 60_000 + 30_000), intervalMs: 300_000, measurements: ['telemetry'] };
    expect(await downsampleRange(influx, writer, range)).toEqual({ windows: 2, points: 3 });
    expect(await downsampleRange(influx, writer, range)).toEqual({ windows: 2, points: 3 });

    const out = await rows(influx, 'SELECT * FROM "downsampled"."telemetry" GROUP BY * ORDER BY time');
    const pick = (asset: string, time: number) => out.find((r) => r.asset === asset && r.time === time);
    expect(out).toHaveLength(3);
    expect(pick('a1', t0)).toMatchObject({
      mean_temp: 2,
      min_temp: 1,
      max_temp: 3,
      mean_pressure: 5,
      min_pressure: 5,
      max_pressure: 5,
      device: 'd1',
      site: 's',
      customer: 'c',
      model: 'm',
    });
    expect(pick('a1', t0 + 300_000)).toMatchObject({ mean_temp: 3, min_temp: -4, max_temp: 10, mean_pressure: null });
    expect(pick('a 2', t0)).toMatchObject({ mean_temp: 7, min_temp: 7, max_temp: 7 });
    // the raw policy is untouched
    expect(await rows(influx, 'SELECT count(temp) FROM "telemetry"')).toMatchObject([{ count: 7 }]);
  });

  it('runs as the background task: applies the lifecycle, then aggregates the last completed windows', async () => {
    const { influx } = await open();
    const now = t0 + 12 * 60_000;
    const clock = settableClock(new Date(now));
    const config = loadConfig({}, { TELEMEND_ADMIN_TOKEN: 'x'.repeat(20), INFLUX_URL: url, INFLUX_DATABASE: influx.database });
    const api = influx.writeApi();
    api.writeRecords(crafted);
    await api.flush();
    const runs: { points: number; from: Date; to: Date }[] = [];
    const deps: TelemetryLifecycleTaskDeps = {
      config,
      logger: silentLogger,
      redisUrl: inject('redisUrl'),
      prefix: uniqueName('life'),
      influx: () => influx,
      clock,
    };
    const factory = () =>
      createTelemetryLifecycleTask(
        deps,
        { v1Mode: 'job', downsampleInterval: '5m', lateWindow: '15m', settleDelay: '30s' },
        { retryMs: 50, onRun: (r) => runs.push(r) },
      );
    const task = factory();
    const other = factory(); // a second worker: the Redis key lets one of them run the tick
    await Promise.all([task.start(), other.start()]);
    try {
      await waitFor(async () => runs.length > 0, 'a downsampling run');
      await task.stop();
      await other.stop();
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ from: new Date(now - 15 * 60_000 - 2 * 60_000), to: new Date(t0 + 10 * 60_000), points: 3 });
      expect(await cqsOf(influx)).toEqual([]);
      const out = await rows(influx, 'SELECT max_temp FROM "downsampled"."telemetry" GROUP BY "asset"');
      expect(out.map((r) => r.max_temp).sort()).toEqual([10, 3, 7]);
    } finally {
      await task.stop();
      await other.stop();
    }
  });
});
