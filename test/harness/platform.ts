/**
 * Starts the whole platform in-process (role `all`) against the shared test Redis and InfluxDB,
 * with its own Redis prefix, InfluxDB database and embedded database folder.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/kernel/config.js';
import { createLogger } from '../../src/kernel/logger.js';
import { startPlatform, type RunningPlatform } from '../../src/app/platform.js';
import { TEST_EGRESS_ALLOW } from './egress.js';

export interface TestPlatform {
  readonly platform: RunningPlatform;
  readonly config: Config;
  readonly api: string;
  readonly mqttPort: number;
  readonly adminToken: string;
  /** fetch against the API with the admin token; JSON in and out. */
  call<T = unknown>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const id = randomBytes(4).toString('hex');
  return {
    TELEMEND_ADMIN_TOKEN: `admin-${randomBytes(12).toString('hex')}`,
    PORT: '0',
    MQTT_PORT: '0',
    METRICS_PORT: '0',
    REDIS_URL: inject('redisUrl'),
    REDIS_PREFIX: `t${id}`,
    INFLUX_URL: inject('influxUrl'),
    INFLUX_DATABASE: `t${id}`,
    INFLUX_FLUSH_INTERVAL_MS: '50',
    DEVICES_DIR: path.resolve('devices'),
    LOG_LEVEL: 'silent',
    // Test receivers listen on loopback, which the egress guard refuses unless named here.
    EGRESS_ALLOW: TEST_EGRESS_ALLOW,
    ...overrides,
  };
}

export async function startTestPlatform(overrides: Record<string, string> = {}): Promise<TestPlatform> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'telemend-data-'));
  const config = loadConfig(testEnv({ DATA_DIR: dataDir, ...overrides }));
  const platform = await startPlatform(config, createLogger(config.LOG_LEVEL));
  const api = platform.addresses.http!;
  return {
    platform,
    config,
    api,
    mqttPort: platform.addresses.mqtt!,
    adminToken: config.TELEMEND_ADMIN_TOKEN,
    call: (method, url, body) => apiCall(api, config.TELEMEND_ADMIN_TOKEN, method, url, body),
    async stop() {
      await platform.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function apiCall<T>(api: string, token: string, method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${api}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export interface ProvisionedDevice {
  deviceId: string;
  token: string;
  assetId: string;
  modelId: string;
}

type Call = TestPlatform['call'];

/** Creates a customer, a site, an asset of `modelId` and its device through the API. */
export async function provisionDevice(call: Call, modelId: string, serial = randomBytes(5).toString('hex')): Promise<ProvisionedDevice> {
  const customer = await expectStatus(call('POST', '/api/v1/customers', { name: `Customer ${serial}` }), 201);
  const site = await expectStatus(call('POST', '/api/v1/sites', { customerId: customer.id, name: `Plant ${serial}` }), 201);
  const asset = await expectStatus(call('POST', '/api/v1/assets', { siteId: site.id, modelId, serialNumber: `SN-${serial}` }), 201);
  const device = await expectStatus(call('POST', `/api/v1/assets/${asset.id}/device`), 201);
  return { deviceId: device.deviceId, token: device.token, assetId: asset.id, modelId };
}

async function expectStatus(pending: Promise<{ status: number; body: unknown }>, status: number): Promise<Record<string, string>> {
  const res = await pending;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as Record<string, string>;
}
