// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.

/**
 * The helpers every event-log script starts with (KEYS: stream, epoch; ARGV[1]: a fresh id for a new
 * epoch): Redis's clock, the current epoch (starting a new one when the log was lost), and the
 * arithmetic on dense `<epoch ms>-<n>` ids. The key layout and why: ../event-log.ts.
 */
export const EVENT_LOG_PRELUDE_LUA = `
local function nowMs()
  local t = redis.call('TIME')
  return string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
end
local function currentEpoch()
  local epoch = redis.call('GET', KEYS[2])
  if epoch and redis.call('EXISTS', KEYS[1]) == 1 then return epoch end
  local ms = nowMs()
  epoch = ms .. '.' .. ARGV[1]
  redis.call('UNLINK', KEYS[1])
  redis.call('XADD', KEYS[1], ms .. '-0', 'epoch', epoch)
  redis.call('XDEL', KEYS[1], ms .. '-0')
  redis.call('SET', KEYS[2], epoch)
  return epoch
end
local function epochMs(epoch) return string.match(epoch, '^(%d+)%.') end
local function seqOf(id) return tonumber(string.match(id, '%-(%d+)$')) end
local function idOf(ms, seq) return ms .. '-' .. string.format('%d', seq) end
local function headSeq()
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  if last[1] then return seqOf(last[1][1]) end
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return seqOf(info[i + 1]) end
  end
  return 0
end
local function firstSeq(head)
  local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
  if first[1] then return seqOf(first[1][1]) end
  return head + 1
end
local function seqIn(position, ms)
  if position == '0-0' then return 0 end
  local pms, pseq = string.match(position, '^(%d+)%-(%d+)$')
  if pms == ms then return tonumber(pseq) end
  return nil
end
local function isLater(a, b)
  if #a ~= #b then return #a > #b end
  return a > b
end
`;
