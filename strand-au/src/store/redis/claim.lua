local entries
local done = redis.call('GET', KEYS[3])
if done then
  entries = cjson.decode(done)
else
  entries = redis.call('ZRANGEBYLEX', KEYS[1], '-', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
  for _, entry in ipairs(entries) do
    redis.call('ZREM', KEYS[1], entry)
    redis.call('HSET', KEYS[2], entry, ARGV[3])
  end
  if #entries > 0 then
    redis.call('SET', KEYS[3], cjson.encode(entries), 'PX', 60000)
  end
end
local out = {}
for i, entry in ipairs(entries) do
  local record = false
  if #entry > 17 and string.sub(entry, 17, 17) == '-' then
    local read = redis.pcall('GET', ARGV[4] .. string.sub(entry, 18))
    if type(read) == 'string' then
      record = read
    elseif read == false then
      record = 0
    end
  end
  out[2 * i - 1] = entry
  out[2 * i] = record
end
return out
