/**
 * One API per test file for preventive plans and opportunities: a test database (PGlite, or the
 * run's PostgreSQL), buildApp() with a settable clock, and — when asked — a real InfluxDB
 * database of its own (random name) behind the TelemetryReader, with a helper to write crafted
 * running-hours counters. Helpers create customers, assets, contracts and users.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { issueToken } from '../../src/access/auth/tokens.js';
import { DevicesService } from '../../src/telemetry/devices/devices.service.js';
import { connectInflux, type InfluxConnection } from '../../src/telemetry/influx/influx.connection.js';
import { telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import { TelemetryReader } from '../../src/telemetry/readings/telemetry.reader.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/kernel/config.js';
import type { Database } from '../../src/kernel/db/database.js';
import { buildApp, type ZodApp } from '../../src/app/http-app.js';
import type { Role } from '../../src/kernel/http/http.types.js';
import { createLogger } from '../../src/kernel/logger.js';
import { settableClock } from '../../src/kernel/clock.js';
import { inlineModel } from '../api/api-fixture.js';
import { openTestDatabase } from '../harness/database.js';

export const ADMIN_TOKEN = 'preventive-admin-token-0123456789';
export const MODELS = ['chiller-x', 'pump-y'] as const;
export const silentLogger = createLogger('silent');

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are checked field by field
  body: any;
}

export interface PreventiveApi {
  app: ZodApp;
  db: Database;
  clock: ReturnType<typeof settableClock>;
  models: ModelRegistry;
  telemetry?: TelemetryReader;
  influx?: InfluxConnection;
  call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers?: Record<string, string | undefined>): Promise<Reply>;
  user(role: Role, options?: { customerId?: string; skills?: string[] }): Promise<{ id: string; auth: { authorization: string } }>;
  /** A customer with a site and assets (install date and warranty end optional per asset). */
  customer(assets: { modelId?: string; installDate?: string; warrantyEnd?: string }[]): Promise<{ customerId: string; siteId: string; assetIds: string[] }>;
  contract(body: Record<string, unknown>): Promise<string>;
  /** Writes an hourly running_hours counter for the asset: `values[i]` at `from + i hours`. */
  writeCounter(assetId: string, from: string, values: readonly number[]): Promise<void>;
  close(): Promise<void>;
}

export async function startPreventiveApi(start: string, options: { influx?: boolean } = {}): Promise<PreventiveApi> {
  const db = await openTestDatabase();
  const models = ModelRegistry.of(MODELS.map((id) => inlineModel(id)));
  await models.sync(db);
  const clock = settableClock(start);
  let influx: InfluxConnection | undefined;
  if (options.influx) {
    influx = await connectInflux({ url: inject('influxUrl'), database: `prev${randomBytes(5).toString('hex')}`, retentionPolicy: '', logger: silentLogger });
    await influx.ensureDatabase();
  }
  const telemetry = influx ? new TelemetryReader(influx) : undefined;
  const ctx: AppContext = {
    config: loadConfig({}, { TELEMEND_ADMIN_TOKEN: ADMIN_TOKEN, HTTP_RATE_LIMIT_MAX: '100000' }),
    logger: silentLogger,
    db,
    models,
    devices: new DevicesService(db),
    redis: undefined as never,
    telemetry: telemetry as TelemetryReader,
    rejections: undefined as never,
    clock,
  };
  const app = await buildApp(ctx);
  await app.ready();
  let counter = 0;

  const api: PreventiveApi = {
    app,
    db,
    clock,
    models,
    ...(telemetry ? { telemetry } : {}),
    ...(influx ? { influx } : {}),
    async call(method, url, body, headers = {}) {
      const merged: Record<string, string> = {};
      for (const [k, v] of Object.entries({ authorization: `Bearer ${ADMIN_TOKEN}`, ...headers })) if (v !== undefined) merged[k] = v;
      const response = await app.inject({ method, url, headers: merged, ...(body === undefined ? {} : { payload: body as object }) });
      const type = String(response.headers['content-type'] ?? '');
      return { status: response.statusCode, headers: response.headers, body: type.includes('json') ? response.json() : response.body };
    },
    async user(role, opts = {}) {
      const { rows } = await db.query<{ id: string }>('INSERT INTO users (email, name, role, customer_id, skills) VALUES ($1, $2, $3, $4, $5) RETURNING id', [
        `${role}-${randomUUID().slice(0, 8)}@example.test`,
        `A ${role}`,
        role,
        opts.customerId ?? null,
        JSON.stringify(opts.skills ?? []),
      ]);
      const id = rows[0]!.id;
      const { token } = issueToken(app as unknown as FastifyInstance, id);
      return { id, auth: { authorization: `Bearer ${token}` } };
    },
    async customer(assets) {
      const tag = `${++counter}-${randomUUID().slice(0, 6)}`;
      const customer = await db.query<{ id: string }>('INSERT INTO customers (name) VALUES ($1) RETURNING id', [`Customer ${tag}`]);
      const customerId = customer.rows[0]!.id;
      const site = await db.query<{ id: string }>('INSERT INTO sites (customer_id, name) VALUES ($1, $2) RETURNING id', [customerId, `Site ${tag}`]);
      const siteId = site.rows[0]!.id;
      const assetIds: string[] = [];
      for (const [i, a] of assets.entries()) {
        const { rows } = await db.query<{ id: string }>(
          'INSERT INTO assets (site_id, model_id, serial_number, install_date, warranty_end) VALUES ($1, $2, $3, $4, $5) RETURNING id',
          [siteId, a.modelId ?? MODELS[0], `SN-${tag}-${i}`, a.installDate ?? null, a.warrantyEnd ?? null],
        );
        assetIds.push(rows[0]!.id);
      }
      return { customerId, siteId, assetIds };
    },
    async contract(body) {
      const reply = await api.call('POST', '/api/v1/contracts', { name: 'Service contract', ...body });
      if (reply.status !== 201) throw new Error(`contract failed: ${JSON.stringify(reply.body)}`);
      return reply.body.id as string;
    },
    async writeCounter(assetId, from, values) {
      if (!influx) throw new Error('started without InfluxDB');
      const t0 = Date.parse(from);
      const device = { deviceId: 'dev-1', assetId, modelId: MODELS[0], siteId: randomUUID(), customerId: randomUUID() };
      const write = influx.writeApi();
      write.writeRecords(
        telemetryLines(
          device,
          values.map((v, i) => ({ ts: t0 + i * 3_600_000, metrics: { running_hours: v } })),
        ),
      );
      await write.flush();
    },
    async close() {
      await app.close();
      await influx?.close();
      await db.close();
    },
  };
  return api;
}
