-- Saves an asset's detection state if nobody saved since it was loaded.
-- KEYS: state hash, log list. ARGV: expected rev, 's' (snapshot) or 'l' (log entry), payload,
-- save token. Returns the new rev, or -1 on a conflict. The token (unique per save) tells a cached
-- state from another one with the same rev (after a Redis data loss, revs start over).
local rev = tonumber(redis.call('HGET', KEYS[1], 'rev') or '0')
if rev ~= tonumber(ARGV[1]) then return -1 end
if ARGV[2] == 's' then
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'rev', rev + 1, 'base', rev + 1, 'state', ARGV[3], 'tok', ARGV[4])
else
  redis.call('RPUSH', KEYS[2], ARGV[3])
  redis.call('HSET', KEYS[1], 'rev', rev + 1, 'tok', ARGV[4])
end
return rev + 1
