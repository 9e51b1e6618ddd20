/**
 * Keeps the journal's consumer group tidy: consumers of processes that are gone (a WORKER_ID
 * that changed, hosts replaced) would otherwise stay in the group for ever.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const FORGET_SCRIPT = readFileSync(new URL('./journal-forget-consumers.lua', import.meta.url), 'utf8');

/**
 * Deletes the group's consumers other than `self` that own no pending entry and have been idle
 * at least `minIdleMs`; returns how many. The check and the deletion are one script, so a
 * consumer that reads entries meanwhile is never deleted (its pending entries would be lost to
 * the group).
 */
export async function forgetIdleConsumers(redis: Redis, key: string, group: string, self: string, minIdleMs: number): Promise<number> {
  return Number(await redis.eval(FORGET_SCRIPT, 1, key, group, self, String(minIdleMs)));
}
