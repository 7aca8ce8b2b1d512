// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { PRESENCE_PRELUDE_LUA } from './presence-prelude';

/**
 * KEYS: nodes, unsettled, announced, presence:user… ARGV: userId… (same order). For each user
 * still due (another node may have settled it, or it was pushed later since DUE): takes it, and
 * if whether it is online now differs from what was announced, records the new state. Replies
 * userId, '1'|'0' for each change.
 */
export const PRESENCE_SETTLE_LUA = `${PRESENCE_PRELUDE_LUA}
local changed = {}
for i = 4, #KEYS do
  local user = ARGV[i - 3]
  local at = redis.call('ZSCORE', KEYS[2], user)
  if at and tonumber(at) <= now then
    redis.call('ZREM', KEYS[2], user)
    local online = liveCount(KEYS[1], KEYS[i]) > 0
    local was = redis.call('SISMEMBER', KEYS[3], user) == 1
    if online ~= was then
      if online then redis.call('SADD', KEYS[3], user) else redis.call('SREM', KEYS[3], user) end
      changed[#changed + 1] = user
      changed[#changed + 1] = online and '1' or '0'
    end
  end
end
return changed
`;
