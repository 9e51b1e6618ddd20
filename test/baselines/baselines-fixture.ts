/**
 * The API (PGlite, settable clock) with the real Redis as its context's, a detection worker on
 * the shard queues, and the test model of ./models: readings go in as journal batches through
 * DetectionQueue, exactly as the writer hands them over.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { issueToken } from '../../src/access/auth/tokens.js';
import { AutoTicketService } from '../../src/service/autotickets/autotickets.service.js';
import type { Reading } from '../../src/telemetry/detection/detection.types.js';
import { DevicesService } from '../../src/telemetry/devices/devices.service.js';
import type { DeviceIdentity } from '../../src/telemetry/devices/devices.types.js';
import { telemetryLines } from '../../src/telemetry/ingest/line-protocol.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { DetectionQueue } from '../../src/telemetry/detection/worker/detection.queue.js';
import { DetectionWorker } from '../../src/telemetry/detection/worker/detection.worker.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/kernel/config.js';
import type { Database } from '../../src/kernel/db/database.js';
import { buildApp, type ZodApp } from '../../src/app/http-app.js';
import type { Role } from '../../src/kernel/http/http.types.js';
import { createLogger } from '../../src/kernel/logger.js';
import { settableClock } from '../../src/kernel/clock.js';
import { openTestDatabase } from '../harness/database.js';
import { noise } from '../detection/detection-fixtures.js';
import { TicketsService } from '../../src/service/tickets/tickets.service.js';

export const MODEL = 'learned-test-pump';
export const START = '2025-03-10T08:00:00.000Z';
const ADMIN_TOKEN = 'baselines-admin-token-0123456789';
const SHARDS = 2;

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are checked field by field
  body: any;
}

export interface BaselinesWorld {
  db: Database;
  app: ZodApp;
  redis: Redis;
  prefix: string;
  models: ModelRegistry;
  clock: ReturnType<typeof settableClock>;
  call(method: 'GET' | 'POST', url: string, body?: unknown, auth?: Record<string, string>): Promise<Reply>;
  user(role: Role): Promise<{ id: string; auth: Record<string, string> }>;
  /** A new asset of the test model with its device. */
  asset(): Promise<DeviceIdentity>;
  /** Journals readings of the asset (one journal batch → one detection job). */
  send(device: DeviceIdentity, readings: readonly Reading[]): Promise<void>;
  worker(): DetectionWorker;
  /** Stops the running worker and starts a new one (a restart: nothing kept in memory). */
  restartWorker(): Promise<void>;
  close(): Promise<void>;
}

export async function startBaselinesWorld(): Promise<BaselinesWorld> {
  const models = await ModelRegistry.fromDirectory(new URL('./models', import.meta.url).pathname);
  const db = await openTestDatabase();
  await models.sync(db);
  const clock = settableClock(START);
  const prefix = `tb${randomBytes(4).toString('hex')}`;
  const redis = new Redis(inject('redisUrl'));
  const config = loadConfig({}, { TELEMEND_ADMIN_TOKEN: ADMIN_TOKEN, HTTP_RATE_LIMIT_MAX: '100000', REDIS_PREFIX: prefix, DETECTION_SHARDS: String(SHARDS) });
  const ctx: AppContext = {
    config,
    logger: createLogger('silent'),
    db,
    models,
    devices: new DevicesService(db),
    redis,
    telemetry: undefined as never,
    rejections: undefined as never,
    clock,
  };
  const app = await buildApp(ctx);
  await app.ready();
  const queue = new DetectionQueue({ connection: redis, prefix, shards: SHARDS });
  const autotickets = new AutoTicketService(db, clock, { tickets: new TicketsService(db, clock) });
  const newWorker = () =>
    new DetectionWorker({ redisUrl: inject('redisUrl'), prefix, models, autotickets, logger: createLogger('silent'), shards: SHARDS, retryMinMs: 10 });
  let worker = newWorker();
  await worker.start();
  let seq = 0;

  const call: BaselinesWorld['call'] = async (method, url, body, auth = { authorization: `Bearer ${ADMIN_TOKEN}` }) => {
    const response = await app.inject({ method, url, headers: auth, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: response.statusCode, body: response.body ? response.json() : undefined };
  };
  return {
    db,
    app,
    redis,
    prefix,
    models,
    clock,
    call,
    async user(role) {
      const { rows } = await db.query<{ id: string }>('INSERT INTO users (email, name, role) VALUES ($1, $2, $3) RETURNING id', [
        `${role}-${randomUUID().slice(0, 8)}@example.test`,
        `A ${role}`,
        role,
      ]);
      const id = rows[0]!.id;
      return { id, auth: { authorization: `Bearer ${issueToken(app as unknown as FastifyInstance, id).token}` } };
    },
    async asset() {
      const tag = randomBytes(4).toString('hex');
      const customer = await call('POST', '/api/v1/customers', { name: `Customer ${tag}` });
      const site = await call('POST', '/api/v1/sites', { customerId: customer.body.id, name: `Site ${tag}` });
      const asset = await call('POST', '/api/v1/assets', { siteId: site.body.id, modelId: MODEL, serialNumber: `SN-${tag}` });
      const device = await call('POST', `/api/v1/assets/${asset.body.id}/device`);
      if (device.status !== 201) throw new Error(`provisioning failed: ${JSON.stringify(device.body)}`);
      return { deviceId: device.body.deviceId, assetId: asset.body.id, modelId: MODEL, siteId: site.body.id, customerId: customer.body.id };
    },
    async send(device, readings) {
      await queue.enqueue([{ id: `${Date.now()}-${seq++}`, publishes: readings.length, lines: telemetryLines(device, readings) }]);
    },
    worker: () => worker,
    async restartWorker() {
      await worker.stop();
      worker = newWorker();
      await worker.start();
    },
    async close() {
      await worker.stop();
      await queue.close();
      await app.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      await db.close();
    },
  };
}

export const T0 = Date.parse(START) - 12 * 3_600_000;
const STEP = 10_000;

/**
 * `count` readings every 10 s from reading `from` (index, so batches continue each other): flow
 * tracks current (flow ≈ 5 × current), the temperature drifts by `drift` °C per reading.
 */
export function pumpReadings(
  from: number,
  count: number,
  options: { current?: number; flow?: number; temperature?: number; drift?: number; seed?: number } = {},
): Reading[] {
  const n = noise(options.seed ?? from + 1, 0.3);
  const out: Reading[] = [];
  for (let i = from; i < from + count; i++) {
    const current = (options.current ?? 20) + n();
    const flow = options.flow ?? 5 * current + n();
    const temperature = (options.temperature ?? 40) + (options.drift ?? 0) * (i - from) + n() * 0.3;
    out.push({ ts: T0 + i * STEP, metrics: { current: round(current), flow: round(flow), temperature: round(temperature) } });
  }
  return out;
}

const round = (v: number) => Math.round(v * 1000) / 1000;
