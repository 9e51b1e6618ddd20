/**
 * Keeps the journal's consumer group tidy: consumers of processes that are gone (a WORKER_ID
 * that changed, hosts replaced) would otherwise stay in the group for ever.
 */
import type { Redis } from 'ioredis';

/**
 * Deletes the group's consumers (other than ARGV[2]) with no pending entry and idle at least
 * ARGV[3] ms, atomically with the check. KEYS: stream. ARGV: group, self, min idle.
 */
const FORGET_SCRIPT = `
local deleted = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
  if info['name'] ~= ARGV[2] and tonumber(info['pending']) == 0 and tonumber(info['idle']) >= tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    deleted = deleted + 1
  end
end
return deleted
`;

/**
 * Deletes the group's consumers other than `self` that own no pending entry and have been idle
 * at least `minIdleMs`; returns how many. The check and the deletion are one script, so a
 * consumer that reads entries meanwhile is never deleted (its pending entries would be lost to
 * the group).
 */
export async function forgetIdleConsumers(redis: Redis, key: string, group: string, self: string, minIdleMs: number): Promise<number> {
  return Number(await redis.eval(FORGET_SCRIPT, 1, key, group, self, String(minIdleMs)));
}
