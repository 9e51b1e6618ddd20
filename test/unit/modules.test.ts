/**
 * The module list (issue #13): every feature module in MODULES is built exactly once by the
 * composition root, and each service exists once per process (the TicketsService other services
 * use is the tickets module's own). test/db/migrations-list.test.ts pins the modules' migrations.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { buildModules, closeModules, MODULES, type Modules } from '../../src/app/modules.js';
import { loadConfig } from '../../src/kernel/config.js';
import type { Database } from '../../src/kernel/db/database.js';
import { createLogger } from '../../src/kernel/logger.js';
import { DevicesService } from '../../src/telemetry/devices/devices.service.js';
import { RejectionLog } from '../../src/telemetry/ingest/rejection-log.js';
import { ModelRegistry } from '../../src/telemetry/models/models.registry.js';
import { TelemetryReader } from '../../src/telemetry/readings/telemetry.reader.js';
import { openTestDatabase } from '../harness/database.js';

let db: Database;
let redis: Redis;
let modules: Modules;

beforeAll(async () => {
  db = await openTestDatabase();
  redis = new Redis(inject('redisUrl'), { lazyConnect: true });
  const logger = createLogger('silent');
  const ctx: AppContext = {
    config: loadConfig({}, { TELEMEND_ADMIN_TOKEN: 'modules-test-admin-token-0123' }),
    logger,
    db,
    redis,
    models: ModelRegistry.of([]),
    devices: new DevicesService(db),
    telemetry: new TelemetryReader(() => undefined),
    rejections: new RejectionLog(redis, { prefix: 'modules-test', maxEntries: 10, logger }),
  };
  modules = buildModules(ctx);
});
afterAll(async () => {
  await closeModules(modules);
  redis.disconnect();
  await db.close();
});

describe('the modules', () => {
  it('builds every module of the list once, and nothing that is not in it', () => {
    const built = modules.features.map((f) => f.name).filter((name) => name !== 'egress');
    expect([...built].sort()).toEqual(MODULES.map((m) => m.name).sort());
    expect(new Set(built).size).toBe(built.length);
  });

  it('gives the services that move tickets the one TicketsService of the tickets module', () => {
    const { tickets, visits, dispatch, autotickets } = modules.services;
    const inner = (service: object, field: string) => (service as unknown as Record<string, unknown>)[field];
    expect(inner(visits, 'ticketsService')).toBe(tickets);
    expect(inner(dispatch, 'tickets')).toBe(tickets);
    expect(inner(dispatch, 'visits')).toBe(visits);
    expect(inner(autotickets, 'ticketService')).toBe(tickets);
  });
});
