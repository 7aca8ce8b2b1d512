// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.

/**
 * `state()` and `bump(mark)`, which every revocation script starts with (KEYS[1] the state hash;
 * ARGV[1] the caller's clock, ARGV[2] the highest mark it has seen): catches a store that was
 * emptied or rolled back and fails closed. The design: ../revocation-store.ts.
 */
export const REVOCATION_PRELUDE_LUA = `
local function state()
  local now = tonumber(ARGV[1])
  local seen = tonumber(ARGV[2])
  local stored = redis.call('HMGET', KEYS[1], 'notBefore', 'mark')
  local notBefore, mark = tonumber(stored[1]), tonumber(stored[2])
  if notBefore == nil or mark == nil or mark < seen then
    notBefore = math.max(notBefore or 0, now - 1)
    -- Past every mark any node has seen (marks start at the clock and grow by one a write), so
    -- another node that saw a higher one than this node does not take it for a second rollback.
    mark = math.max(mark or 0, seen, now) + 1
    redis.call('HSET', KEYS[1], 'notBefore', string.format('%d', notBefore), 'mark', string.format('%d', mark))
  end
  return notBefore, mark
end
local function bump(mark)
  mark = mark + 1
  redis.call('HSET', KEYS[1], 'mark', string.format('%d', mark))
  return mark
end
`;
