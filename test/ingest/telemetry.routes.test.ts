/** The telemetry read-back and rejection routes through buildApp(), with real InfluxDB, Redis and PGlite. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectInflux, type InfluxConnection } from '../../src/telemetry/influx/influx.connection.js';
import { RejectionLog } from '../../src/telemetry/ingest/rejection-log.js';
import { TelemetryReader } from '../../src/telemetry/readings/telemetry.reader.js';
import { telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import { defaultEvery } from '../../src/telemetry/readings/telemetry.routes.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/kernel/config.js';
import { openDatabase, type Database } from '../../src/kernel/db/database.js';
import { migrate } from '../../src/app/migrations.js';
import { buildApp, type ZodApp } from '../../src/app/http-app.js';
import { silentLogger, testDevice, testModel, uniqueName } from './ingest-fixtures.js';

const TOKEN = 'telemetry-routes-admin-token';
let app: ZodApp;
let db: Database;
let redis: Redis;
let influx: InfluxConnection;
let rejections: RejectionLog;
let assetId: string;
const t0 = Date.parse('2025-05-01T10:00:00Z');

async function get(url: string, token: string | null = TOKEN) {
  const res = await app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.statusCode, body: res.json() };
}

beforeAll(async () => {
  db = await openDatabase({ dataDir: 'memory://' });
  await migrate(db);
  const models = ModelRegistry.of([testModel]);
  await models.sync(db);
  const customer = await db.query<{ id: string }>(`INSERT INTO customers (name) VALUES ('Acme') RETURNING id`);
  const site = await db.query<{ id: string }>(`INSERT INTO sites (customer_id, name) VALUES ($1, 'Plant') RETURNING id`, [customer.rows[0]!.id]);
  const asset = await db.query<{ id: string }>(`INSERT INTO assets (site_id, model_id, serial_number) VALUES ($1, $2, 'SN1') RETURNING id`, [
    site.rows[0]!.id,
    testModel.id,
  ]);
  assetId = asset.rows[0]!.id;

  redis = new Redis(inject('redisUrl'));
  const prefix = uniqueName('t');
  rejections = new RejectionLog(redis, { prefix, maxEntries: 100, logger: silentLogger });
  influx = await connectInflux({ url: inject('influxUrl'), database: uniqueName('routes'), retentionPolicy: '', logger: silentLogger });
  await influx.ensureDatabase();

  // Two minutes of readings, one every 10 s: temperature = 0..11, pressure = 1 constant.
  const device = testDevice({ assetId });
  const api = influx.writeApi();
  api.writeRecords(
    telemetryLines(
      device,
      Array.from({ length: 12 }, (_, i) => ({ ts: t0 + i * 10_000, metrics: { temperature: i, pressure: 1 } })),
    ),
  );
  await api.flush();

  const ctx: AppContext = {
    config: loadConfig({}, { TELEMEND_ADMIN_TOKEN: TOKEN }),
    logger: silentLogger,
    db,
    redis,
    models,
    devices: undefined as never,
    telemetry: new TelemetryReader(influx),
    rejections,
  };
  app = await buildApp(ctx);
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await influx?.close();
  await redis?.quit();
  await db?.close();
});

describe('GET /api/v1/assets/{id}/telemetry', () => {
  const range = `from=${new Date(t0).toISOString()}&to=${new Date(t0 + 120_000).toISOString()}`;

  it('returns mean/min/max per bucket', async () => {
    const { status, body } = await get(`/api/v1/assets/${assetId}/telemetry?metric=temperature&metric=pressure&${range}&every=1m`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ assetId, modelId: testModel.id, every: '1m' });
    expect(body.series).toEqual([
      {
        metric: 'temperature',
        unit: '°C',
        points: [
          { time: '2025-05-01T10:00:00.000Z', mean: 2.5, min: 0, max: 5 },
          { time: '2025-05-01T10:01:00.000Z', mean: 8.5, min: 6, max: 11 },
        ],
      },
      {
        metric: 'pressure',
        unit: 'bar',
        points: [
          { time: '2025-05-01T10:00:00.000Z', mean: 1, min: 1, max: 1 },
          { time: '2025-05-01T10:01:00.000Z', mean: 1, min: 1, max: 1 },
        ],
      },
    ]);
  });

  it('accepts comma-separated metrics and defaults every to at most ~500 buckets', async () => {
    const { status, body } = await get(`/api/v1/assets/${assetId}/telemetry?metric=temperature,pressure&${range}`);
    expect(status).toBe(200);
    expect(body.every).toBe('1s');
    expect(body.series.map((s: { metric: string }) => s.metric)).toEqual(['temperature', 'pressure']);
    expect(body.series[0].points).toHaveLength(12);
    expect(defaultEvery(86_400_000)).toBe('5m');
    expect(defaultEvery(30 * 86_400_000)).toBe('3h');
  });

  it('answers 400 naming an unknown metric, 400 for to <= from, 404 for an unknown asset, 401 without token', async () => {
    const unknown = await get(`/api/v1/assets/${assetId}/telemetry?metric=temperature,humidity`);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'VALIDATION_FAILED', unknownMetrics: ['humidity'] });
    expect(unknown.body.detail).toMatch(/humidity/);
    const reversed = await get(`/api/v1/assets/${assetId}/telemetry?from=2025-05-02T00:00:00Z&to=2025-05-01T00:00:00Z`);
    expect(reversed.status).toBe(400);
    const badEvery = await get(`/api/v1/assets/${assetId}/telemetry?every=1 minute`);
    expect(badEvery.status).toBe(400);
    const tooMany = await get(`/api/v1/assets/${assetId}/telemetry?every=1s&from=2025-01-01T00:00:00Z&to=2025-05-01T00:00:00Z`);
    expect(tooMany.status).toBe(400);
    expect((await get(`/api/v1/assets/00000000-0000-4000-8000-000000000000/telemetry`)).status).toBe(404);
    expect((await get(`/api/v1/assets/${assetId}/telemetry`, null)).status).toBe(401);
  });
});

describe('GET /api/v1/rejections', () => {
  it('lists newest first with a cursor, filters, and counts', async () => {
    for (const reason of ['not_json', 'out_of_range', 'out_of_range'] as const) {
      await rejections.record({ deviceId: 'dev-r', assetId, reason, detail: `bad: ${reason}`, payloadSample: '{' });
    }
    const first = await get('/api/v1/rejections?deviceId=dev-r&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items.map((i: { reason: string }) => i.reason)).toEqual(['out_of_range', 'out_of_range']);
    const second = await get(`/api/v1/rejections?deviceId=dev-r&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({ items: [{ reason: 'not_json', deviceId: 'dev-r', assetId, detail: 'bad: not_json' }], nextCursor: null });
    expect((await get('/api/v1/rejections?reason=not_json')).body.items).toHaveLength(1);
    expect((await get('/api/v1/rejections?reason=nonsense')).status).toBe(400);
    expect((await get('/api/v1/rejections?cursor=abc')).status).toBe(400);

    const counts = await get('/api/v1/rejections/counts?deviceId=dev-r');
    expect(counts.body).toMatchObject({ deviceId: 'dev-r', total: 3, byReason: { not_json: 1, out_of_range: 2, wrong_type: 0 } });
    expect((await get('/api/v1/rejections/counts')).body.total).toBe(3);
  });
});
