// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.

/**
 * KEYS[1] the room's history; ARGV: before ('' for the newest), count. The `count` newest items
 * below `before`, newest first: the index arithmetic needs the seqs to be dense, which the append
 * script guarantees.
 */
export const ROOM_HISTORY_READ_LUA = `
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then return {} end
local start = 0
if ARGV[1] ~= '' then
  start = tonumber(string.match(head, '^(%d+) ')) - tonumber(ARGV[1]) + 1
  if start < 0 then start = 0 end
end
return redis.call('LRANGE', KEYS[1], start, start + tonumber(ARGV[2]) - 1)
`;
