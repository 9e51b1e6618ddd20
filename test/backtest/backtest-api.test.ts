/**
 * POST /api/v1/backtests through buildApp(), with real InfluxDB, Redis and PGlite: an asset's
 * stored telemetry (written to InfluxDB as the writer does) backtested with its deployed model and
 * with a draft; CSV text with labels; roles; bad input as problem+json; and nothing live touched —
 * the asset's detector state in Redis, its alarms and tickets are the same after the backtests.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { issueToken } from '../../src/access/auth/tokens.js';
import { evaluate } from '../../src/telemetry/detection/detection.engine.js';
import { connectInflux, type InfluxConnection } from '../../src/telemetry/influx/influx.connection.js';
import { telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import { TelemetryReader } from '../../src/telemetry/readings/telemetry.reader.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/kernel/config.js';
import type { Database } from '../../src/kernel/db/database.js';
import { buildApp, type ZodApp } from '../../src/app/http-app.js';
import { DetectionStateStore } from '../../src/telemetry/detection/worker/detection-state.store.js';
import { PUMP, seedAsset } from '../autotickets/autotickets-fixture.js';
import { openTestDatabase } from '../harness/database.js';
import { silentLogger, uniqueName } from '../ingest/ingest-fixtures.js';

const TOKEN = 'backtest-api-admin-token-0123456789';
const MIN = 60_000;
let app: ZodApp;
let db: Database;
let redis: Redis;
let influx: InfluxConnection;
let models: ModelRegistry;
let assetId: string;
let prefix: string;
const t0 = Date.parse('2025-05-01T10:00:00Z');
const readings = Array.from({ length: 240 }, (_, i) => ({
  ts: t0 + i * 10_000,
  metrics: { motor_current: 20, flow: 100, seal_temp: i >= 72 ? 80 : 40, bearing_temp: 50 },
}));

async function post(body: unknown, token = TOKEN) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/backtests', headers: { authorization: `Bearer ${token}` }, payload: body as object });
  return { status: res.statusCode, type: String(res.headers['content-type']), body: res.json() };
}

/** Everything the live side keeps for the asset: the detector state keys in Redis, alarms, tickets. */
async function live(): Promise<unknown> {
  const keys = (await redis.keys(`${prefix}:*`)).sort();
  const values = await Promise.all(keys.map((k) => redis.dumpBuffer(k)));
  const rows = async (table: string) => (await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE asset_id = $1`, [assetId])).rows[0];
  return { keys, values: values.map((v) => v?.toString('base64')), alarms: await rows('alarms'), tickets: await rows('tickets') };
}

beforeAll(async () => {
  db = await openTestDatabase();
  models = await ModelRegistry.fromDirectory(new URL('../../devices', import.meta.url).pathname);
  await models.sync(db);
  assetId = (await seedAsset(db, { modelId: PUMP })).assetId;
  redis = new Redis(inject('redisUrl'));
  prefix = uniqueName('tba');
  influx = await connectInflux({ url: inject('influxUrl'), database: uniqueName('backtest'), retentionPolicy: '', logger: silentLogger });
  await influx.ensureDatabase();
  // 40 min of the pump every 10 s; the seal runs hot from 12 min on.
  const api = influx.writeApi();
  api.writeRecords(telemetryLines({ deviceId: 'dev-bt', assetId, modelId: PUMP, siteId: randomUUID(), customerId: randomUUID() }, readings));
  await api.flush();
  // A live detector state for the asset, as the worker keeps it.
  const store = new DetectionStateStore(redis, prefix, models);
  const loaded = await store.load(assetId);
  expect(
    await store.save(assetId, loaded, evaluate(models.get(PUMP)!, null, readings.slice(0, 10)).state, {
      modelId: PUMP,
      readings: readings.slice(0, 10),
      events: [],
    }),
  ).toBe(true);

  const ctx: AppContext = {
    config: loadConfig({}, { TELEMEND_ADMIN_TOKEN: TOKEN, HTTP_RATE_LIMIT_MAX: '100000' }),
    logger: silentLogger,
    db,
    redis,
    models,
    devices: undefined as never,
    telemetry: new TelemetryReader(influx),
    rejections: undefined as never,
  };
  app = await buildApp(ctx);
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await influx?.close();
  const keys = (await redis?.keys(`${prefix}:*`)) ?? [];
  if (keys.length) await redis.del(...keys);
  await redis?.quit();
  await db?.close();
});

async function userToken(role: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>('INSERT INTO users (email, name, role) VALUES ($1, $2, $3) RETURNING id', [
    `${role}-${randomUUID().slice(0, 8)}@example.test`,
    `A ${role}`,
    role,
  ]);
  return issueToken(app as unknown as FastifyInstance, rows[0]!.id).token;
}

describe('POST /api/v1/backtests', () => {
  test("an asset's stored telemetry with its deployed model: the alarm, its ticket outcome, per-reading scores; nothing live is touched", async () => {
    const before = await live();
    const res = await post({
      source: { assetId, from: new Date(t0).toISOString(), to: new Date(t0 + 60 * MIN).toISOString() },
      options: { scores: true, maxScoreRows: 100 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      model: { id: PUMP, draft: false },
      readings: 240,
      from: new Date(t0).toISOString(),
      to: new Date(t0 + 2390 * 1000).toISOString(),
      score: null,
    });
    // Running settles at 10 min, the seal is hot from 12 min: seal-temp-high fires at 22 min.
    expect(res.body.alarms).toEqual([
      expect.objectContaining({
        ruleId: 'seal-temp-high',
        faultCode: 'MECHANICAL_SEAL_LEAK',
        raisedAt: new Date(t0 + 22 * MIN).toISOString(),
        clearedAt: null,
        ticket: 'opened',
        ticketAt: new Date(t0 + 22 * MIN).toISOString(),
      }),
    ]);
    expect(res.body.scores.columns).toContain('seal-temp-high');
    expect(res.body.scores.rows).toHaveLength(100);
    expect(res.body.scores.truncated).toBe(true);
    const seal = res.body.scores.columns.indexOf('seal-temp-high');
    expect(res.body.scores.rows[0]).toEqual(expect.arrayContaining([t0]));
    expect(res.body.scores.rows[80][seal]).toBe(80);

    // A draft of the same model where the rule never opens a ticket.
    const draft = (await import('node:fs/promises')).readFile(new URL('../../devices/centrifugal-pump-cp80.yaml', import.meta.url), 'utf8');
    const text = (await draft).replace(
      '      clearFor: 30m\n      whenRunning: { metric: motor_current, above: 5, settle: 10m }\n    - id: suction-pressure-falling',
      '      clearFor: 30m\n      ticket: { policy: never }\n      whenRunning: { metric: motor_current, above: 5, settle: 10m }\n    - id: suction-pressure-falling',
    );
    const drafted = await post({
      model: { draft: { text, id: 'pump-draft' } },
      source: { assetId, from: new Date(t0).toISOString(), to: new Date(t0 + 60 * MIN).toISOString() },
    });
    expect(drafted.status).toBe(200);
    expect(drafted.body.model).toEqual({ id: 'pump-draft', draft: true });
    expect(drafted.body.alarms.map((a: { ruleId: string; ticket: string }) => [a.ruleId, a.ticket])).toEqual([['seal-temp-high', 'none']]);
    expect(drafted.body.scores).toBeUndefined();

    expect(await live()).toEqual(before);
  });

  test('CSV text with a label column: the score; roles: admin only', async () => {
    const csv = `time;seal_temp;motor_current;label\n${readings.map((r, i) => `${new Date(r.ts).toISOString()};${r.metrics.seal_temp};20;${i >= 132 ? 1 : 0}`).join('\n')}\n`;
    const body = { model: { id: PUMP }, source: { csv, label: 'label' }, options: { rules: ['seal-temp-high'], scoreFrom: { row: 60 } } };
    const res = await post(body);
    expect(res.status).toBe(200);
    // Rows 60..239 scored: the rule fires at row 132 (22 min), exactly where the label starts.
    expect(res.body.score).toMatchObject({ scored: 180, tp: 108, fp: 0, fn: 0, tn: 72, f1: 1, far: 0, mar: 0, delay: { detected: 1, segments: 1, meanMs: 0 } });
    for (const role of ['dispatcher', 'technician', 'agent']) expect((await post(body, await userToken(role))).status, role).toBe(403);
  });

  test('bad input: problem+json VALIDATION_FAILED naming the line, column, field or file; unknown asset 404', async () => {
    const unknown = await post({ model: { id: PUMP }, source: { csv: 'time,Vibration\n2025-01-01 00:00:00,1\n' } });
    expect(unknown.status).toBe(400);
    expect(unknown.type).toContain('application/problem+json');
    expect(unknown.body).toMatchObject({ code: 'VALIDATION_FAILED', unknownColumns: ['Vibration'] });
    const number = await post({ model: { id: PUMP }, source: { csv: 'time,flow\n2025-01-01 00:00:00,1\n2025-01-01 00:00:10,x\n' } });
    expect(number.body).toMatchObject({ code: 'VALIDATION_FAILED', line: 3, column: 'flow' });
    const draft = await post({ model: { draft: { text: 'name: x\n', id: 'broken' } }, source: { csv: 'time,flow\n1,1\n' } });
    expect(draft.status).toBe(400);
    expect(draft.body.detail).toContain('broken.yaml');
    expect(draft.body.fields).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'draft.manufacturer' })]));
    expect((await post({ source: { csv: 'time,flow\n1,1\n' } })).body).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'model' }] });
    expect((await post({ model: { id: 'no-such-model' }, source: { csv: 'time,flow\n1,1\n' } })).status).toBe(404);
    expect((await post({ source: { assetId: randomUUID(), from: '2025-01-01T00:00:00Z', to: '2025-01-02T00:00:00Z' } })).status).toBe(404);
    expect((await post({ model: { id: PUMP }, source: { csv: 'time,flow\n1,1\n' }, options: { rules: ['nope'] } })).body).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
