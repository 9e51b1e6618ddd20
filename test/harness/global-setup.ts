/**
 * Starts one redis-server and one influxd for the whole test run; tests get their URLs through
 * vitest's inject() and isolate themselves with their own key prefixes and database names.
 * With TELEMEND_TEST_POSTGRES=1 it also starts a throwaway PostgreSQL and provides its superuser
 * URL as `postgresUrl` (empty otherwise); test/harness/database.ts creates one database per use.
 */
import type { TestProject } from 'vitest/node';
import { startInflux, startRedis, type TestServer } from './servers.js';
import { startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    influxUrl: string;
    /** Superuser URL of the run's PostgreSQL; '' when the run uses PGlite. */
    postgresUrl: string;
  }
}

let servers: TestServer[] = [];

const postgresEnabled = (): boolean => ['1', 'true', 'yes'].includes(process.env.TELEMEND_TEST_POSTGRES ?? '');

export async function setup(project: TestProject): Promise<void> {
  const [redis, influx, postgres] = await Promise.all([startRedis(), startInflux(), postgresEnabled() ? startPostgres() : Promise.resolve(undefined)]);
  servers = [redis, influx, ...(postgres ? [postgres] : [])];
  project.provide('redisUrl', redis.url);
  project.provide('influxUrl', influx.url);
  project.provide('postgresUrl', postgres?.url ?? '');
}

export async function teardown(): Promise<void> {
  await Promise.all(servers.map((s) => s.destroy()));
}
