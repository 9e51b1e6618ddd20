/** One in-memory API per test file: PGlite, migrations, two inline equipment models, buildApp(). */
import type { FastifyBaseLogger } from 'fastify';
import { buildApp, type RouteModule, type ZodApp } from '../../src/app/http-app.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/kernel/config.js';
import { createLogger } from '../../src/kernel/logger.js';
import type { Database } from '../../src/kernel/db/database.js';
import { openTestDatabase } from '../harness/database.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { equipmentModelFileSchema, type EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import { DevicesService } from '../../src/telemetry/devices/devices.service.js';
import type { Redis } from 'ioredis';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export function inlineModel(id: string, overrides: { category?: string; faults?: number } = {}): EquipmentModel {
  const faults = Array.from({ length: overrides.faults ?? 1 }, (_, i) => ({
    code: `F${i + 1}`,
    title: `Fault ${i + 1}`,
    diagnosis: 'Something is wrong',
    probableCauses: ['wear'],
    actions: ['replace it'],
    parts: [{ sku: 'SKU-1', description: 'A part', quantity: 1 }],
    labourHours: 1.5,
    skill: 'refrigeration',
    priority: 'high',
  }));
  const file = equipmentModelFileSchema.parse({
    name: `Model ${id}`,
    manufacturer: 'Acme',
    category: overrides.category ?? 'chiller',
    description: 'A test model',
    metrics: {
      supply_temp: { unit: '°C', description: 'Supply temperature', min: -20, max: 40, samplePeriodSeconds: 10, simulation: { base: 7 } },
      power_kw: { unit: 'kW', description: 'Power', min: 0, max: 500, samplePeriodSeconds: 10, simulation: { base: 80 } },
    },
    faults,
  });
  return { id, ...file };
}

export interface TestApi {
  app: ZodApp;
  db: Database;
  devices: DevicesService;
  /** Authenticated request as admin; `headers` may override or drop (undefined) the authorization. */
  call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers?: Record<string, string | undefined>): Promise<Reply>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are checked field by field
  body: any;
}

export interface StartApiOptions {
  /** Configuration variables on top of the test defaults. */
  config?: Record<string, string>;
  /** Extra route modules registered under /api/v1 (test-only routes). */
  extraRoutes?: readonly RouteModule[];
  /** A real Redis for the app (login limits); absent = none, as before. Closed by the caller. */
  redis?: Redis;
  /** Request logger (default: none). */
  logger?: FastifyBaseLogger;
}

export async function startApi(options: StartApiOptions = {}): Promise<TestApi> {
  const db = await openTestDatabase();
  const models = ModelRegistry.of([inlineModel('chiller-x', { faults: 2 }), inlineModel('pump-y', { category: 'pump', faults: 1 })]);
  await models.sync(db);
  const devices = new DevicesService(db);
  const ctx: AppContext = {
    // High global and per-IP login limits: test files make many requests, and sign many users
    // in, from one address.
    config: loadConfig(
      {},
      { TELEMEND_ADMIN_TOKEN: ADMIN_TOKEN, HTTP_RATE_LIMIT_MAX: '100000', TELEMEND_LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '100000', ...options.config },
    ),
    logger: createLogger('silent'),
    db,
    models,
    devices,
    redis: options.redis ?? (undefined as never),
    telemetry: undefined as never,
    rejections: undefined as never,
  };
  const app = await buildApp(ctx, { extraRoutes: options.extraRoutes ?? [], ...(options.logger ? { logger: options.logger } : {}) });
  await app.ready();
  return {
    app,
    db,
    devices,
    async call(method, url, body, headers = {}) {
      const merged: Record<string, string> = {};
      for (const [k, v] of Object.entries({ authorization: `Bearer ${ADMIN_TOKEN}`, ...headers })) if (v !== undefined) merged[k] = v;
      const response = await app.inject({ method, url, headers: merged, ...(body === undefined ? {} : { payload: body as object }) });
      const type = String(response.headers['content-type'] ?? '');
      return { status: response.statusCode, headers: response.headers, body: type.includes('json') && response.body !== '' ? response.json() : response.body };
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** Creates a customer, a site and an asset; returns their ids. */
export async function seedAsset(api: TestApi, tag: string, modelId = 'chiller-x'): Promise<{ customerId: string; siteId: string; assetId: string }> {
  const customer = await api.call('POST', '/api/v1/customers', { name: `Customer ${tag}` });
  const site = await api.call('POST', '/api/v1/sites', { customerId: customer.body.id, name: `Site ${tag}` });
  const asset = await api.call('POST', '/api/v1/assets', { siteId: site.body.id, modelId, serialNumber: `SN-${tag}` });
  if (asset.status !== 201) throw new Error(`seed failed: ${JSON.stringify(asset.body)}`);
  return { customerId: customer.body.id, siteId: site.body.id, assetId: asset.body.id };
}
