-- The journal's append: count check, XADD and count update in one atomic round trip.
-- KEYS: stream, unwritten counter. ARGV: max unwritten, publishes, line protocol.
-- An empty stream means nothing is unwritten, whatever the counter says (e.g. after the stream
-- was deleted): the count is re-based on it.
local n = tonumber(redis.call('GET', KEYS[2]) or '0')
if n ~= 0 and redis.call('XLEN', KEYS[1]) == 0 then n = 0 end
if n >= tonumber(ARGV[1]) then return redis.error_reply('JOURNALFULL ' .. n) end
local id = redis.call('XADD', KEYS[1], '*', 'p', ARGV[2], 'lp', ARGV[3])
redis.call('SET', KEYS[2], n + tonumber(ARGV[2]))
return id
