/**
 * Starts one redis-server and one influxd for the whole test run; tests get their URLs through
 * vitest's inject() and isolate themselves with their own key prefixes and database names.
 */
import type { TestProject } from 'vitest/node';
import { startInflux, startRedis, type TestServer } from './servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    influxUrl: string;
  }
}

let servers: TestServer[] = [];

export async function setup(project: TestProject): Promise<void> {
  const [redis, influx] = await Promise.all([startRedis(), startInflux()]);
  servers = [redis, influx];
  project.provide('redisUrl', redis.url);
  project.provide('influxUrl', influx.url);
}

export async function teardown(): Promise<void> {
  await Promise.all(servers.map((s) => s.destroy()));
}
