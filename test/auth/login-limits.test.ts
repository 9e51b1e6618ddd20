/**
 * Login limits on a real Redis, shared by two API instances (two processes of one installation):
 * per client IP over all e-mails, per account over all IPs, Retry-After on 429; password hashing
 * bounded per process; per-process counters while Redis is unreachable.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { startApi, type TestApi } from '../api/api-fixture.js';

const prefix = `login-limits-${randomUUID().slice(0, 8)}`;
const limits = {
  REDIS_PREFIX: prefix,
  TELEMEND_LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '10',
  TELEMEND_LOGIN_ATTEMPTS_PER_ACCOUNT_PER_HOUR: '6',
};
let redis: Redis;
let a: TestApi;
let b: TestApi;

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 3 });
  a = await startApi({ redis, config: limits });
  b = await startApi({ redis, config: limits });
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await redis?.quit();
});

async function attempt(api: TestApi, ip: string, email: string, password = 'a wrong password') {
  const response = await api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: ip });
  return { status: response.statusCode, headers: response.headers, body: response.json() as Record<string, unknown> };
}

describe('login limits shared through Redis', () => {
  test('one address spraying passwords over many e-mails is stopped after the per-IP limit, on every instance', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await attempt(i % 2 ? a : b, '10.0.0.1', `spray-${i}@example.test`)).status);
    expect(statuses).toEqual(Array(10).fill(401));
    for (const api of [a, b]) {
      const limited = await attempt(api, '10.0.0.1', `spray-next@example.test`);
      expect(limited.status).toBe(429);
      expect(limited.headers['content-type']).toContain('application/problem+json');
      expect(limited.body).toMatchObject({ code: 'RATE_LIMITED' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
    // Another address is not affected.
    expect((await attempt(a, '10.0.0.2', 'spray-0@example.test')).status).toBe(401);
    expect(await redis.exists(`${prefix}:login:ip:10.0.0.1`)).toBe(1);
  });

  test('one account guessed from many addresses is stopped after the per-account limit', async () => {
    const email = 'Victim@Example.test';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attempt(i % 2 ? a : b, `10.1.0.${i}`, i % 2 ? email : email.toLowerCase())).status);
    expect(statuses).toEqual(Array(6).fill(401));
    const limited = await attempt(a, '10.1.0.99', email);
    expect(limited.status).toBe(429);
    expect(limited.body.detail).toContain('this account');
    // The window is an hour.
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(60);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(3600);
    expect((await attempt(a, '10.1.0.99', 'someone-else@example.test')).status).toBe(401);
  });

  test('concurrent password checks are bounded: beyond the running and queued ones, 429 with Retry-After 1', async () => {
    const single = await startApi({ redis, config: { REDIS_PREFIX: `${prefix}-hash`, TELEMEND_LOGIN_CONCURRENT_HASHES: '1' } });
    try {
      const replies = await Promise.all(Array.from({ length: 14 }, (_, i) => attempt(single, `10.2.0.${i}`, `burst-${i}@example.test`)));
      const refused = replies.filter((r) => r.status === 429);
      const checked = replies.filter((r) => r.status === 401);
      // One hash running and at most four waiting; every other attempt is refused at once.
      expect(checked.length).toBeLessThanOrEqual(5);
      expect(checked.length).toBeGreaterThanOrEqual(1);
      expect(refused.length).toBe(14 - checked.length);
      for (const r of refused) {
        expect(r.headers['retry-after']).toBe('1');
        expect(r.body.code).toBe('RATE_LIMITED');
      }
    } finally {
      await single.close();
    }
  });

  test('while Redis is unreachable, sign-in still works and is limited per process', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    const api = await startApi({ redis: down, config: { REDIS_PREFIX: `${prefix}-down`, TELEMEND_LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '3' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await attempt(api, '10.3.0.1', `down-${i}@example.test`)).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await api.close();
      down.disconnect();
    }
  });
});
