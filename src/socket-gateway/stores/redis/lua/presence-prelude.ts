// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.

/**
 * The helpers most presence scripts start with: `now` (Redis's clock, TIME: the nodes' clocks may
 * disagree) and `liveCount(nodes, user)`, a user's sockets on the nodes whose lease has not ended.
 * The key layout and why: ../presence-store.ts.
 */
export const PRESENCE_PRELUDE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function liveCount(nodes, user)
  local fields = redis.call('HGETALL', user)
  local count = 0
  for i = 1, #fields, 2 do
    local lease = redis.call('ZSCORE', nodes, fields[i])
    if lease and tonumber(lease) > now then count = count + tonumber(fields[i + 1]) end
  end
  return count
end
`;
