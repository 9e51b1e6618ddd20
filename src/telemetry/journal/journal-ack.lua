-- A consumer's acknowledgement: XACK and XDEL each id and subtract the publishes of the entries
-- actually deleted (an entry delivered twice is counted once). Returns the publishes freed.
-- KEYS: stream, unwritten counter. ARGV: group, ids...
local freed = 0
for i = 2, #ARGV do
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  local e = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  if e[1] and redis.call('XDEL', KEYS[1], ARGV[i]) == 1 then
    local f, p = e[1][2], 1
    for j = 1, #f, 2 do if f[j] == 'p' then p = tonumber(f[j + 1]) end end
    freed = freed + p
  end
end
local left = redis.call('DECRBY', KEYS[2], freed)
if left < 0 or redis.call('XLEN', KEYS[1]) == 0 then redis.call('SET', KEYS[2], 0) end
return freed
