// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { EVENT_LOG_PRELUDE_LUA } from './event-log-prelude';

/**
 * KEYS: stream, epoch. ARGV: fresh id, retentionMs, maxEntries, batch. Replies how many it dropped.
 * Drops the oldest entries beyond maxEntries, then on while they are older than the window (the
 * first young one is found by bisection on \`at\`, which grows with the id), at most \`batch\`.
 * Exact XTRIM MINID: ids are dense, so the threshold id names exactly where to cut.
 */
export const EVENT_LOG_TRIM_LUA = `${EVENT_LOG_PRELUDE_LUA}
local ms = epochMs(currentEpoch())
local head = headSeq()
local first = firstSeq(head)
if first > head then return 0 end
local count = head - first + 1
local cap = math.min(count, tonumber(ARGV[4]))
local drop = math.min(cap, math.max(0, count - tonumber(ARGV[3])))
if drop < cap then
  local cutoff = tonumber(nowMs()) - tonumber(ARGV[2])
  local lo, hi = first + drop, first + cap
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    local fields = redis.call('XRANGE', KEYS[1], idOf(ms, mid), '+', 'COUNT', 1)[1][2]
    local at = 0
    for i = 1, #fields, 2 do
      if fields[i] == 'at' then at = tonumber(fields[i + 1]) end
    end
    if at < cutoff then lo = mid + 1 else hi = mid end
  end
  drop = lo - first
end
if drop == 0 then return 0 end
return redis.call('XTRIM', KEYS[1], 'MINID', '=', idOf(ms, first + drop))
`;
