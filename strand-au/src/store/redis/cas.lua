local current = redis.call('GET', KEYS[1])
if current == false then current = '' end
if current ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[6], ARGV[4])
else
  if tonumber(ARGV[3]) > 0 then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  else
    redis.call('SET', KEYS[1], ARGV[2])
  end
  if ARGV[1] == '' then
    redis.call('ZADD', KEYS[6], tonumber(ARGV[8]), ARGV[4])
    -- Records expire in Redis, not in the index: each new record drops
    -- the oldest two members whose record is gone, so the index follows
    -- the records down as they expire, oldest first.
    for _, old in ipairs(redis.call('ZRANGE', KEYS[6], 0, 1)) do
      if redis.call('EXISTS', ARGV[9] .. old) == 0 then
        redis.call('ZREM', KEYS[6], old)
      end
    end
  end
end
local op = ARGV[5]
if op == 'add' or op == 'requeue' then
  redis.call('HDEL', KEYS[4], ARGV[6])
  redis.call('ZADD', KEYS[3], 0, ARGV[6])
  redis.call('PUBLISH', KEYS[5], ARGV[7])
elseif op == 'remove' then
  redis.call('ZREM', KEYS[3], ARGV[6])
  redis.call('HDEL', KEYS[4], ARGV[6])
end
redis.call('PUBLISH', KEYS[2], ARGV[4])
return 1
