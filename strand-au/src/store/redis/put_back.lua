if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[4] == 'back' then
  redis.call('ZADD', KEYS[1], 0, ARGV[1])
  redis.call('PUBLISH', KEYS[3], ARGV[3])
end
return 1
